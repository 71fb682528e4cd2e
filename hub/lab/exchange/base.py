"""What every platform exchange class shares: where the API is, her token, and where her copies live.

Its HTTP calls go through the widgets' client (widgets/client.py: the one client of the platform API in her
server, with its token and URL discovery and its reading of refusals); here a refusal only becomes nbgrader's
ExchangeError, which her Assignments tab shows."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any
from urllib.parse import quote

from nbgrader.exchange.abc import Exchange, ExchangeError
from traitlets import Bool, Float, Unicode, default

from hub.lab.exchange.entries import Entry, from_platform
from widgets.client import PlatformClient, PlatformError, PlatformUnavailable


class PlatformRefused(ExchangeError):
    """The platform said no: its HTTP status and stable code, and the words she reads (str(e), zh / en)."""

    def __init__(self, message: str, status: int, code: str):
        super().__init__(message)
        self.status, self.code = status, code


class PlatformExchange(Exchange):
    """The exchange is the platform service: no shared folder, her own identity on every call."""

    api_url = Unicode(help="The platform's JSON API, e.g. http://127.0.0.1:8000/services/jinguo/api (the spawner "
                           "sets JINGUO_API_URL).").tag(config=True)
    token = Unicode(help="Her JupyterHub API token (JUPYTERHUB_API_TOKEN in her server).").tag(config=True)
    request_timeout = Float(60.0, help="Seconds to wait for the platform on one call.").tag(config=True)
    path_includes_course = Bool(
        True, help="Keep each course's assignments in a folder of its own (./COURSE/ASSIGNMENT): she can take "
                   "several courses whose assignments share a name.").tag(config=True)

    @default("api_url")
    def _api_url_default(self) -> str:
        return PlatformClient().api_url  # the client's discovery ($JINGUO_API_URL), said once

    @default("token")
    def _token_default(self) -> str:
        return PlatformClient().token  # $JUPYTERHUB_API_TOKEN

    @property
    def client(self) -> PlatformClient:
        """The platform's one HTTP client (widgets/client.py), with this exchange's URL, token and patience."""
        return PlatformClient(parent=self, api_url=self.api_url, token=self.token, read_timeout=self.request_timeout)

    def api(self, method: str, path: str, json: Any = None) -> dict:
        """One call to the platform; a refusal becomes an ExchangeError with its Chinese and English words."""
        if not self.api_url or not self.token:
            self.fail("找不到平台地址或令牌，请从平台重新启动笔记本服务器 / JINGUO_API_URL or JUPYTERHUB_API_TOKEN "
                      "is not set; restart your server from the platform")
        try:
            return self.client.request(method, path, json=json)
        except PlatformUnavailable as e:  # offline, timed out, or no answer from the platform itself
            self.fail(f"{e.zh} / cannot reach the platform: {e.en}")
        except PlatformError as e:
            message = f"{e.zh} / {e.en}"
            self.log.error(message)
            raise PlatformRefused(message, e.status, e.code) from e

    def her_assignments(self, course: str | None = None) -> list[dict]:
        query = f"?course={quote(course)}" if course else ""
        return self.api("GET", f"/exchange/assignments{query}")["assignments"]

    def entries(self) -> list[Entry]:
        """Everything her Assignments tab lists: course assignments, lessons, competition tasks."""
        return from_platform(self.her_assignments(), self.api("GET", "/exchange/lessons")["lessons"],
                             self.api("GET", "/exchange/competitions")["tasks"], self.path_includes_course)

    def the_entry(self) -> Entry:
        """The one entry asked for, by title or by slug."""
        course, assignment = self.one()
        found = [e for e in self.entries() if e.matches(course, assignment)]
        if not found:
            try:  # a course she is not enrolled in: the platform says so, and how to enrol
                self.her_assignments(course)
            except PlatformRefused as r:
                if r.status == 403:
                    raise
            self.fail(f"找不到“{course} / {assignment}”：它不是您课程中已发布的作业，也不是您已报名、正在进行的竞赛的"
                      f"题目 / “{course} / {assignment}” is neither a released assignment of your courses nor a task "
                      "of an open competition you joined")
        return found[0]

    def here(self, entry: Entry) -> Path:
        """Her copy of an entry, as nbgrader's own exchange places an assignment (./COURSE/ASSIGNMENT)."""
        return Path(self.assignment_dir).resolve().joinpath(*entry.folder)

    @property
    def student(self) -> str:
        return os.environ.get("JUPYTERHUB_USER") or os.environ.get("USER", "")

    def wanted(self) -> tuple[str | None, str | None]:
        """The course and assignment asked for (nbgrader's '*' / empty mean all)."""
        cd = self.coursedir
        course = cd.course_id if cd is not None and cd.course_id not in ("", "*") else None
        assignment = cd.assignment_id if cd is not None and cd.assignment_id not in ("", "*") else None
        return course, assignment

    def one(self) -> tuple[str, str]:
        course, assignment = self.wanted()
        if not course or not assignment:
            self.fail("请指定课程和作业 / name the course (--course) and the assignment")
        return course, assignment

    # nbgrader's start() runs these three; our classes do their work in start() itself.
    def init_src(self) -> None:
        pass

    def init_dest(self) -> None:
        pass

    def copy_files(self) -> None:
        pass
