"""The one error a person reads: ``Refused(status, code, zh, en, **detail)``.

Contract:
- A room (people/, courses/, competitions/, …) raises ``Refused`` — or one of its declared subclasses, kept so that
  callers and tests can still catch one room's refusals by name — when it will not do what was asked, for a reason
  the person asking can act on. Nothing it was doing is committed.
- ``status`` is the HTTP status the web answers with; ``code`` a stable machine word (the API's ``error.code``);
  ``zh`` and ``en`` the same sentence in Chinese and English; ``detail`` further facts for whoever catches it
  (``retry_at``: when trying again can work; ``field``: the form field it is about).
- The web turns it into its answer in ONE place (hub/web/base.py: the JSON body ``to_json()`` for the API, the
  error page with zh + en for a page); the CLI into ``错误 / error: zh / en`` and exit code ``exit_code`` in ONE
  place (hub/cli/main.py). Nothing else translates it.

This module imports nothing of the platform: every room may raise it, and it knows no web framework.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

__all__ = ["Refused"]


class Refused(Exception):
    """A refusal a person reads: HTTP status, stable code, Chinese and English, and optional detail."""

    exit_code = 1  # what the CLI exits with

    def __init__(self, status: int, code: str, zh: str, en: str, **detail: Any):
        super().__init__(f"{zh} / {en}")
        self.status, self.code, self.zh, self.en = status, code, zh, en
        self.detail = detail

    @property
    def retry_at(self) -> datetime | str | None:
        return self.detail.get("retry_at")

    @property
    def field(self) -> str:
        return self.detail.get("field", "")

    def message(self) -> str:
        """The line the CLI prints (to stderr) before it exits with ``exit_code``."""
        return f"错误 / error: {self.zh} / {self.en}"

    def to_json(self) -> dict[str, Any]:
        """The API's error body, unchanged since the first API: ``{"error": {code, zh, en, retry_at}}`` with
        ``retry_at`` an ISO time or null. Other detail stays on the server (a form's field is the form's)."""
        retry = self.retry_at
        return {"error": {"code": self.code, "zh": self.zh, "en": self.en,
                          "retry_at": retry.isoformat() if isinstance(retry, datetime) else retry}}

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.status}, {self.code!r}, {self.zh!r}, {self.en!r})"
