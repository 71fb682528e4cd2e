"""Receiving a notebook: checked, then stored durably (row, bytes, sha256) before anyone is told "received"."""
from __future__ import annotations

import hashlib
import json
from typing import Any

from sqlalchemy.orm import Session

from grading.statuses import SubmissionStatus
from hub.store.orm import Assignment, Competition, Member, Submission
from hub.refusals import Refused

MAX_NOTEBOOK_BYTES = 20 * 1024 * 1024


def notebook_bytes(notebook: Any, max_bytes: int = MAX_NOTEBOOK_BYTES) -> bytes:
    """The bytes to store for a notebook sent as a JSON object; refuses what is plainly not a notebook.
    Deeper checks (cells, metadata) are the grader's: they end as an ``invalid`` result with a reason."""
    if not isinstance(notebook, dict) or notebook.get("nbformat") != 4 or not isinstance(notebook.get("cells"), list):
        raise Refused(409, "invalid_notebook", "这不是一个笔记本文件（需要 nbformat 4）",
                                "Not an nbformat 4 notebook")
    data = json.dumps(notebook, ensure_ascii=False, indent=1).encode("utf-8")
    if len(data) > max_bytes:
        raise Refused(413, "too_large", f"文件太大了（不能超过 {max_bytes // (1024 * 1024)} MB）",
                                f"Notebook too large (max {max_bytes // (1024 * 1024)} MB)")
    return data


def receive(session: Session, member: Member, *, filename: str, data: bytes, assignment: Assignment | None = None,
            competition: Competition | None = None, task: str = "") -> Submission:
    """Add the submission row with its bytes and checksum and flush it; the caller commits, and only then
    answers "received"."""
    if (assignment is None) == (competition is None):
        raise ValueError("a submission belongs to exactly one assignment or competition")
    sub = Submission(member_id=member.id, assignment_id=assignment.id if assignment else None,
                     competition_id=competition.id if competition else None, task=task, filename=filename,
                     notebook=data, sha256=hashlib.sha256(data).hexdigest(), size=len(data),
                     status=SubmissionStatus.received)
    session.add(sub)
    session.flush()
    return sub
