"""Course progress from the platform database: her own (courses.progress decides), and the whole class's for the
instructor's page and charts. Reads only."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from courses import catalogue
from courses.progress import PASSED, AssignmentRule, Attempt, CourseProgress, course_progress
from hub.store.orm import Assignment, AssignmentFetch, Course, Enrolment, Grade, Member, Role, Submission


def rules(session: Session, course: Course) -> list[AssignmentRule]:
    """The course's assignments in publishing order; ``required`` from course.yaml (a course no longer in the
    catalogue counts every assignment as required)."""
    try:
        required = {a.name: a.required for a in catalogue.course(course.slug).assignments}
    except catalogue.UnknownCourse:
        required = {}
    rows = session.scalars(select(Assignment).where(Assignment.course_id == course.id).order_by(Assignment.id))
    return [AssignmentRule(a.name, a.max_score, a.pass_score, required.get(a.name, True), a.title) for a in rows]


def _attempts(session: Session, course: Course, member_ids: list[int] | None) -> dict[int, list[Attempt]]:
    """Her hand-ins: the notebooks she sent at one moment (one Submission row each, the same ``received_at``) are
    one attempt, scored by the sum of their notebooks' grades, or None while any of them has none."""
    q = (select(Submission.member_id, Assignment.name, Submission.received_at, Grade.score)
         .join(Assignment, Assignment.id == Submission.assignment_id)
         .outerjoin(Grade, Grade.submission_id == Submission.id)
         .where(Assignment.course_id == course.id))
    if member_ids is not None:
        q = q.where(Submission.member_id.in_(member_ids))
    handins: dict[tuple, list[float | None]] = defaultdict(list)
    for member_id, name, received_at, score in session.execute(q):
        handins[(member_id, name, received_at)].append(score)
    found: dict[int, list[Attempt]] = defaultdict(list)
    for (member_id, name, _at), scores in handins.items():
        found[member_id].append(Attempt(name, None if None in scores else sum(scores)))
    return found


def her_progress(session: Session, member: Member, course: Course) -> CourseProgress:
    return course_progress(rules(session, course), _attempts(session, course, [member.id]).get(member.id, []))


def api_shape(course: Course, progress: CourseProgress) -> dict:
    """``GET /courses/{course}/progress`` as docs/api.md gives it (and widgets/progress.py reads it)."""
    return {"course": course.slug, "title": course.title, "percent": progress.percent, "completed": progress.completed,
            "assignments": [{"name": a.name, "title": a.title, "status": a.status, "score": a.score,
                             "max_score": a.max_score, "pass_score": a.pass_score, "required": a.required}
                            for a in progress.assignments]}


def teaches(session: Session, member: Member | None, course: Course) -> bool:
    return member is not None and session.scalar(select(Enrolment.id).where(
        Enrolment.member_id == member.id, Enrolment.course_id == course.id, Enrolment.role == Role.instructor)) is not None


@dataclass(frozen=True)
class LearnerRow:
    """One enrolled learner as the instructor sees her."""

    member: Member
    started: bool  # fetched or handed in at least one assignment
    submitted: int  # assignments handed in
    passed: int  # assignments passed
    completed: bool
    progress: CourseProgress


def cohort(session: Session, course: Course) -> list[LearnerRow]:
    learners = session.execute(select(Member, Enrolment).join(Enrolment, Enrolment.member_id == Member.id).where(
        Enrolment.course_id == course.id, Enrolment.role == Role.learner).order_by(Member.username)).all()
    course_rules = rules(session, course)
    attempts = _attempts(session, course, None)
    fetched = set(session.scalars(select(AssignmentFetch.member_id).join(
        Assignment, Assignment.id == AssignmentFetch.assignment_id).where(Assignment.course_id == course.id)))
    rows = []
    for member, enrolment in learners:
        mine = attempts.get(member.id, [])
        p = course_progress(course_rules, mine)
        rows.append(LearnerRow(member, bool(mine) or member.id in fetched, len({a.assignment for a in mine}),
                               sum(1 for a in p.assignments if a.status == PASSED),
                               p.completed or enrolment.completed_at is not None, p))
    return rows


DIMENSIONS = {"region": ("区域", "region"), "industry": ("行业", "industry"),
              "employment_form": ("用工形式", "employment form")}


def by_dimension(rows: list[LearnerRow], dimension: str) -> list[tuple[str, int, int, int, int]]:
    """(group name, enrolled, started, submitted something, completed) per region / industry / employment form,
    largest group first."""
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for r in rows:
        c = counts[getattr(r.member, dimension).name]
        c[0] += 1
        c[1] += r.started
        c[2] += r.submitted > 0
        c[3] += r.completed
    return sorted(((name, *c) for name, c in counts.items()), key=lambda t: (-t[1], t[0]))
