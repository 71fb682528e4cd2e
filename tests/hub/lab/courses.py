"""Publishing, releasing and enrolling for these tests (hub.courses.publish), and notebooks as she
would hand them in: the release untouched, fully solved, or solved except what only hidden tests check."""
from __future__ import annotations

import json
import sys
from datetime import datetime
from pathlib import Path

from sqlalchemy import select

from courses.catalogue import CATALOGUE
from hub.courses.publish import publish_course, release_assignment
from hub.store.db import session_scope
from hub.store.orm import Course, Enrolment, Member
from hub.testing import Hub

BIN = Path(sys.executable).parent


def publish(hub: Hub, slug: str, due: dict[str, datetime | None]) -> None:
    """Publish a catalogue course and release the named assignments with their due dates."""
    with session_scope(hub.db_url) as s:
        publish_course(s, str(hub.data_dir), slug, "teacher1")
        s.flush()
        for name, due_at in due.items():
            release_assignment(s, str(hub.data_dir), slug, name, "teacher1", due_at=due_at)


def enrol(hub: Hub, slug: str, usernames) -> None:
    with session_scope(hub.db_url) as s:
        course = s.scalar(select(Course).where(Course.slug == slug))
        for name in usernames:
            member = s.scalar(select(Member).where(Member.username == name))
            if not s.scalar(select(Enrolment).where(Enrolment.member_id == member.id,
                                                    Enrolment.course_id == course.id)):
                s.add(Enrolment(member_id=member.id, course_id=course.id))


def release_nb(hub: Hub, slug: str, assignment: str, notebook: str = "*.ipynb") -> dict:
    """The released notebook as she fetches it (the assignment's only one, or the one named)."""
    folder = Path(hub.data_dir) / "courses" / slug / "release" / assignment
    return json.loads(next(folder.glob(notebook)).read_text())


def solved(hub: Hub, slug: str, assignment: str, replace: dict[str, str] | None = None,
           notebook: str = "*.ipynb") -> dict:
    """Her release with every answer cell filled from the source's solution (no hidden test travels with it);
    ``replace`` overrides answers by grade_id."""
    nb = release_nb(hub, slug, assignment, notebook)
    source = json.loads(next((CATALOGUE / slug / "source" / assignment).glob(notebook)).read_text())
    answers = {c["metadata"]["nbgrader"]["grade_id"]: c["source"] for c in source["cells"]
               if c["metadata"].get("nbgrader", {}).get("solution")}
    answers.update(replace or {})
    for cell in nb["cells"]:
        gid = cell["metadata"].get("nbgrader", {}).get("grade_id")
        if gid in answers:
            cell["source"] = answers[gid]
    return nb
