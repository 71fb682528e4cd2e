"""Competition pages: her page (clock, joining, her history, the boards), the collective board by union unit,
and the organizer's pages (define and open, live participation, close, freeze, rescore, disqualify, export).
Rules and persistence live in competitions/ and hub/competitions/admin.py; handlers only read forms and render."""
from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from tornado.ioloop import IOLoop

import competitions as core
from competitions.divisions import FIELD_TITLES, SPLIT_FIELDS, board_titles
from hub.competitions import admin
from hub.competitions.boards import (PUBLIC_SCORE_NOTE, board_json, core_member, division_names, shown_score,
                                    spec_of)
from hub.refusals import Refused
from hub.store.orm import (Competition, CompetitionEntry, Disqualification, Grade, Member, MemberStatus, OrgUnit,
                     Submission, aware)
from hub.web.base import XLSX, BaseHandler, requires
from hub.web.shown import shown_phase
from hub.scopes import LEARN, ORGANIZE

DIMENSIONS = tuple((key, " ".join(FIELD_TITLES[key])) for key in SPLIT_FIELDS)  # competitions/divisions.py


def local_time(spec: core.Competition):
    """Times shown as the competition's organizers and competitors read them: in its own time zone."""
    zone = ZoneInfo(spec.timezone)
    return lambda when, fmt="%Y-%m-%d %H:%M": aware(when).astimezone(zone).strftime(fmt)


def zone_labels(spec: core.Competition) -> dict[str, str]:
    """What the times on her page are, in words: 北京时间 for China's zone, else the zone's name."""
    if spec.timezone in ("Asia/Shanghai", "Asia/Chongqing", "Asia/Harbin", "PRC"):
        return {"tz_label": "北京时间", "tz_label_en": "Beijing time"}
    return {"tz_label": spec.timezone, "tz_label_en": spec.timezone}


def _now() -> datetime:
    return datetime.now(timezone.utc)


class CompetitionBase(BaseHandler):
    def competition(self, slug: str) -> Competition:
        row = self.db.scalar(select(Competition).where(Competition.slug == slug))
        if row is None or row.status == "draft":
            raise Refused(404, "competition_not_found", "找不到这个竞赛", "Competition not found")
        return row

    def board(self, row: Competition, spec: core.Competition, phase, kind: str, now: datetime) -> core.Leaderboard:
        return self.settings["boards"].board(self.db, row, spec, phase.key, kind, now)

    def deciding_board(self, row: Competition, now: datetime):
        """The asked-for (or current) phase and the board that ranks it: the private one once it closed."""
        spec = spec_of(row)
        phase = shown_phase(spec, now, self.get_argument("phase", None))
        kind = "private" if core.private_visible(phase, now) else "public"
        return spec, phase, kind, self.board(row, spec, phase, kind, now)


