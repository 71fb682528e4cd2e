"""Server-rendered pages: the 女职工专区, the approval page and the member list (organizers correct 性别 there)."""
from __future__ import annotations

from functools import lru_cache
from importlib import resources

import yaml
from sqlalchemy import or_, select

from hub.people import members
from hub.courses.progress import her_progress
from hub.store.orm import Competition, Course, Enrolment, Member, MemberStatus, Role
from hub.refusals import Refused
from hub.web.base import BaseHandler, requires
from hub.scopes import APPROVE


REVIEW_COMMENT_MAX = 500
MEMBER_PAGE_ROWS = 200  # the list is searched by name, not scrolled through thousands


@lru_cache(maxsize=1)
def latest_news() -> list[dict]:
    """News on the zone page, from package data until organizers publish their own."""
    text = resources.files("hub.data").joinpath("news.yaml").read_text("utf-8")
    return yaml.safe_load(text)["news"]


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
        if self.can(APPROVE):
            pending = len(self.db.scalars(select(Member.id).where(Member.status == MemberStatus.pending)).all())
        self.render_page("zone.html", courses=courses, competitions=competitions, news=latest_news(),
                         pending=pending, sex_label=members.sex_label)


class SignupsHandler(BaseHandler):
    """待审核注册 / pending sign-ups, for organizers and admins."""

    @requires(APPROVE)
    async def get(self) -> None:
        rows = self.db.scalars(select(Member).where(Member.status == MemberStatus.pending)
                               .order_by(Member.created_at)).all()
        self.render_page("signups.html", rows=rows, done=self.get_argument("done", ""), sex_label=members.sex_label,
                         reason_max=REVIEW_COMMENT_MAX)

    @requires(APPROVE)
    async def post(self) -> None:
        username = self.get_body_argument("username", "")
        decision = self.get_body_argument("decision", "")
        # The review comment (审核意见) goes into the audit log with the decision; a refused person reads it when
        # she tries to log in (hub/jupyterhub/auth.py).
        reason = self.get_body_argument("reason", "").strip()
        status = {"approve": MemberStatus.approved, "reject": MemberStatus.rejected}.get(decision)
        if status is None:
            raise Refused(400, "bad_decision", "无效的审核操作", "Unknown decision")
        if len(reason) > REVIEW_COMMENT_MAX:  # refused whole, never cut short without a word
            raise Refused(400, "comment_too_long", f"审核意见不能超过 {REVIEW_COMMENT_MAX} 字",
                          f"the review comment is longer than {REVIEW_COMMENT_MAX} characters")
        members.set_status(self.db, username, status, self.current_user["name"], reason)
        self.db.commit()
        self.redirect(f"{self.settings['prefix']}admin/signups?done={username}")


class MembersPage(BaseHandler):
    """会员名单 / members, for organizers: who is on the platform, with 性别, and the form to correct it."""

    @requires(APPROVE)
    async def get(self) -> None:
        self._page()

    def _page(self, error: members.MemberError | None = None, done: str = "") -> None:
        q = self.get_argument("q", "").strip()[:64]
        unknown_only = self.get_argument("sex", "") == "unknown"
        query = select(Member).order_by(Member.id).limit(MEMBER_PAGE_ROWS)
        if q:
            query = query.where(or_(Member.username.contains(q), Member.real_name.contains(q)))
        if unknown_only:
            query = query.where(Member.gender.is_(None))
        self.render_page("members.html", rows=self.db.scalars(query).all(), q=q, unknown_only=unknown_only,
                         sexes=members.SEXES, sex_label=members.sex_label, error=error,
                         done=done or self.get_argument("done", ""), limit=MEMBER_PAGE_ROWS)

    @requires(APPROVE)
    async def post(self) -> None:
        username = self.get_body_argument("username", "")
        sex = self.get_body_argument("gender", "") or None
        reason = self.get_body_argument("reason", "").strip()[:REVIEW_COMMENT_MAX]
        try:
            members.set_sex(self.db, username, sex, self.current_user["name"], reason)
            self.db.commit()
        except members.MemberError as exc:
            self.db.rollback()
            self.set_status(exc.status)  # 404: no such member; 400: what the form said
            self._page(error=exc)  # the form again, with what was wrong
            return
        self.redirect(f"{self.settings['prefix']}admin/members?done={username}")


class NotFoundPage(BaseHandler):
    async def prepare(self) -> None:
        raise Refused(404, "not_found", "页面不存在", "Page not found")


ROUTES = [
    ("", ZoneHandler),
    ("admin/signups", SignupsHandler),
    ("admin/members", MembersPage),
]
