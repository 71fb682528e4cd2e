"""A small HTTP client for the Jinguo platform API (docs/api.md), used by the widgets in a worker's kernel.

The spawner puts ``JINGUO_API_URL`` and ``JUPYTERHUB_API_TOKEN`` in every worker's environment. Errors
come back as :class:`PlatformError` (the API's ``{"error": {code, zh, en, retry_at}}``), and anything that
keeps us from reaching the platform at all (not configured, offline, timeout, a proxy's HTML page) as
:class:`PlatformUnavailable`, so a widget can always show a friendly Chinese sentence instead of a traceback.
"""
from __future__ import annotations

import os
from datetime import datetime, timezone
from typing import Any
from urllib.parse import quote

import requests
from traitlets import Float, Unicode, default
from traitlets.config import Configurable

__all__ = ["PlatformClient", "PlatformError", "PlatformUnavailable"]


class PlatformError(Exception):
    """The platform answered with an error (non-2xx); ``zh`` is what a widget shows her."""

    def __init__(self, code: str, zh: str, en: str, retry_at: str | None = None, status: int = 0) -> None:
        super().__init__(f"{zh} / {en}")
        self.code, self.zh, self.en, self.status = code, zh, en, status
        self.retry_at: datetime | None = _parse_time(retry_at) if retry_at else None


class PlatformUnavailable(PlatformError):
    """The platform could not be reached or did not answer in JSON (offline, timeout, not configured)."""

    def __init__(self, en: str, zh: str = "暂时连不上平台，请检查网络后再试。") -> None:
        super().__init__("unavailable", zh, en)


def _parse_time(text: str) -> datetime | None:
    try:
        t = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except (TypeError, ValueError, AttributeError):
        return None
    return t if t.tzinfo else t.replace(tzinfo=timezone.utc)  # the API promises an offset; never crash


class PlatformClient(Configurable):
    """Talks to ``$JINGUO_API_URL`` with the worker's own token (``Authorization: token …``)."""

    api_url = Unicode(help="Base URL of the platform JSON API, e.g. "
                           "http://127.0.0.1:8000/services/jinguo/api (default: $JINGUO_API_URL).").tag(config=True)
    token = Unicode(help="API token sent as 'Authorization: token …' (default: $JUPYTERHUB_API_TOKEN).").tag(config=True)
    connect_timeout = Float(5.0, help="Seconds to wait for a connection to the platform.").tag(config=True)
    read_timeout = Float(15.0, help="Seconds to wait for the platform's answer.").tag(config=True)

    @default("api_url")
    def _api_url_default(self) -> str:
        return os.environ.get("JINGUO_API_URL", "")

    @default("token")
    def _token_default(self) -> str:
        return os.environ.get("JUPYTERHUB_API_TOKEN", "")

    # -- transport ---------------------------------------------------------------------------------
    def request(self, method: str, path: str, *, params: dict | None = None, json: Any = None) -> Any:
        """Send one request and return the decoded JSON answer, or raise PlatformError/PlatformUnavailable."""
        if not self.api_url:
            raise PlatformUnavailable("JINGUO_API_URL is not set", "这里还没有连上平台（未设置平台地址）。")
        headers = {"Accept": "application/json"}
        if self.token:
            headers["Authorization"] = f"token {self.token}"
        try:
            r = requests.request(method, self.api_url.rstrip("/") + path, params=params, json=json,
                                 headers=headers, timeout=(self.connect_timeout, self.read_timeout),
                                 allow_redirects=False)  # a redirect means the hub's login page, not an answer
        except requests.Timeout as e:
            raise PlatformUnavailable(f"timeout: {e}", "平台响应太慢，请稍后再试。") from e
        except requests.RequestException as e:
            raise PlatformUnavailable(f"connection failed: {e}") from e
        try:
            body = r.json()
        except ValueError:
            body = None
        if r.ok and body is not None:
            return body
        err = body.get("error") if isinstance(body, dict) else None
        if isinstance(err, dict):
            raise PlatformError(str(err.get("code", "error")), str(err.get("zh") or "平台出错了，请稍后再试。"),
                                str(err.get("en") or f"HTTP {r.status_code}"), err.get("retry_at"), r.status_code)
        # A proxy's HTML page, a hub login redirect, an empty 502: not an answer from the platform.
        raise PlatformUnavailable(f"HTTP {r.status_code} without a platform answer",
                                  "平台暂时不可用，请稍后再试。" if r.status_code >= 500
                                  else "平台没有认出你的身份，请重新登录后再试。"
                                  if r.status_code in (401, 403) or 300 <= r.status_code < 400
                                  else "平台暂时不可用，请稍后再试。")

    def get(self, path: str, **params: Any) -> Any:
        return self.request("GET", path, params={k: v for k, v in params.items() if v is not None} or None)

    def post(self, path: str, body: Any) -> Any:
        return self.request("POST", path, json=body)

    # -- endpoints used by the widgets (docs/api.md) -----------------------------------------------
    def me(self) -> dict:
        return self.get("/me")

    def check_quiz(self, course: str, quiz_id: str, choice: list[str]) -> dict:
        return self.post("/quiz/check", {"course": course, "quiz_id": quiz_id, "choice": list(choice)})

    def progress(self, course: str) -> dict:
        return self.get(f"/courses/{quote(course, safe='')}/progress")

    def competition(self, slug: str) -> dict:
        return self.get(f"/competitions/{quote(slug, safe='')}")

    def leaderboard(self, slug: str, *, board: str = "public", division: str | None = None,
                    limit: int | None = None) -> dict:
        return self.get(f"/competitions/{quote(slug, safe='')}/leaderboard", board=board, division=division,
                        limit=limit)

    def submit(self, slug: str, task: str, notebook: dict) -> dict:
        return self.post(f"/competitions/{quote(slug, safe='')}/submissions", {"task": task, "notebook": notebook})

    def submission(self, slug: str, submission_id: str | int) -> dict:
        return self.get(f"/competitions/{quote(slug, safe='')}/submissions/{quote(str(submission_id), safe='')}")
