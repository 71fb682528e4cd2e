"""The local grading queue inside the platform service: every stored submission is graded once by grading/,
its result written once, and nothing sits "received" forever — submissions left unfinished by a crash are
picked up again at start, and ones the platform failed to grade are retried with a growing delay."""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Callable

from sqlalchemy import select
from tornado.ioloop import IOLoop
from traitlets import Bool, Float, Integer, List, Unicode
from traitlets.config import LoggingConfigurable

from hub.db import session_scope
from hub.members import audit
from hub.orm import Assignment, Competition, Course, Grade, Member, Submission, aware, utcnow

WAITING = ("received", "queued", "grading", "retrying")
OnGraded = Callable[[Any, Submission, Grade], None]


def course_dir_for(data_dir: str | Path, sub: Submission, session: Any) -> tuple[Path, str]:
    """The nbgrader course folder and assignment name a submission is graded in."""
    if sub.competition_id is not None:
        comp = session.get(Competition, sub.competition_id)
        return Path(data_dir) / "competitions" / comp.slug, sub.task
    assignment = session.get(Assignment, sub.assignment_id)
    return Path(data_dir) / "courses" / session.get(Course, assignment.course_id).slug, assignment.name


class GradingQueue(LoggingConfigurable):
    """Grades submissions in worker threads (each runs grading/'s sandboxed pool), off the web loop."""

    workers = Integer(2, help="Submissions graded at the same time.").tag(config=True)
    retry_limit = Integer(
        3, help="Attempts for a submission the platform failed to grade (status error) before it is marked "
                "failed; such attempts never count against the competitor's limits.").tag(config=True)
    retry_delay = Float(5.0, help="Seconds before the first retry; doubled for each further one.").tag(config=True)
    sandbox = Bool(True, help="Grade in the bubblewrap sandbox. Only for development may this be off.").tag(config=True)
    db_url = Unicode(help="The platform database.").tag(config=True)
    data_dir = Unicode(help="Folder holding courses/<slug> and competitions/<slug> nbgrader folders.").tag(config=True)
    on_graded = List(help="Callables (session, submission, grade) run in the grade's transaction.")

    def start(self) -> None:
        self._loop = IOLoop.current()
        self._pool = ThreadPoolExecutor(self.workers, thread_name_prefix="jinguo-grading")
        self._locks: dict[tuple, threading.Lock] = {}
        self._locks_guard = threading.Lock()
        with session_scope(self.db_url) as s:
            waiting = s.scalars(select(Submission.id).where(Submission.status.in_(WAITING))
                                .order_by(Submission.id)).all()
        for sid in waiting:  # left by a stop or a crash: graded now, once
            self.enqueue(sid)
        if waiting:
            self.log.info("re-queued %d unfinished submissions", len(waiting))

    def stop(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)

    def enqueue(self, submission_id: int, delay: float = 0.0) -> None:
        if delay > 0:
            self._loop.call_later(delay, self.enqueue, submission_id)
        else:
            self._pool.submit(self._grade, submission_id)

    def _lock(self, key: tuple) -> threading.Lock:
        with self._locks_guard:
            return self._locks.setdefault(key, threading.Lock())

    def _grade(self, submission_id: int) -> None:
        try:
            self._grade_one(submission_id)
        except Exception:  # never lose it: the next start picks it up again
            self.log.exception("grading submission %s failed", submission_id)

    def _grade_one(self, submission_id: int) -> None:
        from grading import grade_submission

        with session_scope(self.db_url) as s:
            sub = s.get(Submission, submission_id)
            if sub is None or sub.status not in WAITING:
                return
            sub.status = "grading"
            sub.attempts += 1
            course, assignment = course_dir_for(self.data_dir, sub, s)
            student = s.get(Member, sub.member_id).username
            files, received_at = {sub.filename: sub.notebook}, sub.received_at
        with self._lock((str(course), assignment, student)):  # one folder per (student, assignment)
            try:
                result = grade_submission(course, assignment, student, files, sandbox=self.sandbox,
                                          timestamp=aware(received_at))
                status, payload = result.status, result.to_json()
            except Exception as exc:
                status, payload = "error", {"message": f"评分出错 / grading failed: {exc!r}"[:500]}
        self._record(submission_id, status, payload)

    def _record(self, submission_id: int, status: str, payload: dict) -> None:
        with session_scope(self.db_url) as s:
            sub = s.get(Submission, submission_id)
            sub.message = payload.get("message", "")
            if status == "error":
                if sub.attempts < self.retry_limit:
                    sub.status = "retrying"
                    self._loop.add_callback(self.enqueue, submission_id, self.retry_delay * 2 ** (sub.attempts - 1))
                else:
                    sub.status = "failed"
                return
            grade = s.scalar(select(Grade).where(Grade.submission_id == submission_id)) or Grade(
                submission_id=submission_id)
            if grade.id is not None and grade.score != float(payload["score"]):  # a rescore changed it
                audit(s, "grader", "grade.rescored", "submission", submission_id, before={"score": grade.score},
                      after={"score": float(payload["score"])})
            grade.score, grade.max_score = float(payload["score"]), float(payload["max_score"])
            grade.needs_manual = any(c.get("needs_manual_grade") for nb in payload.get("notebooks", [])
                                     for c in nb.get("cells", []))
            grade.detail = {"notebooks": payload.get("notebooks", [])}
            grade.graded_at = utcnow()
            s.add(grade)
            sub.status = status
            sub.graded_at = grade.graded_at
            s.flush()
            for callback in self.on_graded:
                callback(s, sub, grade)
