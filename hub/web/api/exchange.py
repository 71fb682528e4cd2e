"""nbgrader 交换 / the nbgrader exchange through the service (issue 5).

Her JupyterLab's Assignments tab calls hub/lab/exchange/ (inside her own server), which calls these endpoints with her
own token: list what is released in her courses, fetch a release, submit (stored and committed before the 202
"received", then queued for grading/), and fetch learner-safe feedback of her own graded submissions. The same tab
also lists each course's lessons (讲义) and the tasks of the competitions she joined (issue 16); a competition
task is submitted through the competition's own API (competitions_api.py), as the Submit widget does. Her
competition page offers the task as a download too (TaskDownload).
"""
from __future__ import annotations

import io
import json
import zipfile
from base64 import b64decode
from datetime import datetime, timezone

from sqlalchemy import select
from tornado.ioloop import IOLoop

from grading.statuses import SubmissionStatus
from hub.competitions import exchange as cx
from hub.courses import exchange as ex
from hub.store.db import session_scope
from hub.store.orm import Assignment, Competition, Course, Grade, Submission
from hub.refusals import Refused
from hub.web.base import APIHandler, BaseHandler, requires
from hub.submissions.receive import notebook_bytes, receive
from hub.scopes import LEARN

MAX_NOTEBOOKS = 20


def _locked_cells(nb: dict) -> set[tuple[str, str]]:
    """(grade_id, source) of the read-only nbgrader cells: what tells one assignment's notebook from another's
    (grade ids alone repeat across assignments)."""
    out = set()
    for c in nb.get("cells", []):
        meta = c.get("metadata") if isinstance(c, dict) else None
        nbg = meta.get("nbgrader") if isinstance(meta, dict) else None
        if isinstance(nbg, dict) and nbg.get("locked") and nbg.get("grade_id"):
            src = c.get("source", "")
            out.add((str(nbg["grade_id"]), "".join(src) if isinstance(src, list) else str(src)))
    return out


class ExchangeHandler(APIHandler):
    """What every exchange endpoint shares: her course, its released assignment, her own submission."""

    def course(self, slug: str) -> Course:
        return ex.her_course(self.db, self.member, slug)

    def course_and_assignment(self, slug: str, name: str) -> tuple[Course, Assignment]:
        course = self.course(slug)
        return course, ex.released_assignment(self.db, course, name)

    def her_submission(self, sid: str) -> Submission:
        sub = self.db.get(Submission, int(sid))
        if sub is None or sub.assignment_id is None:
            raise Refused(404, "submission_not_found", "找不到这次提交", "Submission not found")
        if self.member is None or sub.member_id != self.member.id:
            raise Refused(403, "not_yours", "这不是您的提交", "This is not your submission")
        return sub


class AssignmentsHandler(ExchangeHandler):
    """GET /exchange/assignments?course=: released assignments of her courses, with her fetches and submissions."""

    @requires(LEARN)
    async def get(self) -> None:
        slug = self.get_argument("course", None) or None
        if slug:
            self.course(slug)
        rows = ex.her_assignments(self.db, self.settings["data_dir"], self.member, slug) if self.member else []
        self.write_json({"assignments": rows})


class ReleaseHandler(ExchangeHandler):
    """GET /exchange/courses/COURSE/assignments/NAME/release: the release's files, {path: base64}."""

    @requires(LEARN)
    async def get(self, slug: str, name: str) -> None:
        course, assignment = self.course_and_assignment(slug, name)
        files = ex.release_files(self.settings["data_dir"], slug, name)
        ex.record_fetch(self.db, self.member, assignment)
        self.db.commit()
        self.write_json({"course_id": slug, "assignment_id": name, "files": files,
                         "due_at": assignment.due_at.isoformat() if assignment.due_at else None})


