"""nbgrader's Assignments panel in her JupyterLab, with the platform's refusals in words she reads.

nbgrader's own server extension (nbgrader.server_extensions.assignment_list) drops what went wrong: a failed Fetch
or Fetch Feedback is only logged and the panel shows the list again (so "Fetch Feedback" seemed to do nothing), a
failed Submit shows a Python traceback, and any exchange error while listing reads "The exchange directory does
not exist". This extension answers the same URLs with the same JSON, except that a failure comes back as
``{"success": false, "value": "中文 / English"}``, which the panel shows: in place of the lists (listing, Fetch,
Fetch Feedback; "refresh" brings the lists back) or in its "Invalid Submission" dialog (Submit).

Enabled for every role by hub/jupyterhub/singleuser/common/jupyter_server_config.d/jinguo-exchange.json. Jupyter Server loads
extensions in name order and Tornado asks handlers in the order they were added, so "hub.lab.exchange.lab" answers
before "nbgrader.server_extensions.assignment_list".
"""
from __future__ import annotations

import json
import os
import traceback

from jupyter_server.utils import url_path_join
from nbgrader.auth import Authenticator
from nbgrader.coursedir import CourseDirectory
from nbgrader.exchange import ExchangeError, ExchangeFactory
from nbgrader.server_extensions.assignment_list import handlers as nbg
from tornado import web

SETTINGS_KEY = "jinguo_assignment_list"


def in_words(exc: BaseException) -> str:
    """What she reads when a step failed."""
    if isinstance(exc, ExchangeError):
        return str(exc)  # our exchange classes speak zh / en already (hub/lab/exchange/base.py)
    last = traceback.format_exception_only(type(exc), exc)[-1].strip()
    return f"出错了，请稍后再试；一直这样的话请告诉老师或组织者 / Something went wrong; try again later ({last})"


class AssignmentList(nbg.AssignmentList):
    """nbgrader's panel manager, every failure answered as {"success": false, "value": "中文 / English"}."""

    def _step(self, config, kind: str, course_id: str | None, assignment_id: str | None = None):
        if course_id:
            config.CourseDirectory.course_id = course_id
        if assignment_id:
            config.CourseDirectory.assignment_id = assignment_id
        make = getattr(ExchangeFactory(config=config), kind)
        return make(coursedir=CourseDirectory(config=config), authenticator=Authenticator(config=config),
                    config=config).start()

    def _failed(self, exc: BaseException) -> dict:
        self.log.error(traceback.format_exc())
        return {"success": False, "value": in_words(exc)}

    def list_released_assignments(self, course_id=None):
        with self.get_assignment_dir_config() as config:
            try:
                assignments = self._step(config, "List", course_id)
            except Exception as exc:
                return self._failed(exc)
        for a in assignments:  # as nbgrader's: paths relative to the server root, for the panel's links
            if a["status"] == "fetched":
                a["path"] = os.path.relpath(a["path"], self.root_dir)
                for nb in a["notebooks"]:
                    nb["path"] = os.path.relpath(nb["path"], self.root_dir)
        return {"success": True, "value": sorted(assignments, key=lambda x: (x["course_id"], x["assignment_id"]))}

    def list_submitted_assignments(self, course_id=None):
        with self.get_assignment_dir_config() as config:
            config.ExchangeList.cached = True
            try:
                assignments = self._step(config, "List", course_id)
            except Exception as exc:
                return self._failed(exc)
        for a in assignments:
            for s in a["submissions"]:
                if s["local_feedback_path"] and os.path.exists(s["local_feedback_path"]):
                    s["local_feedback_path"] = os.path.relpath(s["local_feedback_path"], self.root_dir)
            a["submissions"] = sorted(a["submissions"], key=lambda x: x["timestamp"])
        return {"success": True, "value": sorted(assignments, key=lambda x: x["assignment_id"])}

    def _act(self, kind: str, course_id: str, assignment_id: str) -> dict:
        with self.get_assignment_dir_config():
            try:
                self._step(self.load_config(), kind, course_id, assignment_id)
            except Exception as exc:
                return self._failed(exc)
        return {"success": True}

    def fetch_assignment(self, course_id, assignment_id):
        return self._act("FetchAssignment", course_id, assignment_id)

    def fetch_feedback(self, course_id, assignment_id):
        return self._act("FetchFeedback", course_id, assignment_id)

    def submit_assignment(self, course_id, assignment_id):
        return self._act("Submit", course_id, assignment_id)


class _PlatformManager:
    """Our handlers use our manager (nbgrader's stays under its own settings key, unused)."""

    @property
    def manager(self) -> AssignmentList:
        return self.settings[SETTINGS_KEY]


class AssignmentListHandler(_PlatformManager, nbg.AssignmentListHandler):
    pass


class CourseListHandler(_PlatformManager, nbg.CourseListHandler):
    pass


class AssignmentActionHandler(_PlatformManager, nbg.AssignmentActionHandler):
    """fetch | submit | fetch_feedback: on success the lists, as nbgrader answers; on failure, why."""

    @web.authenticated
    def post(self, action: str) -> None:
        try:
            data = {"assignment_id": self.get_argument("assignment_id"), "course_id": self.get_argument("course_id")}
        except web.MissingArgumentError:
            data = self.get_json_body() or {}
        course_id, assignment_id = data.get("course_id", ""), data.get("assignment_id", "")
        step = {"fetch": self.manager.fetch_assignment, "submit": self.manager.submit_assignment,
                "fetch_feedback": self.manager.fetch_feedback}[action]
        output = step(course_id, assignment_id)
        self.finish(json.dumps(self.manager.list_assignments(course_id=course_id) if output["success"] else output))


HANDLERS = [
    (r"/assignments", AssignmentListHandler),
    (r"/assignments/(?P<action>fetch|submit|fetch_feedback)", AssignmentActionHandler),
    (r"/courses", CourseListHandler),
]


def _jupyter_server_extension_points() -> list[dict]:
    return [{"module": "hub.lab.exchange.lab"}]


def _load_jupyter_server_extension(serverapp) -> None:
    manager = AssignmentList(parent=serverapp)
    manager.root_dir = serverapp.root_dir
    web_app = serverapp.web_app
    web_app.settings[SETTINGS_KEY] = manager
    web_app.add_handlers(".*$", [(url_path_join(web_app.settings["base_url"], path), handler)
                                 for path, handler in HANDLERS])
    serverapp.log.info("Jinguo: nbgrader's Assignments panel answers with the platform's words")
