"""Helpers for the course-publishing tests: courses published straight through hub.courses.publish, and grades
written straight into the database (as the grading queue would, on_graded included) so completing a course takes
no grading time."""
from __future__ import annotations

import hashlib
import re

import pytest
from sqlalchemy import select

from hub.store.db import session_scope
from hub.store.orm import Assignment, Course, Enrolment, Grade, Member, Role, Submission, utcnow
from hub.testing import Hub, xsrf
from tests.conftest import running_hub

SERVICE = "/services/jinguo/"


def publish_directly(hub: Hub, slug: str, instructors=("teacher1",)) -> None:
    from hub.courses.publish import publish_course

    with session_scope(hub.db_url) as s:
        publish_course(s, str(hub.data_dir), slug, "test", instructors)


def enrol_directly(hub: Hub, slug: str, username: str) -> None:
    with session_scope(hub.db_url) as s:
        course = s.scalar(select(Course).where(Course.slug == slug))
        member = s.scalar(select(Member).where(Member.username == username))
        if not s.scalar(select(Enrolment).where(Enrolment.member_id == member.id, Enrolment.course_id == course.id)):
            s.add(Enrolment(member_id=member.id, course_id=course.id, role=Role.learner))


def grade_directly(hub: Hub, slug: str, username: str, scores: dict[str, float]) -> None:
    """One graded submission per assignment with these scores; the certificate hook runs as in the queue."""
    from hub.courses import certificates

    with session_scope(hub.db_url) as s:
        member = s.scalar(select(Member).where(Member.username == username))
        for name, score in scores.items():
            a = s.scalar(select(Assignment).join(Course, Course.id == Assignment.course_id).where(
                Course.slug == slug, Assignment.name == name))
            body = f'{{"stand-in": "{name}"}}'.encode()
            sub = Submission(member_id=member.id, assignment_id=a.id, filename=f"{name}.ipynb", notebook=body,
                             sha256=hashlib.sha256(body).hexdigest(), size=len(body), status="graded",
                             graded_at=utcnow())
            s.add(sub)
            s.flush()
            grade = Grade(submission_id=sub.id, score=score, max_score=a.max_score, detail={})
            s.add(grade)
            s.flush()
            certificates.on_graded(s, sub, grade)


def post_form(hub: Hub, session, path: str, **fields):
    """A form POST to the service as her browser sends it (the _xsrf cookie of the service's path)."""
    url = hub.url + SERVICE + path
    if not xsrf(session, SERVICE + path):
        session.get(url)
    return session.post(url, data={**fields, "_xsrf": xsrf(session, SERVICE + path)}, allow_redirects=False)


def done_of(response) -> str:
    m = re.search(r"done=([a-z]+)", response.headers.get("Location", ""))
    return m.group(1) if m else ""


@pytest.fixture(scope="module")
def charts_course(hub):
    publish_directly(hub, "charts")
    return "charts"


@pytest.fixture(scope="module")
def own_hub(tmp_path_factory) -> Hub:
    """A hub of the module's own, for tests that start from a course nobody has published yet: the session hub is
    shared with other files, which publish courses too, and pytest-xdist runs files in any order."""
    with running_hub(tmp_path_factory.mktemp("own-hub")) as h:
        yield h

