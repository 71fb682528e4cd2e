"""What every grading road shares when it writes a result (the local queue, hub/submissions/queue.py, and the
Celery backend's claims, hub/submissions/lease.py): which notebooks make one hand-in, each notebook's share of
the hand-in's result, the grade row written from it, how long a platform failure waits before its next attempt,
and the nbgrader folder a submission is graded in. Its own
module so that the two roads import it and not each other."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import select

from grading.statuses import WAITING
from hub.settings import competition_folder, course_folder
from hub.store.orm import Assignment, Competition, Course, Grade, Submission, utcnow


def retry_delay(attempts: int, base: float, cap: float) -> float:
    """Seconds before a submission the platform failed to grade ``attempts`` times is tried again: ``base``,
    doubled for each further attempt, at most ``cap`` (a broken worker or database is not hammered)."""
    return min(cap, base * 2 ** max(0, attempts - 1))


def hand_in_siblings(session: Any, sub: Submission) -> list[Submission]:
    """The other notebooks she sent with a course submission, waiting too: the platform stores one row per notebook,
    all with the moment of the hand-in, and nbgrader grades the hand-in's folder as one submission."""
    if sub.assignment_id is None:
        return []
    return list(session.scalars(select(Submission).where(
        Submission.member_id == sub.member_id, Submission.assignment_id == sub.assignment_id,
        Submission.received_at == sub.received_at, Submission.id != sub.id, Submission.status.in_(WAITING))
        .order_by(Submission.id)))


def notebook_share(result: dict, filename: str, first: bool) -> dict:
    """What one notebook of a hand-in records from the hand-in's result: its own notebook's score and detail. A
    result without that notebook's detail (invalid, timeout, a competition's single file) is recorded whole on the
    hand-in's first notebook and as 0 of 0 on the others, so a hand-in's notebooks always add up to its result."""
    name = filename.removesuffix(".ipynb")
    for nb in result.get("notebooks", []):
        if nb.get("notebook") == name:
            return {**result, "score": nb["score"], "max_score": nb["max_score"], "notebooks": [nb]}
    return result if first else {**result, "score": 0.0, "max_score": 0.0, "notebooks": []}


def write_grade(grade: Grade, payload: dict) -> None:
    """A grading result (GradeResult.to_json, or one notebook's share of it) into the platform's grade row."""
    grade.score, grade.max_score = float(payload["score"]), float(payload["max_score"])
    grade.needs_manual = any(c.get("needs_manual_grade") for nb in payload.get("notebooks", [])
                             for c in nb.get("cells", []))
    grade.detail = {"notebooks": payload.get("notebooks", [])}
    grade.graded_at = utcnow()


def course_dir_for(data_dir: str | Path, sub: Submission, session: Any) -> tuple[Path, str]:
    """The nbgrader course folder and assignment name a submission is graded in."""
    if sub.competition_id is not None:
        comp = session.get(Competition, sub.competition_id)
        return competition_folder(data_dir, comp.slug), sub.task
    assignment = session.get(Assignment, sub.assignment_id)
    return course_folder(data_dir, session.get(Course, assignment.course_id).slug), assignment.name
