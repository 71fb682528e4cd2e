"""The service writes what Celery workers graded into the courses' (and competitions') nbgrader folders: it is the
single writer of each gradebook, the workers grade in private scratch courses and leave their autograded folder in
the database with the grade (hub/submissions/lease.py, table autograded_hand_ins). On each reconciler tick the
waiting ones are written (grading/celery_gradebook.py does the nbgrader part), oldest first, each marked — exactly
once: a row is marked only if it is still the version that was written, and writing the same hand-in again (the
service stopped between the write and the mark) changes nothing.
"""
from __future__ import annotations

import logging
from contextlib import nullcontext
from pathlib import Path
from typing import Callable, ContextManager

from sqlalchemy import select, update

from hub.store.db import session_scope
from hub.store.orm import AutogradedHandIn, Member, Submission, aware, utcnow
from hub.submissions.grades import course_dir_for

log = logging.getLogger("jinguo.grading")
Lock = Callable[[Path, str, str], ContextManager]


def waiting(db_url: str) -> list[int]:
    with session_scope(db_url) as s:
        return list(s.scalars(select(AutogradedHandIn.submission_id).where(AutogradedHandIn.written_at.is_(None))
                              .order_by(AutogradedHandIn.submission_id)))


def write_back(db_url: str, data_dir: str | Path, lock: Lock | None = None,
               seal: Callable[[Path], None] | None = None) -> int:
    """Write every waiting hand-in into its course's folder and gradebook; returns how many were written. ``lock``
    is the grading queue's per (folder, assignment, student) lock (feedback and manual-grade sync take it too),
    ``seal`` seals a competition's folder before anything is written into it."""
    from grading.celery_gradebook import write_autograded
    from grading.celery_worker import untar_gz

    done = 0
    for sid in waiting(db_url):
        try:
            with session_scope(db_url) as s:
                row, sub = s.get(AutogradedHandIn, sid), s.get(Submission, sid)
                folder, assignment = course_dir_for(data_dir, sub, s)
                student = s.get(Member, sub.member_id).username
                handed_in = {one.filename: one.notebook for one in (s.get(Submission, p) for p in row.parts) if one}
                files, version, expected = untar_gz(row.files, f"autograded hand-in {sid}"), row.created_at, row.score
                received_at = aware(sub.received_at)
            if seal:
                seal(folder)
            with (lock or (lambda *_: nullcontext()))(folder, assignment, student):
                score = write_autograded(folder, assignment, student, files, handed_in, received_at)
        except Exception:  # left waiting: the next pass tries again
            log.exception("无法把提交 %s 的评分写入成绩册 / could not write submission %s into its gradebook", sid, sid)
            continue
        if score is not None and abs(score - expected) > 1e-6:
            log.warning("成绩册中提交 %s 的分数 %s 与评分 worker 的 %s 不同（作业是否改过？）/ the gradebook scores "
                        "submission %s %s, the worker %s (was the assignment changed?)", sid, score, expected, sid,
                        score, expected)
        with session_scope(db_url) as s:
            done += s.execute(update(AutogradedHandIn).where(
                AutogradedHandIn.submission_id == sid, AutogradedHandIn.created_at == version,
                AutogradedHandIn.written_at.is_(None)).values(written_at=utcnow())).rowcount
    return done