class CompetitionPage(CompetitionBase):
    """GET competitions/SLUG: the clock, whether she may take part, her submissions, the boards.
    POST action=join: she enters."""

    @requires(LEARN)
    async def get(self, slug: str) -> None:
        row, now = self.competition(slug), _now()
        spec, member = spec_of(row), self.member
        phase = shown_phase(spec, now, self.get_argument("phase", None))
        division = self.get_argument("division", core.OVERALL)
        public_lb = self.board(row, spec, phase, "public", now)
        public = board_json(public_lb, spec.privacy, division, 0, 50, member.id if member else None)
        final = None
        if core.private_visible(phase, now):
            final = board_json(self.board(row, spec, phase, "private", now), spec.privacy, division, 0, 50,
                               member.id if member else None)
        joined, decision, history = False, None, []
        if member is not None:
            joined = self.db.scalar(select(CompetitionEntry.id).where(
                CompetitionEntry.competition_id == row.id, CompetitionEntry.member_id == member.id)) is not None
            decision = core.eligibility(core_member(member), spec, admin.context_for(self.db, row, member))
            # Her scores as she may see them now: public only until each submission's phase closes (issue 15).
            history = [(sub, shown_score(spec, sub, grade, now)) for sub, grade in self.db.execute(
                select(Submission, Grade).outerjoin(Grade, Grade.submission_id == Submission.id)
                .where(Submission.competition_id == row.id, Submission.member_id == member.id)
                .order_by(Submission.received_at.desc())).all()]
        divisions = board_titles(spec, public_lb.divisions(), division_names(self.db))
        public_pending = any(s["board"] == "public" and s["score"] is not None for _, s in history)
        self.render_page("competition.html", row=row, spec=spec, clock=core.clock(spec, now), phase=phase,
                         public=public, final=final, division=division, divisions=divisions, joined=joined,
                         decision=decision, history=history, public_pending=public_pending,
                         public_note=PUBLIC_SCORE_NOTE, local=local_time(spec), done=self.get_argument("done", ""),
                         closed_phase=next((p for p in reversed(spec.phases) if p.closes_at <= now), None),
                         **zone_labels(spec))

    @requires(LEARN)
    async def post(self, slug: str) -> None:
        row, member = self.competition(slug), self.member
        if member is None:
            raise Refused(403, "not_a_member", "请先完成报名", "Sign up as a member first")
        admin.join(self.db, row, member)
        self.db.commit()
        self.redirect(f"{self.settings['prefix']}competitions/{slug}?done=joined")


class UnitsPage(CompetitionBase):
    """GET competitions/SLUG/units: the collective board — participation rate and results by union unit."""

    @requires(LEARN)
    async def get(self, slug: str) -> None:
        row, now = self.competition(slug), _now()
        spec, phase, kind, lb = self.deciding_board(row, now)
        board = core.Board(phase.key, kind, core.OVERALL, lb.cutoff, lb.page(core.OVERALL, 0, lb.size()))
        approved = self.db.scalars(select(Member).where(Member.status == MemberStatus.approved)).all()
        everyone = {m.id: core_member(m) for m in approved}
        eligible = [m for m in everyone.values() if core.eligibility(m, spec)]
        pool: dict[str, int] = {}
        for m in eligible:
            pool[m.unit] = pool.get(m.unit, 0) + 1
        taking_part = set(self.db.scalars(select(CompetitionEntry.member_id).where(
            CompetitionEntry.competition_id == row.id))) | {r.member for r in board.rows}
        rows = core.collective_board(board, everyone, pool, competitors=taking_part)
        names = dict(self.db.execute(select(OrgUnit.code, OrgUnit.name)).all())
        self.render_page("competition_units.html", row=row, spec=spec, phase=phase, kind=kind, rows=rows, names=names)