class SubmitHandler(ExchangeHandler):
    """POST /exchange/courses/COURSE/assignments/NAME/submissions {"notebooks": {"x.ipynb": <nbformat 4>}}: every
    notebook stored (row, bytes, sha256) and committed, then queued; 202 "received" (late ones marked 迟交)."""

    @requires(LEARN)
    async def post(self, slug: str, name: str) -> None:
        course, assignment = self.course_and_assignment(slug, name)
        notebooks = self.json_body().get("notebooks")
        if not isinstance(notebooks, dict) or not notebooks or len(notebooks) > MAX_NOTEBOOKS:
            raise Refused(400, "no_notebooks", "请提交作业中的笔记本", "Send the assignment's notebooks")
        data_dir = self.settings["data_dir"]
        released = ex.released_notebooks(data_dir, slug, name)
        stored: dict[str, bytes] = {}
        for filename, nb in notebooks.items():
            if filename not in released:
                raise Refused(409, "wrong_notebook", f"{filename} 不是这份作业的笔记本（应为 {'、'.join(released)}）",
                              f"{filename} is not a notebook of this assignment (expected {', '.join(released)})")
            stored[filename] = notebook_bytes(nb)
            source = json.loads((ex.release_dir(data_dir, slug, name) / filename).read_bytes())
            locked = _locked_cells(nb)
            if locked and not locked & _locked_cells(source):
                raise Refused(409, "wrong_notebook", f"{filename} 的内容属于另一份作业", f"{filename} holds another "
                              "assignment's notebook")
        now = datetime.now(timezone.utc)
        subs = []
        for filename, data in stored.items():
            sub = receive(self.db, self.member, filename=filename, data=data, assignment=assignment)
            sub.received_at = now  # one moment for the whole hand-in; nbgrader judges lateness from it
            subs.append(sub)
        self.db.commit()  # durable before she hears "received"
        for sub in subs:
            self.settings["grading_queue"].enqueue(sub.id)
        late = ex.is_late(assignment, now)
        zh, en = ("已收到，但已超过截止时间，记为迟交", "Received, but after the due date: marked late") if late else (
            "已收到，正在评分", "Received; grading")
        self.write_json({"course_id": slug, "assignment_id": name, "status": SubmissionStatus.received, "final": False,
                         "timestamp": ex.stamp(now),
                         "received_at": now.isoformat(), "late": late, "label": "迟交" if late else "",
                         "zh": zh, "en": en,
                         "submissions": [ex.submission_json(s, assignment, None) for s in subs]}, 202)


class SubmissionHandler(ExchangeHandler):
    """GET /exchange/submissions/ID: her submission's status, lateness and score."""

    @requires(LEARN)
    async def get(self, sid: str) -> None:
        sub = self.her_submission(sid)
        assignment = self.db.get(Assignment, sub.assignment_id)
        grade = self.db.scalar(select(Grade).where(Grade.submission_id == sub.id))
        self.write_json({**ex.submission_json(sub, assignment, grade), "assignment_id": assignment.name,
                         "course_id": self.db.get(Course, assignment.course_id).slug})


class FeedbackListHandler(ExchangeHandler):
    """GET /exchange/feedback?course=: her graded submissions whose feedback she can download."""

    @requires(LEARN)
    async def get(self) -> None:
        rows = ex.her_assignments(self.db, self.settings["data_dir"], self.member,
                                  self.get_argument("course", None) or None) if self.member else []
        self.write_json({"feedback": [{"course_id": a["course_id"], "assignment_id": a["assignment_id"], **s}
                                      for a in rows for s in a["submissions"] if s["feedback"]]})


class FeedbackHandler(ExchangeHandler):
    """GET /exchange/submissions/ID/feedback: {notebooks: {name: html}} of her own graded submission; hidden
    tests are stripped before anything leaves the server."""

    @requires(LEARN)
    async def get(self, sid: str) -> None:
        sub = self.her_submission(sid)
        if sub.status != SubmissionStatus.graded:
            raise Refused(409, "not_graded", "还没有评完分，请稍后再来", "Not graded yet; try again shortly")
        assignment = self.db.get(Assignment, sub.assignment_id)
        slug, student = self.db.get(Course, assignment.course_id).slug, self.member.username
        data_dir, db_url = self.settings["data_dir"], self.settings["db_url"]
        lock = ex.queue_lock(self.settings["grading_queue"], data_dir, slug, assignment.name, student)

        def make() -> dict[str, str]:  # nbconvert takes a second: off the web loop, in a session of its own
            with session_scope(db_url) as s:
                return dict(ex.feedback_for(s, data_dir, s.get(Submission, sub.id), student, lock))

        html = await IOLoop.current().run_in_executor(None, make)
        self.write_json({"id": sub.id, "course_id": slug, "assignment_id": assignment.name,
                         "timestamp": ex.stamp(sub.received_at), "notebooks": html})


