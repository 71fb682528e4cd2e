"""The course side of the nbgrader exchange, as the platform keeps it: which released assignments she may fetch,
the release files, her submissions with their lateness and scores, and learner-safe feedback kept per submission.

The HTTP handlers are in hub/web/api/exchange.py; her single-user server reaches them through hub/lab/exchange/.
"""
from __future__ import annotations

import base64
import os
import threading
from contextlib import nullcontext
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, ContextManager

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.refusals import Refused
from hub.settings import course_folder
from grading.statuses import SubmissionStatus, is_final
from hub.store.orm import (Assignment, AssignmentFetch, Course, Enrolment, Grade, Member, Submission, SubmissionFeedback,
                     aware, utcnow)

MAX_RELEASE_BYTES = 20 * 1024 * 1024
# nbgrader's own timestamp format (Exchange.timestamp_format): her JupyterLab names feedback folders with it.
TIMESTAMP_FORMAT = "%Y-%m-%d %H:%M:%S.%f UTC"


def stamp(when: datetime) -> str:
    return aware(when).astimezone(timezone.utc).strftime(TIMESTAMP_FORMAT)


course_dir = course_folder  # the one layout: hub/settings.py


def release_dir(data_dir: str | Path, slug: str, assignment: str) -> Path:
    return course_dir(data_dir, slug) / "release" / assignment


def her_course(session: Session, member: Member | None, slug: str) -> Course:
    """A published course she is enrolled in; 404 if there is none, 403 if she is not enrolled."""
    course = session.scalar(select(Course).where(Course.slug == slug))
    if course is None or course.published_at is None:
        raise Refused(404, "course_not_found", "找不到这门课程", "Course not found")
    enrolled = member is not None and session.scalar(select(Enrolment.id).where(
        Enrolment.member_id == member.id, Enrolment.course_id == course.id)) is not None
    if not enrolled:
        raise Refused(403, "not_enrolled", "您还没有报名这门课程，请先在女职工专区报名",
                              "You are not enrolled in this course; enrol from the women workers' zone first")
    return course


def released_assignment(session: Session, course: Course, name: str) -> Assignment:
    row = session.scalar(select(Assignment).where(Assignment.course_id == course.id, Assignment.name == name))
    if row is None:
        raise Refused(404, "assignment_not_found", "找不到这份作业", "Assignment not found")
    if row.released_at is None:
        raise Refused(409, "not_released", "这份作业还没有发布", "This assignment is not released yet")
    return row


def released_notebooks(data_dir: str | Path, slug: str, assignment: str) -> list[str]:
    return sorted(p.name for p in release_dir(data_dir, slug, assignment).glob("*.ipynb"))


def release_files(data_dir: str | Path, slug: str, assignment: str,
                  max_bytes: int = MAX_RELEASE_BYTES) -> dict[str, str]:
    """Every file of the release as {relative path: base64} (folder_files)."""
    root = release_dir(data_dir, slug, assignment)
    if not root.is_dir():
        raise Refused(409, "not_released", "这份作业的文件还没有准备好，请联系老师",
                              "The assignment's files are not there yet; tell the instructor")
    return folder_files(root, max_bytes)


def folder_files(root: Path, max_bytes: int = MAX_RELEASE_BYTES) -> dict[str, str]:
    """Every file under root as {relative path: base64}; hidden files and links are left out, and a folder
    larger than max_bytes is refused rather than sent in part."""
    files, total = {}, 0
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if path.is_symlink() or not path.is_file() or any(part.startswith(".") for part in rel.parts):
            continue
        total += path.stat().st_size
        if total > max_bytes:
            raise Refused(413, "release_too_large", "作业文件太大，无法下载，请联系老师",
                                  "The release is too large to download; tell the instructor")
        files[rel.as_posix()] = base64.b64encode(path.read_bytes()).decode("ascii")
    return files


