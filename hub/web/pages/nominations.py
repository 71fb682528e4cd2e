"""The nomination procedure's pages: rounds for organizers, the review for reviewers, the public notice (公示) for
everyone, objections from members, and the audit trail. Every write is a POST with XSRF, done by hub/nominations/rounds.py
in one transaction; a refused step (ProcedureError) answers 409 with the procedure's Chinese and English."""
from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any, Callable
from urllib.parse import quote

from competitions.nominations import AWARDS, CandidateFileError, ProcedureError
from competitions.nominations.times import beijing_zh
from courses.clock import shown as beijing_time
from hub.nominations import notice as nomination_notice
from hub.nominations import rounds as nominations
from hub.store.orm import NominationRound
from hub.refusals import Refused
from hub.web.base import BaseHandler, requires
from hub.scopes import LEARN, ORGANIZE

MAX_UPLOAD = 5 * 1024 * 1024


def _as_time(v: str) -> datetime | None:
    """An ISO time with its zone (as the audit keeps them, UTC), else None."""
    if len(v) < 19 or v[4:5] != "-" or "T" not in v:
        return None
    try:
        when = datetime.fromisoformat(v)
    except ValueError:
        return None
    return when if when.tzinfo else None


def shown(value: Any, names: dict[str, str]) -> str:
    """before/after for a person: JSON in Chinese, candidate keys followed by the name, times in Beijing time."""
    def named(v: Any) -> Any:
        if isinstance(v, str) and v in names:
            return f"{names[v]}（{v}）"
        if isinstance(v, str) and (when := _as_time(v)) is not None:
            return beijing_zh(when)
        if isinstance(v, list):
            return [named(x) for x in v]
        if isinstance(v, dict):
            return {k: named(x) for k, x in v.items()}
        return v
    return "—" if value is None else json.dumps(named(value), ensure_ascii=False)


class NominationPage(BaseHandler):
    def render_page(self, template: str, **ns: Any) -> None:
        super().render_page(template, local=beijing_time, **ns)

    def round_url(self, slug: str, tail: str = "") -> str:
        return f"{self.settings['prefix']}nominations/{slug}{tail}"

    def load_round(self, slug: str) -> NominationRound:
        return nominations.get_round(self.db, slug)

    def may_review(self, row: NominationRound) -> bool:
        return self.can(ORGANIZE) or nominations.is_reviewer(row, self.current_user["name"])

    def render_round(self, row: NominationRound, **ns: Any) -> None:
        s = self.db
        organizer = self.can(ORGANIZE)
        broken, exceptions = nominations.rule_check(s, row)
        excepted = {b.key for b, _ in exceptions}
        self.render_page(
            "nomination_round.html", round=row, spec=nominations.spec_of(row), award=AWARDS[row.award],
            broken=[b for b in broken if b.key not in excepted], exceptions=exceptions,
            exception_subjects={b.subject for b, _ in exceptions if b.code == "ineligible"},
            stage_zh=nominations.STAGE_ZH[row.stage], entries=nominations.entries_of(s, row),
            reviews=nominations.reviews_of(s, row), objections=nominations.objections_of(s, row),
            names={e.id: e.name for e in nominations.entries_of(s, row)}, organizer=organizer,
            reviewer=self.may_review(row), done=self.get_argument("done", ""), **ns)


class RoundsPage(NominationPage):
    """推荐评选 / the rounds, and a new one from its YAML (pasted or uploaded)."""

    @requires(ORGANIZE)
    async def get(self) -> None:
        self.render_list(problems=[], text="")

    def render_list(self, problems: list, text: str) -> None:
        self.render_page("nominations.html", rounds=nominations.list_rounds(self.db), awards=AWARDS,
                         stage_zh=nominations.STAGE_ZH, problems=problems, text=text)

    @requires(ORGANIZE)
    async def post(self) -> None:
        row = await self.create_from_spec(
            lambda text, filename: nominations.create_round(self.db, text, self.current_user["name"], filename),
            lambda problems, text: self.render_list(problems=problems, text=text))
        if row is not None:
            self.redirect(self.round_url(row.slug, "?done=created"), status=303)