class LessonsHandler(ExchangeHandler):
    """GET /exchange/lessons?course=: the lessons (讲义) of her courses: {lessons: [{course_id, course_title,
    notebooks}]}."""

    @requires(LEARN)
    async def get(self) -> None:
        slug = self.get_argument("course", None) or None
        if slug:
            self.course(slug)
        self.write_json({"lessons": ex.her_lessons(self.db, self.member, slug) if self.member else []})


class LessonFilesHandler(ExchangeHandler):
    """GET /exchange/courses/COURSE/lessons/files: the lesson notebooks and their data, {path: base64}."""

    @requires(LEARN)
    async def get(self, slug: str) -> None:
        self.course(slug)
        files = ex.lesson_files(slug)
        self.write_json({"course_id": slug, "files": files})


def _competition_task(handler: BaseHandler, slug: str, task: str) -> dict[str, str]:
    """The released files of a task she may fetch now (competition_exchange.open_task says why not)."""
    comp = handler.db.scalar(select(Competition).where(Competition.slug == slug))
    if comp is None:
        raise Refused(404, "competition_not_found", "找不到这个竞赛", "Competition not found")
    cx.open_task(handler.db, comp, handler.member, task, datetime.now(timezone.utc))
    return cx.task_files(handler.settings["data_dir"], slug, task)


class CompetitionTasksHandler(ExchangeHandler):
    """GET /exchange/competitions: the tasks of the open phase of every competition she joined, with her
    submissions."""

    @requires(LEARN)
    async def get(self) -> None:
        rows = cx.her_tasks(self.db, self.settings["data_dir"], self.member,
                            datetime.now(timezone.utc)) if self.member else []
        self.write_json({"tasks": rows})


class CompetitionReleaseHandler(ExchangeHandler):
    """GET /exchange/competitions/SLUG/tasks/TASK/release: the task's released files, {path: base64}."""

    @requires(LEARN)
    async def get(self, slug: str, task: str) -> None:
        self.write_json({"competition": slug, "task": task, "files": _competition_task(self, slug, task)})


class TaskDownload(BaseHandler):
    """GET competitions/SLUG/tasks/TASK/download (her competition page's link): the task's notebook, or a zip
    when the task has more files than one notebook."""

    @requires(LEARN)
    async def get(self, slug: str, task: str) -> None:
        files = _competition_task(self, slug, task)
        if len(files) == 1:
            (name, data), = files.items()
            body, kind = b64decode(data), "application/x-ipynb+json"
        else:
            out = io.BytesIO()
            with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
                for rel, data in files.items():
                    z.writestr(f"{task}/{rel}", b64decode(data))
            name, body, kind = f"{task}.zip", out.getvalue(), "application/zip"
        self.send_download(name, body, kind)


ROUTES = [
    (r"api/exchange/assignments", AssignmentsHandler),
    (r"api/exchange/courses/([^/]+)/assignments/([^/]+)/release", ReleaseHandler),
    (r"api/exchange/courses/([^/]+)/assignments/([^/]+)/submissions", SubmitHandler),
    (r"api/exchange/feedback", FeedbackListHandler),
    (r"api/exchange/submissions/(\d+)", SubmissionHandler),
    (r"api/exchange/submissions/(\d+)/feedback", FeedbackHandler),
    (r"api/exchange/lessons", LessonsHandler),
    (r"api/exchange/courses/([^/]+)/lessons/files", LessonFilesHandler),
    (r"api/exchange/competitions", CompetitionTasksHandler),
    (r"api/exchange/competitions/([^/]+)/tasks/([^/]+)/release", CompetitionReleaseHandler),
    (r"competitions/([^/]+)/tasks/([^/]+)/download", TaskDownload),
]
