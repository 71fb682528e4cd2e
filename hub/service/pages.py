"""Server-rendered pages: the 女职工专区 and the approval page."""
from __future__ import annotations

from sqlalchemy import select

from hub import members
from hub.course_progress import her_progress
from hub.orm import Competition, Course, Enrolment, Member, MemberStatus, Role
from hub.service.base import BaseHandler, Refusal, requires
from hub.service.news import latest_news


class ZoneHandler(BaseHandler):
    """女职工专区: who she is, her courses and progress, open competitions, news."""

    @requires()
    async def get(self) -> None:
        member = self.member
        courses = []  # (enrolment, her progress or None when she teaches it)
        if member is not None:
            for e in self.db.scalars(select(Enrolment).join(Course).where(
                    Enrolment.member_id == member.id, Course.published_at.is_not(None)).order_by(Course.id)):
                courses.append((e, her_progress(self.db, member, e.course) if e.role == Role.learner else None))
        competitions = self.db.scalars(select(Competition).where(Competition.status == "open")).all()
        pending = 0
        if self.can("custom:jinguo:approve"):
            pending = len(self.db.scalars(select(Member.id).where(Member.status == MemberStatus.pending)).all())
        self.render_page("zone.html", courses=courses, competitions=competitions, news=latest_news(),
                         pending=pending)


class SignupsHandler(BaseHandler):
    """待审核注册 / pending sign-ups, for organizers and admins."""

    @requires("custom:jinguo:approve")
    async def get(self) -> None:
        rows = self.db.scalars(select(Member).where(Member.status == MemberStatus.pending)
                               .order_by(Member.created_at)).all()
        self.render_page("signups.html", rows=rows, done=self.get_argument("done", ""))

    @requires("custom:jinguo:approve")
    async def post(self) -> None:
        username = self.get_body_argument("username", "")
        decision = self.get_body_argument("decision", "")
        reason = self.get_body_argument("reason", "").strip()[:500]
        status = {"approve": MemberStatus.approved, "reject": MemberStatus.rejected}.get(decision)
        if status is None:
            raise Refusal(400, "bad_decision", "无效的审核操作", "Unknown decision")
        try:
            members.set_status(self.db, username, status, self.current_user["name"], reason)
            self.db.commit()
        except members.MemberError as exc:
            self.db.rollback()
            raise Refusal(404, "no_member", exc.zh, exc.en)
        self.redirect(f"{self.settings['prefix']}admin/signups?done={username}")


class NotFoundPage(BaseHandler):
    async def prepare(self) -> None:
        raise Refusal(404, "not_found", "页面不存在", "Page not found")


ROUTES = [
    ("", ZoneHandler),
    ("admin/signups", SignupsHandler),
]