class RoundPage(NominationPage):
    """One round: the list with every candidate's reason, the review, objections; organizers and reviewers."""

    @requires(LEARN)
    async def get(self, slug: str) -> None:
        row = self.load_round(slug)
        if not self.may_review(row):
            raise Refused(403, "forbidden", "只有组织者和本轮评审人可以查看", "Only organizers and this round's "
                          "reviewers may see this page")
        self.render_round(row)


def _number(handler: BaseHandler, name: str, zh: str, en: str) -> int:
    try:
        return int(handler.get_body_argument(name, ""))
    except ValueError:
        raise Refused(400, f"bad_{name}", zh, en)


def _entry_id(handler: BaseHandler) -> int:
    return _number(handler, "entry", "请选择候选人", "Choose a candidate")


# action → (who may do it: "organize" | "review", the step); a step takes (handler, session, slug, actor)
Action = Callable[[BaseHandler, Any, str, str], Any]
ACTIONS: dict[str, tuple[str, Action]] = {
    "draft": ("organize", lambda h, s, slug, me: nominations.compute_draft(s, slug, me)),
    "start-review": ("organize", lambda h, s, slug, me: nominations.start_review(s, slug, me)),
    "comment": ("review", lambda h, s, slug, me: nominations.comment(
        s, slug, me, _entry_id(h), h.get_body_argument("text", ""))),
    "vote": ("review", lambda h, s, slug, me: nominations.vote(
        s, slug, me, _entry_id(h), h.get_body_argument("approve", "") == "yes")),
    "adjust": ("organize", lambda h, s, slug, me: nominations.adjust(
        s, slug, me, _entry_id(h), h.get_body_argument("include", "") == "yes", h.get_body_argument("reason", ""),
        override_reason=h.get_body_argument("override_reason", ""))),
    "swap": ("organize", lambda h, s, slug, me: nominations.swap(
        s, slug, me, _number(h, "off", "请选择移出名单的人", "Choose who leaves the list"),
        _number(h, "on", "请选择列入名单的人", "Choose who joins the list"), h.get_body_argument("reason", ""),
        override_reason=h.get_body_argument("override_reason", ""))),
    "start-notice": ("organize", lambda h, s, slug, me: nominations.start_notice(
        s, slug, me, override_reason=h.get_body_argument("override_reason", ""))),
    "answer": ("organize", lambda h, s, slug, me: nominations.answer(
        s, slug, me, _number(h, "number", "请选择异议", "Choose an objection"), h.get_body_argument("text", ""))),
    "finalize": ("organize", lambda h, s, slug, me: nominations.finalize(s, slug, me)),
}


class RoundActionHandler(NominationPage):
    """POST nominations/SLUG/ACTION: one step of the procedure, then back to the round page."""

    @requires(LEARN)
    async def post(self, slug: str, action: str) -> None:
        row = self.load_round(slug)
        me = self.current_user["name"]
        if action == "import":
            return self._import(row, me)
        who, step = ACTIONS[action]
        if not (self.can(ORGANIZE) if who == "organize" else self.may_review(row)):
            raise Refused(403, "forbidden", "您没有权限进行此操作", "You are not allowed to do this")
        self._apply(row, action, lambda: step(self, self.db, slug, me))

    def _apply(self, row: NominationRound, action: str, work) -> None:
        """Run one step and commit it, then back to the round page; a refused step changes nothing and is
        shown on the page (409) or as an error page."""
        try:
            work()
            self.db.commit()
        except ProcedureError as exc:
            self.db.rollback()
            return self._refused(row, exc.zh, exc.en)
        self.redirect(self.round_url(row.slug, f"?done={action}"), status=303)

    def _import(self, row: NominationRound, me: str) -> None:
        if not self.can(ORGANIZE):
            raise Refused(403, "forbidden", "您没有权限进行此操作", "You are not allowed to do this")
        upload = self.request.files.get("candidates")
        if not upload or not upload[0]["body"]:
            raise Refused(400, "no_file", "请选择要导入的 xlsx 或 csv 文件", "Choose an xlsx or csv file to import")
        if len(upload[0]["body"]) > MAX_UPLOAD:
            raise Refused(413, "too_large", "文件太大（不能超过 5 MB）", "File too large (max 5 MB)")
        try:
            self._apply(row, "import", lambda: nominations.import_candidates(
                self.db, row.slug, upload[0]["body"], upload[0]["filename"], me))
        except CandidateFileError as exc:  # every bad row and column named; nothing imported
            self.db.rollback()
            self.set_status(400)
            return self.render_round(self.load_round(row.slug), import_problems=exc.problems)

    def _refused(self, row: NominationRound, zh: str, en: str) -> None:
        self.set_status(409)
        self.render_round(self.load_round(row.slug), error=(zh, en))


