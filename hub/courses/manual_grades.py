"""Scores an instructor gives by hand in nbgrader's formgrader, brought into the platform.

Formgrader writes manual scores into the course's gradebook; the platform keeps its own grade per submitted
notebook, which progress, the course pages and certificates read. For each learner's latest graded hand-in that the
gradebook still holds, the gradebook's score (one query per assignment, formgrader's own) is compared with the
platform's; only where they differ is the hand-in read in detail and written, under the grading queue's lock for
its folder, audited as ``grade.manual``, and her certificate settled. ManualGradeSync does this in the service every
``interval`` seconds for courses whose gradebook changed; ``jinguo course sync-grades SLUG`` does it at once.
"""
from __future__ import annotations

import os
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, ContextManager

from sqlalchemy import select
from sqlalchemy.orm import Session
from tornado.ioloop import PeriodicCallback
from traitlets import Any as AnyTrait
from traitlets import Float, Unicode
from traitlets.config import LoggingConfigurable

from hub.courses import certificates
from hub.courses.exchange import course_dir, gradebook_holds, queue_lock
from hub.store.db import session_scope
from hub.submissions.grades import notebook_share, write_grade
from hub.store.audit import audit
from hub.store.orm import Assignment, Course, Grade, Member, Submission

ACTOR = "formgrader"


@dataclass(frozen=True)
class Change:
    username: str
    assignment: str
    notebook: str
    submission_id: int
    before: float
    after: float
    waiting: bool  # still has answers no one has graded

    def __str__(self) -> str:
        left = "（仍有待评分的题 / still waiting for manual grading）" if self.waiting else ""
        return f"{self.username} {self.assignment}/{self.notebook}: {self.before:g} → {self.after:g}{left}"


Lock = Callable[[str, str], ContextManager]  # (assignment, student) -> the queue's lock for her folder


def _latest_hand_ins(s: Session, assignment: Assignment) -> dict[Member, list[tuple[Submission, Grade]]]:
    """Each learner's latest graded hand-in of the assignment (its notebooks, first sent first)."""
    rows = s.execute(select(Submission, Grade, Member).join(Grade, Grade.submission_id == Submission.id)
                     .join(Member, Member.id == Submission.member_id)
                     .where(Submission.assignment_id == assignment.id, Submission.status == "graded")
                     .order_by(Submission.received_at, Submission.id)).all()
    latest: dict[Member, list[tuple[Submission, Grade]]] = defaultdict(list)
    for sub, grade, member in rows:
        if latest[member] and latest[member][0][0].received_at != sub.received_at:
            latest[member] = []  # a later hand-in: the gradebook holds that one, not the earlier
        latest[member].append((sub, grade))
    return latest


def sync_course(s: Session, data_dir: str | Path, course: Course, lock: Lock | None = None) -> list[Change]:
    """Bring the course's manual grades into the platform (in ``s``; the caller commits)."""
    from grading import gradebook_result, gradebook_scores

    folder = course_dir(data_dir, course.slug)
    if not (folder / "gradebook.db").exists():
        return []
    lock = lock or (lambda _assignment, _student: nullcontext())
    changes: list[Change] = []
    for assignment in s.scalars(select(Assignment).where(Assignment.course_id == course.id).order_by(Assignment.id)):
        book = gradebook_scores(folder, assignment.name)
        for member, parts in _latest_hand_ins(s, assignment).items():
            if member.username not in book:
                continue
            score, waiting = book[member.username]
            ours = sum(g.score for _, g in parts)
            if abs(score - ours) < 1e-9 and waiting == any(g.needs_manual for _, g in parts):
                continue
            with lock(assignment.name, member.username):
                if not gradebook_holds(folder / "autograded" / member.username / assignment.name, parts[0][0]):
                    continue  # a newer hand-in is being graded: its result will be written by the queue
                whole = gradebook_result(folder, assignment.name, member.username).to_json()
            changes += _write(s, member, assignment, parts, whole)
        if changes:
            s.flush()
    for member in {c.username for c in changes}:
        certificates.settle(s, s.scalar(select(Member).where(Member.username == member)), course, actor=ACTOR)
    return changes


def _write(s: Session, member: Member, assignment: Assignment, parts: list[tuple[Submission, Grade]],
           whole: dict) -> list[Change]:
    out = []
    for i, (sub, grade) in enumerate(parts):
        share = notebook_share(whole, sub.filename, first=i == 0)
        new = Grade()
        write_grade(new, share)
        before = (grade.score, grade.needs_manual)
        if (new.score, new.needs_manual) == before:
            continue  # this notebook's share did not change (another notebook of the hand-in did)
        write_grade(grade, share)
        audit(s, ACTOR, "grade.manual", "submission", sub.id,
              before={"score": before[0], "needs_manual": before[1]},
              after={"score": grade.score, "needs_manual": grade.needs_manual, "member": member.username,
                     "assignment": assignment.name, "notebook": sub.filename})
        out.append(Change(member.username, assignment.name, sub.filename, sub.id, before[0], grade.score,
                          grade.needs_manual))
    return out


class ManualGradeSync(LoggingConfigurable):
    """Looks at the published courses' gradebooks every ``interval`` seconds, in a thread of its own."""

    interval = Float(30.0, help="Seconds between two looks at the courses' gradebooks for scores instructors gave "
                                "by hand in formgrader (0 turns the look off; `jinguo course sync-grades` still "
                                "works).").tag(config=True)
    db_url = Unicode(help="The platform database.")
    data_dir = Unicode(help="The platform's data folder (courses/<slug>/ are the nbgrader course folders).")
    queue = AnyTrait(help="The GradingQueue whose folder locks a look takes.")

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._seen: dict[str, float] = {}  # course slug -> its gradebook's mtime at the last look
        self._busy = False

    def start(self) -> None:
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="jinguo-manual-grades")
        if self.interval > 0:
            PeriodicCallback(self._tick, self.interval * 1000).start()

    def _tick(self) -> None:
        if not self._busy:
            self._busy = True
            self._pool.submit(self.look)

    def look(self) -> list[Change]:
        """One look at every published course whose gradebook changed since the last look."""
        changes: list[Change] = []
        try:
            with session_scope(self.db_url) as s:
                for course in s.scalars(select(Course).where(Course.published_at.is_not(None))):
                    gradebook = course_dir(self.data_dir, course.slug) / "gradebook.db"
                    try:
                        mtime = os.path.getmtime(gradebook)
                    except OSError:
                        continue
                    if self._seen.get(course.slug) == mtime:
                        continue
                    found = sync_course(s, self.data_dir, course, self._lock_for(course.slug))
                    s.commit()
                    self._seen[course.slug] = mtime  # read before the look: a change during it is seen next time
                    for c in found:
                        self.log.info("manual grade %s: %s", course.slug, c)
                    changes += found
        except Exception:  # a look that failed is tried again at the next tick
            self.log.exception("looking for manual grades failed")
        finally:
            self._busy = False
        return changes

    def _lock_for(self, slug: str) -> Lock:
        def lock(assignment: str, student: str) -> Any:
            return queue_lock(self.queue, self.data_dir, slug, assignment, student)
        return lock
