"""课程 / courses: publish, enrol, progress, certificates (issue 5).

Publishing and releasing run nbgrader (seconds of work) in a thread executor with their own database session, so
the web loop never waits on them; everything else reads hub.courses.progress and writes through hub.courses.publish
and hub.courses.certificates, which audit.
"""
from __future__ import annotations

import functools
from datetime import datetime

from sqlalchemy import select
from tornado.ioloop import IOLoop

from courses import catalogue
from hub.courses import certificates
from hub.courses import progress as cp
from hub.courses import publish as admin
from hub.settings import JinguoConfig
from hub.store.db import session_scope
from hub.store.audit import audit
from hub.refusals import Refused
from hub.store.orm import Assignment, Certificate, Course, Enrolment, MemberStatus, Role
from courses.clock import parse_beijing, shown
from hub.web.base import APIHandler, BaseHandler, requires
from hub.web.course_base import SLUG, STATUS_ZH, CourseBase, first_heading
from hub.courses.charts import chart_png
from hub.courses.exchange import course_lessons
from hub.scopes import LEARN, ORGANIZE, TEACH

def _publish_job(db_url: str, data_dir: str, slug: str, actor: str, instructors: tuple[str, ...],
                 unix_prefix: str) -> bool:
    with session_scope(db_url) as s:
        return admin.publish(s, data_dir, slug, actor, instructors, unix_prefix)[1]


def _release_job(db_url: str, data_dir: str, slug: str, name: str, actor: str, due: datetime | None,
                 unix_prefix: str) -> None:
    with session_scope(db_url) as s:
        admin.release_assignment(s, data_dir, slug, name, actor, due_at=due, unix_prefix=unix_prefix)


class CoursesPage(CourseBase):
    """courses/: published courses (enrol with a button); for instructors, publishing and releasing."""

    @requires(LEARN)
    async def get(self) -> None:
        published = self.db.scalars(select(Course).where(Course.published_at.is_not(None)).order_by(Course.id)).all()
        mine = {}
        if self.member is not None:
            mine = {e.course_id: e for e in self.db.scalars(select(Enrolment).where(
                Enrolment.member_id == self.member.id))}
        teaching = {c.id: cp.rules(self.db, c) for c in published if self.may_teach(c)}
        assignments = {c.id: {a.name: a for a in self.db.scalars(select(Assignment).where(
            Assignment.course_id == c.id))} for c in published if c.id in teaching}
        slugs = {c.slug for c in published}
        unpublished = [c for c in catalogue.load_catalogue() if c.slug not in slugs] if self.can(
            TEACH) else []
        self.render_page("courses.html", published=published, mine=mine, teaching=teaching, rows=assignments,
                         unpublished=unpublished, beijing=shown, done=self.get_argument("done", ""),
                         may_enrol=self.member is not None and self.member.status == MemberStatus.approved)

    @requires(LEARN)
    async def post(self) -> None:
        action, slug = self.get_body_argument("action", ""), self.get_body_argument("slug", "")
        actor = self.current_user["name"]
        if action == "enrol":
            done = self._enrol(self.course(slug))
        elif action == "publish":
            if not self.can(TEACH):
                raise Refused(403, "forbidden", "只有讲师可以发布课程", "Only instructors may publish courses")
            teacher = (actor,) if self.member is not None else ()
            changed = await self._off_loop(_publish_job, slug, actor, teacher, self.settings["platform"].unix_prefix)
            done = "published" if changed else "unchanged"
        elif action == "release":
            course = self.course(slug)
            if not self.may_teach(course):
                raise Refused(403, "forbidden", "只有本课程的讲师可以发布作业",
                              "Only this course's instructors may release its assignments")
            due = self._due(self.get_body_argument("due", ""))
            await self._off_loop(_release_job, slug, self.get_body_argument("assignment", ""), actor, due,
                                 self.settings["platform"].unix_prefix)
            done = "released"
        else:
            raise Refused(400, "bad_action", "未知的操作", "Unknown action")
        self.redirect(f"{self.settings['prefix']}courses/?done={done}&slug={slug}")

    async def _off_loop(self, job, *args):
        return await IOLoop.current().run_in_executor(None, job, self.settings["db_url"], self.settings["data_dir"],
                                                      *args)

    @staticmethod
    def _due(text: str) -> datetime | None:
        """The form's datetime-local value, read as Beijing time (UTC+8), by the rule ``jinguo course release --due``
        follows too (courses/clock.py)."""
        if not text.strip():
            return None
        try:
            return parse_beijing(text)
        except ValueError:
            raise Refused(400, "bad_due", "截止时间格式不对", "The due date is not a valid date and time")

    def _enrol(self, course: Course) -> str:
        member = self.member
        if member is None or member.status != MemberStatus.approved:
            raise Refused(403, "not_member", "只有审核通过的会员可以报名", "Only approved members may enrol")
        if self.enrolment(course) is not None:
            return "already"
        self.db.add(Enrolment(member_id=member.id, course_id=course.id, role=Role.learner))
        audit(self.db, member.username, "course.enrol", "course", course.slug, after={"member": member.username})
        self.db.commit()
        return "enrolled"