class NoticePage(NominationPage):
    """公示: anyone may read it, without logging in; a logged-in member files an objection from it."""

    async def get(self, slug: str) -> None:
        self.render_notice(slug)

    def render_notice(self, slug: str, **ns: Any) -> None:
        notice = nomination_notice.public_notice(self.db, slug)
        user = self.current_user
        mine = []
        if user:
            mine = nominations.objections_of(self.db, nominations.get_round(self.db, slug), user["name"])
        self.render_page("nomination_notice.html", notice=notice, mine=mine, can_object=bool(user and self.can(LEARN)),
                         open_now=notice.open_for_objections(), names={ln.entry: ln.name for ln in notice.lines},
                         login_url=self.round_url(slug, "/object"), filed=self.get_argument("filed", ""), **ns)

    @requires(LEARN)
    async def post(self, slug: str) -> None:
        if self.member is None:
            raise Refused(403, "not_a_member", "请先完成会员注册", "Sign up as a member first")
        try:
            nominations.object_to(self.db, slug, self.current_user["name"], _entry_id(self),
                                  self.get_body_argument("text", ""))
            self.db.commit()
        except ProcedureError as exc:
            self.db.rollback()
            self.set_status(409)
            return self.render_notice(slug, error=(exc.zh, exc.en))
        self.redirect(self.round_url(slug, "/notice?filed=1#mine"), status=303)


class ObjectLogin(NominationPage):
    """The notice page's "log in to object" link: through the hub's login, then back to the notice."""

    @requires(LEARN)
    async def get(self, slug: str) -> None:
        self.redirect(self.round_url(quote(slug), "/notice"))


class AuditPage(NominationPage):
    """审计记录: every step in order — who, when, what, why, before/after; organizers (inspectors)."""

    @requires(ORGANIZE)
    async def get(self, slug: str) -> None:
        row = self.load_round(slug)
        names = nominations.candidate_names(self.db, row)
        events = nominations.audit_events(nominations.audit_rows(self.db, row), names)
        for e in events:
            e["before_text"], e["after_text"] = shown(e["before"], names), shown(e["after"], names)
            e["at_local"] = beijing_time(datetime.fromisoformat(e["at"]))
        self.render_page("nomination_audit.html", round=row, events=events, stage_zh=nominations.STAGE_ZH)


class AuditExport(NominationPage):
    """The audit trail as CSV (UTF-8 with BOM): nominations.read_audit_csv + replay rebuild the list from it."""

    @requires(ORGANIZE)
    async def get(self, slug: str) -> None:
        row = self.load_round(slug)
        data = nominations.audit_csv(nominations.audit_events(nominations.audit_rows(self.db, row),
                                                              nominations.candidate_names(self.db, row)))
        stamp = datetime.now(timezone.utc).strftime("%Y%m%d")
        self.send_download(f"{row.slug}-audit-{stamp}.csv", data, "text/csv; charset=utf-8")


SLUG = r"([a-z0-9][a-z0-9-]{1,63})"
ROUTES = [
    (r"nominations/?", RoundsPage),
    (rf"nominations/{SLUG}", RoundPage),
    (rf"nominations/{SLUG}/(import|{'|'.join(ACTIONS)})", RoundActionHandler),
    (rf"nominations/{SLUG}/notice", NoticePage),
    (rf"nominations/{SLUG}/object", ObjectLogin),
    (rf"nominations/{SLUG}/audit", AuditPage),
    (rf"nominations/{SLUG}/audit\.csv", AuditExport),
]
