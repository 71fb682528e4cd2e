"""A Celery grading worker's steps on the platform database: count a delivery, claim a submission with a
compare-and-set on its row (a lease with an expiry), keep the lease while grading, and write the grade once.

Every write is guarded by the claim: a second delivery of the same task finds the row claimed or final and changes
nothing; a worker whose lease ran out (it was paused or cut off) and was replaced finds its claim gone and writes
nothing. So one grade row per submission, and one ``submission.graded`` entry in the audit log.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, select, update

from hub.store.audit import audit
from hub.store.db import session_scope
from hub.store.orm import (Assignment, AutogradedHandIn, Competition, Course, Grade, GradingBundle, Member,
                           Submission, aware, utcnow)
from hub.submissions.grades import hand_in_siblings, notebook_share, retry_delay, write_grade

CLAIMABLE = ("received", "queued", "retrying")


def interrupted_message(attempts: int) -> str:
    return (f"评分进程在评分这份提交时中断了 {attempts} 次，已停止评分；这是平台的问题，不计入你的提交次数，请联系组织者 / "
            f"grading this submission was interrupted {attempts} times and has stopped; it is a platform failure, "
            "does not count against your limits; please tell the organizer")


def claimable(now: datetime) -> Any:
    """Waiting, or claimed by a worker whose lease ran out (or by the local backend, which keeps no lease)."""
    return or_(Submission.status.in_(CLAIMABLE),
               and_(Submission.status == "grading",
                    or_(Submission.lease_until.is_(None), Submission.lease_until < now)))


@dataclass
class Claim:
    owner: str
    assignment: str
    student: str
    received_at: datetime
    parts: list[tuple[int, str]] = field(default_factory=list)  # (submission id, notebook file) of the hand-in
    files: dict[str, bytes] = field(default_factory=dict)


def count_delivery(db_url: str, submission_id: int) -> None:
    with session_scope(db_url) as s:
        s.execute(update(Submission).where(Submission.id == submission_id)
                  .values(deliveries=Submission.deliveries + 1))


def _take(s: Any, submission_id: int, owner: str, lease: float, limit: int) -> bool:
    now = utcnow()
    done = s.execute(update(Submission).where(Submission.id == submission_id, Submission.attempts < limit,
                                              claimable(now))
                     .values(status="grading", lease_owner=owner, lease_until=now + timedelta(seconds=lease),
                             attempts=Submission.attempts + 1))
    return done.rowcount == 1


def claim(db_url: str, submission_id: int, owner: str, lease: float, limit: int) -> Claim | None:
    """The submission's hand-in (it and its sibling notebooks) claimed for ``owner``; None when another delivery
    holds it, it is final, or it reached the attempt limit (then it is marked failed, which never counts against
    her limits)."""
    with session_scope(db_url) as s:
        if not _take(s, submission_id, owner, lease, limit):
            now = utcnow()
            s.execute(update(Submission).where(Submission.id == submission_id, Submission.attempts >= limit,
                                               claimable(now))
                      .values(status="failed", lease_owner=None, lease_until=None,
                              message=interrupted_message(limit)))
            return None
    with session_scope(db_url) as s:
        sub = s.get(Submission, submission_id)
        siblings = [one for one in hand_in_siblings(s, sub) if _take(s, one.id, owner, lease, limit)]
        if sub.competition_id is not None:
            assignment = sub.task
        else:
            assignment = s.get(Assignment, sub.assignment_id).name
        got = Claim(owner, assignment, s.get(Member, sub.member_id).username, aware(sub.received_at))
        for one in [sub, *siblings]:
            got.parts.append((one.id, one.filename))
            got.files[one.filename] = one.notebook
        return got


def renew(db_url: str, got: Claim, lease: float) -> int:
    """Push the lease on: the worker is alive. 0 when the claim was taken from it."""
    with session_scope(db_url) as s:
        return s.execute(update(Submission).where(Submission.id.in_([sid for sid, _ in got.parts]),
                                                  Submission.lease_owner == got.owner,
                                                  Submission.status == "grading")
                         .values(lease_until=utcnow() + timedelta(seconds=lease))).rowcount


def bundle_bytes(db_url: str, sha: str) -> bytes:
    with session_scope(db_url) as s:
        row = s.get(GradingBundle, sha)
        if row is None:
            raise LookupError(f"grading bundle {sha} not in the database")
        return row.data


def record(db_url: str, got: Claim, status: str, whole: dict, limit: int, autograded: bytes | None = None,
           backoff: tuple[float, float] = (0.0, 0.0)) -> int:
    """Write the hand-in's result under the claim; returns how many notebooks were written (0: the claim was gone,
    another worker has it, nothing changed). ``autograded`` (the scratch course's autograded folder, a tar.gz) is
    kept in the same transaction for the service to write into the course's gradebook (hub/submissions/writeback.py).
    A platform failure (``error``) goes back to the queue until the attempt limit, then ends ``failed``; it is
    published again no sooner than ``retry_delay(attempts, *backoff)`` from now."""
    written, first_taken = 0, False
    with session_scope(db_url) as s:
        for i, (sid, filename) in enumerate(got.parts):
            payload = notebook_share(whole, filename, first=i == 0)
            mine = (Submission.id == sid, Submission.lease_owner == got.owner, Submission.status == "grading")
            if status == "error":
                sub = s.get(Submission, sid)
                final = sub.attempts >= limit
                s.execute(update(Submission).where(*mine).values(
                    status="failed" if final else "retrying", lease_owner=None, lease_until=None,
                    published_at=None, retry_at=None if final else utcnow() + timedelta(
                        seconds=retry_delay(sub.attempts, *backoff)),
                    message=(payload.get("message") or "")[:500]))
                continue
            now = utcnow()
            taken = s.execute(update(Submission).where(*mine).values(
                status=status, graded_by=got.owner, synced_at=None,  # a rescore runs the callbacks again
                lease_owner=None, lease_until=None, retry_at=None, graded_at=now,
                message=payload.get("message", "") or ""))
            if taken.rowcount != 1:
                continue  # absorbed: not ours any more
            first_taken = first_taken or i == 0
            grade = s.scalar(select(Grade).where(Grade.submission_id == sid)) or Grade(submission_id=sid)
            write_grade(grade, payload)
            grade.graded_at = now
            s.add(grade)
            audit(s, "grader", "submission.graded", "submission", sid,
                  after={"score": grade.score, "max_score": grade.max_score, "status": status, "worker": got.owner})
            written += 1
        if autograded is not None and first_taken:
            first = got.parts[0][0]
            row = s.get(AutogradedHandIn, first) or AutogradedHandIn(submission_id=first)
            row.parts, row.files, row.score = [sid for sid, _ in got.parts], autograded, float(whole["score"])
            row.created_at, row.written_at = utcnow(), None
            s.add(row)
    return written


def course_of(session: Any, sub: Submission) -> tuple[str, str, str]:
    """(kind, slug, assignment) of a submission: kind is "competition" or "course"."""
    if sub.competition_id is not None:
        return "competition", session.get(Competition, sub.competition_id).slug, sub.task
    assignment = session.get(Assignment, sub.assignment_id)
    return "course", session.get(Course, assignment.course_id).slug, assignment.name