class CoursePage(CourseBase):
    """courses/SLUG: her assignments, their status and score, and her certificate once she completed it."""

    @requires(LEARN)
    async def get(self, slug: str) -> None:
        course = self.course(slug)
        enrolment = self.enrolment(course)
        teaching = self.may_teach(course) or self.can(ORGANIZE)
        if (enrolment is None or enrolment.role != Role.learner) and not teaching:
            raise Refused(403, "not_enrolled", "您还没有报名这门课程，请先在课程列表中报名",
                          "You are not enrolled in this course; enrol from the course list first")
        progress = cert = None
        if enrolment is not None and enrolment.role == Role.learner:
            cert = certificates.settle(self.db, self.member, course, actor="platform")
            self.db.commit()
            progress = cp.her_progress(self.db, self.member, course)
        rows = {a.name: a for a in self.db.scalars(select(Assignment).where(
            Assignment.course_id == course.id))}
        self.render_page("course.html", course=course, progress=progress, rows=rows, cert=cert, teaching=teaching,
                         status_zh=STATUS_ZH, beijing=shown, info=_catalogue_info(slug), lessons=_lessons(slug))


def _lessons(slug: str) -> list[tuple[str, str]]:
    """(name, title) of each lesson notebook: the title is the notebook's first heading."""
    found = course_lessons(slug)
    if not found:
        return []
    out = []
    for filename in found[1]:
        name = filename.removesuffix(".ipynb")
        out.append((name, first_heading(found[0] / filename) or name))
    return out


def _catalogue_info(slug: str) -> catalogue.Course | None:
    try:
        return catalogue.course(slug)
    except catalogue.UnknownCourse:
        return None


@functools.lru_cache(maxsize=64)
def _lesson_html(path: str, mtime: float) -> str:
    """A lesson notebook as plain nbconvert HTML (a later issue builds phone pages); kept while the file is
    unchanged."""
    import nbformat
    from nbconvert import HTMLExporter

    html, _ = HTMLExporter(template_name="lab").from_notebook_node(nbformat.read(path, as_version=4))
    return html


class LessonPage(CourseBase):
    """courses/SLUG/lessons/NAME: a lesson notebook (讲义) to read, for her course's learners and its teachers."""

    @requires(LEARN)
    async def get(self, slug: str, name: str) -> None:
        course = self.course(slug)
        if self.enrolment(course) is None and not (self.may_teach(course) or self.can(ORGANIZE)):
            raise Refused(403, "not_enrolled", "报名这门课程后才能阅读讲义",
                          "Enrol in this course to read its lessons")
        found = course_lessons(slug)
        if not found or f"{name}.ipynb" not in found[1]:  # only what course.yaml lists, never a path she made up
            raise Refused(404, "lesson_not_found", "找不到这篇讲义", "Lesson not found")
        path = found[0] / f"{name}.ipynb"
        html = await IOLoop.current().run_in_executor(None, _lesson_html, str(path), path.stat().st_mtime)
        self.set_header("Content-Type", "text/html; charset=UTF-8")
        self.finish(html)