def record_fetch(session: Session, member: Member, assignment: Assignment) -> None:
    row = session.scalar(select(AssignmentFetch).where(AssignmentFetch.member_id == member.id,
                                                       AssignmentFetch.assignment_id == assignment.id))
    if row is None:
        session.add(AssignmentFetch(member_id=member.id, assignment_id=assignment.id))
    else:
        row.last_at, row.count = utcnow(), row.count + 1


def is_late(assignment: Assignment, received_at: datetime) -> bool:
    return assignment.due_at is not None and aware(received_at) > aware(assignment.due_at)


def submission_json(sub: Submission, assignment: Assignment, grade: Grade | None,
                    feedback: bool | None = None) -> dict[str, Any]:
    """One submission as the exchange shows it. ``feedback``: whether its feedback can be had (her_assignments
    knows: kept, or her latest graded hand-in); by default, whether it is graded."""
    late = is_late(assignment, sub.received_at)
    return {"id": sub.id, "notebook": sub.filename.removesuffix(".ipynb"), "filename": sub.filename,
            "timestamp": stamp(sub.received_at), "received_at": aware(sub.received_at).isoformat(),
            "status": sub.status, "final": is_final(sub.status), "late": late, "label": "迟交" if late else "",
            "score": grade.score if grade else None, "max_score": grade.max_score if grade else None,
            "message": sub.message, "feedback": sub.status == SubmissionStatus.graded if feedback is None else feedback,
            "sha256": sub.sha256}


def her_assignments(session: Session, data_dir: str | Path, member: Member, slug: str | None = None) -> list[dict]:
    """Released assignments of every course she is enrolled in (or of one), each with her fetches and
    submissions, newest submission last."""
    q = (select(Course, Assignment).join(Enrolment, Enrolment.course_id == Course.id)
         .join(Assignment, Assignment.course_id == Course.id)
         .where(Enrolment.member_id == member.id, Course.published_at.is_not(None),
                Assignment.released_at.is_not(None)).order_by(Course.slug, Assignment.name))
    if slug:
        q = q.where(Course.slug == slug)
    pairs = session.execute(q).all()
    ids = [a.id for _, a in pairs]
    fetched = {f.assignment_id: f for f in session.scalars(select(AssignmentFetch).where(
        AssignmentFetch.member_id == member.id, AssignmentFetch.assignment_id.in_(ids)))}
    subs: dict[int, list] = {}
    for sub, grade in session.execute(
            select(Submission, Grade).outerjoin(Grade, Grade.submission_id == Submission.id)
            .where(Submission.member_id == member.id, Submission.assignment_id.in_(ids)).order_by(Submission.id)):
        subs.setdefault(sub.assignment_id, []).append((sub, grade))
    # Feedback exists for a hand-in whose feedback was kept, or for her latest graded one (the gradebook holds only
    # that one): an older hand-in never made into feedback is not offered, so fetching never meets a refusal.
    all_ids = [s.id for rows in subs.values() for s, _ in rows]
    kept = set(session.scalars(select(SubmissionFeedback.submission_id).where(
        SubmissionFeedback.submission_id.in_(all_ids)))) if all_ids else set()
    latest = {aid: max((s.received_at for s, _ in rows if s.status == "graded"), default=None)
              for aid, rows in subs.items()}  # one hand-in = its notebooks, received at one moment
    out = []
    for course, a in pairs:
        f = fetched.get(a.id)
        out.append({"course_id": course.slug, "course_title": course.title, "assignment_id": a.name,
                    "title": a.title, "due_at": aware(a.due_at).isoformat() if a.due_at else None,
                    "released_at": aware(a.released_at).isoformat(),
                    "notebooks": [n.removesuffix(".ipynb") for n in released_notebooks(data_dir, course.slug, a.name)],
                    "fetched_at": aware(f.last_at).isoformat() if f else None,
                    "submissions": [submission_json(s, a, g, s.status == "graded" and (
                        s.id in kept or s.received_at == latest[a.id])) for s, g in subs.get(a.id, [])]})
    return out


