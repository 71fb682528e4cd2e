"""What the course pages (hub/web/pages/courses.py) and the phone pages (hub/web/pages/phone.py) share: the course
a URL names, whether she teaches or learns in it, and how a course status reads (a time reads by
courses.clock.shown). Its own module because no page module imports another (tests/test_layout.py)."""
from __future__ import annotations

import json

from sqlalchemy import select

from courses.progress import GRADED, NOT_STARTED, PASSED, SUBMITTED
from hub.courses import progress as cp
from hub.courses import publish as admin
from hub.scopes import ADMIN, TEACH
from hub.store.orm import Course, Enrolment
from hub.web.base import BaseHandler

SLUG = r"([a-z0-9][a-z0-9-]{1,63})"
STATUS_ZH = {NOT_STARTED: "未开始", SUBMITTED: "已提交，等待评分", GRADED: "已评分，未达合格线", PASSED: "已通过"}


class CourseBase(BaseHandler):
    def course(self, slug: str) -> Course:
        return admin.published_course(self.db, slug)  # Refused (404 course_not_found) when not published

    def may_teach(self, course: Course) -> bool:
        return self.can(ADMIN) or (self.can(TEACH) and cp.teaches(self.db, self.member, course))

    def enrolment(self, course: Course) -> Enrolment | None:
        member = self.member
        return member and self.db.scalar(select(Enrolment).where(Enrolment.member_id == member.id,
                                                                 Enrolment.course_id == course.id))


def first_heading(path) -> str:
    """A notebook's first markdown heading: a lesson's title."""
    try:
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    except (OSError, ValueError, KeyError):
        return ""
    for cell in cells:
        if cell.get("cell_type") == "markdown":
            src = "".join(cell.get("source", ""))
            for line in src.splitlines():
                if line.startswith("#"):
                    return line.lstrip("#").strip()
    return ""