class ProgressPage(CourseBase):
    """courses/SLUG/progress: who started, submitted, passed; charts by region, industry, employment form."""

    def allowed(self, course: Course) -> None:
        if not (self.may_teach(course) or self.can(ORGANIZE)):
            raise Refused(403, "forbidden", "只有本课程的讲师和组织者可以查看学习进度",
                          "Only this course's instructors and organizers may see its progress")

    @requires(LEARN)
    async def get(self, slug: str) -> None:
        course = self.course(slug)
        self.allowed(course)
        rows = cp.cohort(self.db, course)
        totals = {"enrolled": len(rows), "started": sum(r.started for r in rows),
                  "submitted": sum(r.submitted > 0 for r in rows), "completed": sum(r.completed for r in rows)}
        self.render_page("course_progress.html", course=course, rows=rows, totals=totals,
                         assignments=cp.rules(self.db, course), dimensions=cp.DIMENSIONS, status_zh=STATUS_ZH)


class ProgressChart(ProgressPage):
    """courses/SLUG/progress/DIMENSION.png: enrolled, started, submitted, completed per group (PNG)."""

    @requires(LEARN)
    async def get(self, slug: str, dimension: str) -> None:
        course = self.course(slug)
        self.allowed(course)
        groups = cp.by_dimension(cp.cohort(self.db, course), dimension)
        zh, en = cp.DIMENSIONS[dimension]

        png = await IOLoop.current().run_in_executor(None, chart_png, f"{course.title} · 按{zh} / by {en}", groups)
        self.set_header("Content-Type", "image/png")
        self.set_header("Cache-Control", "no-store")
        self.finish(png)


class CertificatePDF(CourseBase):
    """courses/SLUG/certificate.pdf: her own certificate, once she completed the course."""

    @requires(LEARN)
    async def get(self, slug: str) -> None:
        course = self.course(slug)
        cert = self.member and certificates.settle(self.db, self.member, course, actor="platform")
        self.db.commit()
        if not cert:
            raise Refused(404, "no_certificate", "完成全部必修作业并合格后才能下载结业证书",
                          "The certificate comes when every required assignment is passed")
        url = verify_url(self.settings["platform"], self.settings["prefix"], cert.code)

        pdf = await IOLoop.current().run_in_executor(None, certificates.pdf_bytes, cert, url)
        self.send_download(f"certificate-{slug}.pdf", pdf, "application/pdf")


def verify_url(platform: JinguoConfig, prefix: str, code: str) -> str:
    return f"{platform.public_url.rstrip('/')}{prefix}certificates/{code}"


class VerifyPage(BaseHandler):
    """certificates/CODE — public, no log-in: is this certificate genuine? Name, course, date; nothing more."""

    async def get(self, code: str) -> None:
        cert = self.db.scalar(select(Certificate).where(Certificate.code == certificates.normalise_code(code)))
        if cert is None:
            self.set_status(404)
        self.render_page("certificate_verify.html", cert=cert, code=code[:40],
                         date=certificates.local_date(cert.issued_at) if cert else "", user=None, member=None)


class ProgressAPI(APIHandler):
    """GET /courses/{slug}/progress: her progress in the course (the Progress widget reads it)."""

    @requires(LEARN)
    async def get(self, slug: str) -> None:
        course = self.db.scalar(select(Course).where(Course.slug == slug))
        if course is None or course.published_at is None:
            raise Refused(404, "course_not_found", "找不到这门课程", "Course not found")
        member = self.member
        enrolled = member and self.db.scalar(select(Enrolment.id).where(
            Enrolment.member_id == member.id, Enrolment.course_id == course.id, Enrolment.role == Role.learner))
        if not enrolled:
            raise Refused(403, "not_enrolled", "您还没有报名这门课程", "You are not enrolled in this course")
        self.write_json(cp.api_shape(course, cp.her_progress(self.db, member, course)))


ROUTES: list = [
    ("courses/", CoursesPage),
    (f"courses/{SLUG}", CoursePage),
    (f"courses/{SLUG}/progress", ProgressPage),
    (f"courses/{SLUG}/progress/(region|industry|employment_form).png", ProgressChart),
    (f"courses/{SLUG}/certificate.pdf", CertificatePDF),
    (f"courses/{SLUG}/lessons/([A-Za-z0-9][A-Za-z0-9_.-]{{0,99}})", LessonPage),
    (r"certificates/([A-Za-z0-9-]{1,40})", VerifyPage),
    (f"api/courses/{SLUG}/progress", ProgressAPI),
]