def gradebook_holds(folder: Path, sub: Submission) -> bool:
    """True when the course's autograded folder is this submission's (nbgrader writes its timestamp there)."""
    try:
        return (folder / "timestamp.txt").read_text().strip() == stamp(sub.received_at)
    except OSError:
        return False


def feedback_for(session: Session, data_dir: str | Path, sub: Submission, student: str,
                 lock: ContextManager | None = None) -> dict[str, str]:
    """{notebook: html} for one graded submission, hidden tests stripped (grading.feedback_html). The gradebook
    holds only her latest graded attempt, so feedback is made from it while it is this submission's and kept;
    it is made again when the gradebook changed since (an instructor graded a manual answer)."""
    from grading import feedback_html

    assignment = session.get(Assignment, sub.assignment_id)
    slug = session.get(Course, assignment.course_id).slug
    course = course_dir(data_dir, slug)
    kept = session.scalar(select(SubmissionFeedback).where(SubmissionFeedback.submission_id == sub.id))
    gradebook = course / "gradebook.db"
    changed = gradebook.exists() and (kept is None or datetime.fromtimestamp(
        os.path.getmtime(gradebook), timezone.utc) > aware(kept.generated_at))
    if kept is not None and not changed:
        return kept.html
    with lock or nullcontext():  # the grading queue's lock for this (course, assignment, student)
        if gradebook_holds(course / "autograded" / student / assignment.name, sub):
            html = feedback_html(course, assignment.name, student)
            if kept is None:
                kept = SubmissionFeedback(submission_id=sub.id)
                session.add(kept)
            kept.html, kept.generated_at = html, utcnow()
            session.commit()
    if kept is None:
        raise Refused(409, "feedback_superseded", "这次提交之后您又提交过，反馈以最近一次提交为准",
                              "You submitted again since; feedback is for your latest submission")
    return kept.html


def queue_lock(queue: Any, data_dir: str | Path, slug: str, assignment: str, student: str) -> ContextManager:
    """The grading queue's lock for one (course, assignment, student) folder, so feedback is never made from a
    gradebook that a grading is rewriting (hub/submissions/queue.py keys its locks the same way)."""
    take = getattr(queue, "_lock", None)
    return take((str(course_dir(data_dir, slug)), assignment, student)) if take else threading.Lock()


# -- lessons (讲义): the teaching notebooks course.yaml lists, delivered with the course --------------------------

def course_lessons(slug: str) -> tuple[Path, tuple[str, ...]] | None:
    """The catalogue's lessons folder of a course and its lesson notebooks in course.yaml's order, or None."""
    from courses import catalogue

    try:
        info = catalogue.course(slug)
    except catalogue.UnknownCourse:
        return None
    return (info.lessons_dir, info.lessons) if info.lessons and info.lessons_dir.is_dir() else None


def her_lessons(session: Session, member: Member, slug: str | None = None) -> list[dict]:
    """The lessons of every published course she is enrolled in (or of one)."""
    q = (select(Course).join(Enrolment, Enrolment.course_id == Course.id)
         .where(Enrolment.member_id == member.id, Course.published_at.is_not(None)).order_by(Course.slug))
    if slug:
        q = q.where(Course.slug == slug)
    out = []
    for course in session.scalars(q):
        found = course_lessons(course.slug)
        if found:
            out.append({"course_id": course.slug, "course_title": course.title,
                        "notebooks": [n.removesuffix(".ipynb") for n in found[1]]})
    return out


def lesson_files(slug: str) -> dict[str, str]:
    """Every file of the course's lessons folder (notebooks and the data they read), {path: base64}."""
    found = course_lessons(slug)
    if not found:
        raise Refused(404, "no_lessons", "这门课程没有讲义", "This course has no lessons")
    return folder_files(found[0])
