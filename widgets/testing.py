"""Helpers for course authors' grading tests: put quiz answers into a notebook as JupyterLab saves them.

``record_answers(nb, {"rights/q1": "B", "rights/q2": ("A", "C")})`` returns a copy of ``nb`` whose
``metadata.widgets["application/vnd.jupyter.widget-state+json"]`` holds one Quiz model per answer,
shaped like the models JupyterLab writes when she clicks and saves; executing that notebook headless
makes ``Quiz("rights/q1", …).value == "B"``.
"""
from __future__ import annotations

import copy
import uuid
from datetime import datetime, timezone
from typing import Any, Mapping

from .answers import MARKER, WIDGET_STATE, Answer, answers_in, normalize

__all__ = ["record_answers", "read_answers"]


def record_answers(nb: Mapping[str, Any], answers: Mapping[str, Answer | list[str]], *,
                   answered_at: str | None = None) -> dict:
    """A copy of notebook dict ``nb`` with ``answers`` ({quiz_id: "B" or ("A", "C")}) saved in it.

    Answers recorded here are newer than any already in the notebook (unless ``answered_at`` says
    otherwise), exactly as a later click in the browser would be.
    """
    out = copy.deepcopy(dict(nb))
    meta = out.setdefault("metadata", {})
    widgets = meta.setdefault("widgets", {})
    bundle = widgets.setdefault(WIDGET_STATE, {"version_major": 2, "version_minor": 0, "state": {}})
    state = bundle.setdefault("state", {})
    stamp = answered_at or datetime.now(timezone.utc).isoformat()
    for quiz_id, value in answers.items():
        multiple = isinstance(value, (list, tuple))
        norm = normalize(value, multiple)
        state[uuid.uuid4().hex] = {
            "model_module": "@jupyter-widgets/controls",
            "model_module_version": "2.0.0",
            "model_name": "VBoxModel",
            "state": {
                "_dom_classes": ["jinguo", "jinguo-quiz"],
                "answered_at": stamp,
                "jinguo_widget": MARKER,
                "multiple": multiple,
                "quiz_id": quiz_id,
                "value": list(norm) if isinstance(norm, tuple) else norm,
            },
        }
    return out


def read_answers(nb: Mapping[str, Any]) -> dict[str, Answer]:
    """{quiz_id: value} as a Quiz would restore them from this notebook dict."""
    return {quiz_id: value for quiz_id, (_, value) in answers_in(dict(nb)).items()}
