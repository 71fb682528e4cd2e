"""The demo's courses: every catalogue course published with its instructor and its assignments released;
learners enrolled at different stages hand in real notebooks (the source solutions, some with one answer left
undone); one written answer graded by hand as formgrader writes it; completion certificates."""
from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Iterable

import nbformat
from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.courses import certificates
from hub.courses import exchange as course_exchange
from hub.courses import manual_grades
from hub.courses import publish as courses_admin
from hub.demo.story import ACTOR, PUBLISHED_AGO, demo_member
from hub.demo.tasks import fill_from_source
from hub.store.audit import audit
from hub.store.orm import Assignment, Course, Enrolment, Role, Submission
from hub.submissions.receive import receive

# Course -> its instructor and its learners by stage. "done": every assignment handed in right (completed, a
# certificate); "partly": the first assignment handed in, the second with one answer left undone; "started": the
# first assignment handed in with one answer undone (graded below the pass mark, or just above); "enrolled": not
# started. The cadres course is taken by staff: they are the report's 干部培训 (cadres trained).
COURSES: dict[str, tuple[str, dict[str, tuple[str, ...]]]] = {
    "office-data": ("teacher1", {"done": ("worker01", "worker02", "worker03", "worker14"),
                                 "partly": ("worker04",), "started": ("worker05",),
                                 "enrolled": ("worker06", "worker07")}),
    "charts": ("teacher2", {"done": ("worker08", "worker09"), "started": ("worker10",), "enrolled": ("worker11",)}),
    "new-forms": ("teacher1", {"done": ("worker02", "worker13"), "partly": ("worker12",), "enrolled": ("worker15",)}),
    "rights": ("teacher2", {"done": ("worker16", "worker17"), "started": ("worker18",), "enrolled": ("worker19",)}),
    "cadres": ("teacher2", {"done": ("organizer", "teacher1"), "started": ("worker20",)}),
}
# The written answer graded by hand (formgrader): course, assignment, notebook (file name without .ipynb), learner,
# the cell's grade id, points given.
MANUAL_GRADE = ("office-data", "grouping", "grouping", "worker01", "written13", 3.0)


def hand_in(source: Path, release: Path, undone: int = 0) -> dict[str, bytes]:
    """Her notebooks of an assignment: the student version with the source's answers written in, the last ``undone``
    code answers of the last notebook left as released (so their tests fail)."""
    names = sorted(p.name for p in release.glob("*.ipynb"))
    return {name: json.dumps(fill_from_source(nbformat.read(release / name, 4), nbformat.read(source / name, 4),
                                              undone if name == names[-1] else 0),
                             ensure_ascii=False, indent=1).encode("utf-8") for name in names}


def publish_courses(s: Session, data_dir: Path, now: datetime, unix_prefix: str | None = None) -> int:
    made = 0
    for slug, (teacher, _stages) in COURSES.items():
        fresh = s.scalar(select(Course.published_at).where(Course.slug == slug)) is None
        course, changed = courses_admin.publish(s, data_dir, slug, ACTOR, [teacher], unix_prefix)
        made += changed
        if fresh:  # published three weeks before "now" (see _story_time)
            course.published_at = now - PUBLISHED_AGO
        for a in s.scalars(select(Assignment).where(Assignment.course_id == course.id).order_by(Assignment.id)):
            if a.released_at is None:
                courses_admin.release_assignment(s, data_dir, slug, a.name, ACTOR, unix_prefix=unix_prefix)
                a.released_at = now - PUBLISHED_AGO + timedelta(hours=1)
                made += 1
    return made


# ---- 2. learners and their hand-ins ----------------------------------------------------------------------------------

def _plan(course: str, stages: dict[str, tuple[str, ...]], assignments: list[Assignment]
          ) -> Iterable[tuple[str, Assignment | None, int]]:
    """(learner, assignment or None for enrolment only, answers left undone) in the order she works."""
    wanted = {a.name for a in courses_admin.catalogue_course(course).assignments if a.required}
    required = [a for a in assignments if a.name in wanted] or assignments  # what completing the course takes
    for stage, people in stages.items():
        for username in people:
            yield username, None, 0
            if stage == "done":
                for a in required:
                    yield username, a, 0
            elif stage == "partly":
                yield username, required[0], 0
                if len(required) > 1:
                    yield username, required[1], 1
            elif stage == "started":
                yield username, required[0], 1


def enrol_and_hand_in(s: Session, data_dir: Path, now: datetime) -> int:
    made = 0
    for slug, (_teacher, stages) in COURSES.items():
        course = courses_admin.published_course(s, slug)
        assignments = list(s.scalars(select(Assignment).where(Assignment.course_id == course.id)
                                     .order_by(Assignment.id)))
        for n, (username, assignment, undone) in enumerate(_plan(slug, stages, assignments)):
            member = demo_member(s, username)
            if assignment is None:
                if s.scalar(select(Enrolment).where(Enrolment.member_id == member.id,
                                                    Enrolment.course_id == course.id)) is None:
                    # as the course page's 报名 button does it (CourseBase._enrol): the row and its audit entry
                    s.add(Enrolment(member_id=member.id, course_id=course.id, role=Role.learner,
                                    enrolled_at=now - timedelta(days=20, hours=n)))
                    audit(s, member.username, "course.enrol", "course", slug, after={"member": member.username})
                    made += 1
                continue
            if s.scalar(select(Submission.id).where(Submission.member_id == member.id,
                                                    Submission.assignment_id == assignment.id).limit(1)):
                continue
            course_exchange.record_fetch(s, member, assignment)
            root = courses_admin.course_dir(data_dir, slug)
            files = hand_in(root / "source" / assignment.name, root / "release" / assignment.name, undone)
            at = now - timedelta(days=14) + timedelta(hours=3 * n)  # her hand-ins over the past fortnight
            for filename, data in files.items():
                sub = receive(s, member, filename=filename, data=data, assignment=assignment)
                sub.received_at = at  # one hand-in: its notebooks share the moment (hand_in_siblings)
            made += 1
        s.flush()
    return made


def grade_by_hand(s: Session, data_dir: Path) -> int:
    """The instructor's score in the gradebook, as formgrader's GradeHandler writes it; then the service's sync."""
    from nbgrader.api import Gradebook, MissingEntry

    slug, assignment, notebook, student, grade_id, points = MANUAL_GRADE
    root = courses_admin.course_dir(data_dir, slug)
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}", course_id=slug) as gb:
        try:
            grade = gb.find_grade(grade_id, notebook, assignment, student)
        except MissingEntry:
            return 0
        if grade.manual_score is None:
            grade.manual_score = points
            grade.needs_manual_grade = False
            gb.db.commit()
    return len(manual_grades.sync_course(s, data_dir, courses_admin.published_course(s, slug)))


def settle_certificates(s: Session) -> int:
    made = 0
    for slug, (_teacher, stages) in COURSES.items():
        course = courses_admin.published_course(s, slug)
        for username in {u for people in stages.values() for u in people}:
            member = demo_member(s, username)
            if certificates.certificate_of(s, member, course) is None and \
                    certificates.settle(s, member, course, actor=ACTOR) is not None:
                made += 1
    return made