class ManagePage(CompetitionBase):
    """GET/POST competitions/SLUG/manage: live participation and the organizer's audited actions."""

    @requires(ORGANIZE)
    async def get(self, slug: str) -> None:
        row, now = self.competition(slug), _now()
        spec = spec_of(row)
        approved = [core_member(m) for m in self.db.scalars(select(Member).where(Member.status == MemberStatus.approved))]
        competing = set(self.db.scalars(select(Submission.member_id).where(Submission.competition_id == row.id))) | \
            set(self.db.scalars(select(CompetitionEntry.member_id).where(CompetitionEntry.competition_id == row.id)))
        tables = [(key, title, core.participation(approved, key, competing)) for key, title in DIMENSIONS]
        names = division_names(self.db)  # the codes' names of every field a board is split by
        counts = dict(self.db.execute(select(Submission.status, func.count()).where(
            Submission.competition_id == row.id).group_by(Submission.status)).all())
        dq = self.db.execute(select(Member.username, Member.real_name, Disqualification.reason).join(
            Disqualification, Disqualification.member_id == Member.id).where(
            Disqualification.competition_id == row.id)).all()
        self.render_page("competition_manage.html", row=row, spec=spec, clock=core.clock(spec, now), tables=tables,
                         names=names, counts=counts, disqualified=dq, now=now, done=self.get_argument("done", ""))

    @requires(ORGANIZE)
    async def post(self, slug: str) -> None:
        row, now, actor = self.competition(slug), _now(), self.current_user["name"]
        action, reason = self.get_body_argument("action", ""), self.get_body_argument("reason", "")
        queued: list[int] = []
        if action == "close":
            admin.close_now(self.db, row, self.get_body_argument("phase", ""), now, actor, reason)
        elif action == "freeze":
            admin.freeze_now(self.db, row, self.get_body_argument("phase", ""), now, actor, reason)
        elif action == "rescore":
            task = self.get_body_argument("task", "")
            admin.check_rescore(row, task, reason)
            # nbgrader generate_assignment takes a second or two: off the web loop, so nobody waits on it
            await IOLoop.current().run_in_executor(None, admin.regenerate_task, self.settings["data_dir"],
                                                   row.slug, task)
            queued = admin.rescore(self.db, row, task, actor, reason)
        elif action in ("disqualify", "reinstate"):
            username = self.get_body_argument("username", "").strip()
            act = admin.disqualify if action == "disqualify" else admin.reinstate
            member = act(self.db, row, username, reason, actor)
            self.settings["boards"].disqualify(row.id, member.id, out=action == "disqualify")
        else:
            raise Refused(400, "bad_action", "未知的操作", "Unknown action")
        self.db.commit()
        for sid in queued:
            self.settings["grading_queue"].enqueue(sid)
        self.redirect(f"{self.settings['prefix']}competitions/{slug}/manage?done={action}")


class ResultsExport(CompetitionBase):
    """GET competitions/SLUG/results.xlsx?phase=: the final (private) board once the phase closed, else the
    public one; every division a sheet."""

    @requires(ORGANIZE)
    async def get(self, slug: str) -> None:
        row, now = self.competition(slug), _now()
        spec, phase, kind, lb = self.deciding_board(row, now)
        ids = [r.member for r in lb.page(core.OVERALL, 0, lb.size())]
        members = {m.id: m for m in self.db.scalars(select(Member).where(Member.id.in_(ids)))} if ids else {}
        data = admin.results_xlsx(lb, spec, members, f"{spec.title} · {phase.title}", division_names(self.db))
        self.send_download(f"{slug}-{phase.key}-{kind}.xlsx", data, XLSX)


class NewCompetitionPage(BaseHandler):
    """GET/POST competitions-new: the organizer pastes or edits a competition's YAML, checks it and opens it —
    the same file `jinguo competition validate|open` reads."""

    @requires(ORGANIZE)
    async def get(self) -> None:
        self.render_page("competition_new.html", text=self.get_argument("from", ""), problems=None, checked=False)

    @requires(ORGANIZE)
    async def post(self) -> None:
        text = self.spec_text("spec")
        open_it, actor, reason = (self.get_body_argument("action", "check") == "open", self.current_user["name"],
                                  self.get_body_argument("reason", ""))

        def check_and_open() -> core.Competition:  # YAML parsing is pure Python: off the web loop (issue 15)
            spec = core.load_competition(text, "competition.yaml")
            if open_it:
                admin.publish(self.db, text, "organizer-page", actor, reason)
            return spec

        try:
            spec = await self.off_loop(check_and_open)
        except core.SpecError as exc:
            self.db.rollback()
            self.set_status(400)
            return self.render_page("competition_new.html", text=text, problems=exc.problems, checked=True)
        if not open_it:
            return self.render_page("competition_new.html", text=text, problems=[], checked=True, spec=spec)
        self.db.commit()
        self.redirect(f"{self.settings['prefix']}competitions/{spec.slug}/manage?done=open")


ROUTES = [
    (r"competitions-new", NewCompetitionPage),
    (r"competitions/([^/]+)", CompetitionPage),
    (r"competitions/([^/]+)/units", UnitsPage),
    (r"competitions/([^/]+)/manage", ManagePage),
    (r"competitions/([^/]+)/results\.xlsx", ResultsExport),
]
