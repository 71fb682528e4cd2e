"""Where quiz answers live in a notebook, and how a kernel finds them again.

JupyterLab (with ``@jupyter-widgets/jupyterlab-manager:plugin`` → ``saveState: true``) saves every live
widget model into the notebook::

    metadata.widgets["application/vnd.jupyter.widget-state+json"].state[<model_id>] =
        {"model_name": "VBoxModel", "model_module": "@jupyter-widgets/controls", ...,
         "state": {"jinguo_widget": "quiz", "quiz_id": "course/q1", "value": "B",
                   "answered_at": "2026-11-25T01:02:03.456789+00:00", ...}}

A Quiz syncs exactly those four traits, so her answer is in the .ipynb she saves and submits. When the
notebook is executed again (grading, no browser), constructing the Quiz reads it back from the file.
A notebook can hold stale models of the same quiz (a re-run cell, a restarted kernel): the answer given
last (``answered_at``) wins, and models never answered are ignored.
"""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
MARKER = "quiz"
Answer = str | tuple[str, ...]

_cache: dict[tuple[str, int, int], dict[str, tuple[str, Answer]]] = {}


def normalize(value: Any, multiple: bool | None = None) -> Answer | None:
    """A single answer is a str; a multiple-choice answer is a sorted tuple of str."""
    if value is None or value == "" or value == []:
        return None
    if isinstance(value, (list, tuple)):
        items = tuple(sorted(str(v) for v in value))
        if multiple is False and len(items) == 1:
            return items[0]
        return items
    return (str(value),) if multiple else str(value)


def answers_in(nb: dict) -> dict[str, tuple[str, Answer]]:
    """{quiz_id: (answered_at, value)} for every answered quiz saved in a notebook dict."""
    found: dict[str, tuple[str, Answer]] = {}
    states = ((nb.get("metadata") or {}).get("widgets") or {}).get(WIDGET_STATE) or {}
    for model in (states.get("state") or {}).values():
        s = model.get("state") if isinstance(model, dict) else None
        if not isinstance(s, dict) or s.get("jinguo_widget") != MARKER or not s.get("quiz_id"):
            continue
        value = normalize(s.get("value"), s.get("multiple"))
        if value is None:
            continue
        stamp = str(s.get("answered_at") or "")
        if s["quiz_id"] not in found or stamp >= found[s["quiz_id"]][0]:
            found[s["quiz_id"]] = (stamp, value)
    return found


def _answers_in_file(path: Path) -> dict[str, tuple[str, Answer]]:
    try:
        st = path.stat()
        key = (str(path), st.st_mtime_ns, st.st_size)
        if key not in _cache:
            if len(_cache) > 32:  # every save is a new key in a long session
                _cache.clear()
            with open(path, encoding="utf-8") as f:
                _cache[key] = answers_in(json.load(f))
        return _cache[key]
    except (OSError, ValueError, AttributeError, TypeError):
        return {}  # unreadable or not a notebook: no saved answer, never a crash in her kernel


def candidate_notebooks(explicit: str | os.PathLike | None = None) -> list[Path]:
    """The notebook(s) this kernel is running: explicit path, $JINGUO_NOTEBOOK_PATH, $JPY_SESSION_NAME
    (set by jupyter_server for a notebook's kernel), else every .ipynb in the working directory."""
    for given in (explicit, os.environ.get("JINGUO_NOTEBOOK_PATH")):
        if given:
            return [Path(given)]
    session = os.environ.get("JPY_SESSION_NAME")
    if session and session.endswith(".ipynb") and Path(session).is_file():
        return [Path(session)]
    return sorted(Path.cwd().glob("*.ipynb"))


def saved_answer(quiz_id: str, notebook: str | os.PathLike | None = None) -> tuple[str, Answer] | None:
    """(answered_at, value) of the last answer to ``quiz_id`` saved in the running notebook, or None."""
    best: tuple[str, Answer] | None = None
    for path in candidate_notebooks(notebook):
        hit = _answers_in_file(path).get(quiz_id)
        if hit and (best is None or hit[0] >= best[0]):
            best = hit
    return best
