"""The organizer's report as plain tables: participation and coverage by division, and activity per month.

Every table is one SQL GROUP BY query (the database does the counting), so 10,000 members cost a few
milliseconds, not one Python loop per person.

What is counted (members are always *approved* members, filtered by the scope's region when one is given):
- 注册会员 registered: approved members who had signed up by the end of the period (a stock, not a flow, so the
  other columns read as "of these, how many took part in the period").
- 报名课程 enrolled / 完成课程 completed: distinct members with a *learner's* enrolment made / a course completed as
  a learner in the period. Teaching a course (an enrolment with the instructor role) is counted nowhere.
- 参赛 competed: distinct members with at least one competition submission received in the period.
- 被推荐 nominated: distinct members on a *final* nomination list (included) whose round became final in the
  period; drafts and lists still on notice can change, so they are not counted. Studios on a studio round's list
  are teams, not people, and are not counted here.
- 培训干部 cadres trained: members whose platform role is instructor or organizer (union staff and teachers) and
  who completed a course *as a learner* in the period. The ORM has no separate "cadre" flag; this is the closest it
  allows.
- 女性占比 share of women: women / members whose sex is known (女 or 男, asked at sign-up since revision 0010).
  Members with sex 未填写 (NULL: everyone from before 0010 until an organizer corrects it) are in neither number,
  so they neither raise nor lower the share; a group where nobody's sex is known shows no share.

Dates are calendar days in China Standard Time (UTC+8, no daylight saving), which is what organizers mean by
"2026-03-31"; stored times are UTC.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from typing import Any, Callable, Literal

from sqlalchemy import ColumnElement, Select, and_, case, func, literal, select, union_all
from sqlalchemy.orm import Session

from hub.refusals import Refused
from courses.clock import BEIJING
from hub.store.orm import (Enrolment, EmploymentForm, Industry, Member, MemberStatus, NominationEntry, NominationRound,
                     OrgUnit, Region, Role, Submission)

NO_DATA_ZH = "暂无数据"
COUNT_COLUMNS = ["注册会员 registered", "报名课程 enrolled", "完成课程 completed", "参赛 competed",
                 "被推荐 nominated", "培训干部 cadres trained"]
SHARE_COLUMN = "女性占比 share of women"
NOMINATED_NOTE = ("被推荐：期间内定稿的推荐名单上的会员（不含草拟、公示中的名单和工作室）/ nominated: members on nomination "
                  "lists made final in the period (not drafts, lists on notice, or studios)")


class ReportError(Refused):
    """A report that cannot be made as asked (a bad period or region, a database reports do not support)."""

    exit_code = 2  # jinguo report: like its other refusals of what was typed


@dataclass(frozen=True)
class ReportScope:
    """Which period and region a report covers; every bound is optional. ``region_name`` is for display only."""

    date_from: date | None = None
    date_to: date | None = None
    region: str | None = None
    region_name: str = ""

    @property
    def start(self) -> datetime | None:
        """First instant of the period, in UTC (the zone times are stored in)."""
        if self.date_from is None:
            return None
        return datetime.combine(self.date_from, time(), BEIJING).astimezone(timezone.utc)

    @property
    def end(self) -> datetime | None:
        """First instant after the period (date_to is inclusive), in UTC."""
        if self.date_to is None:
            return None
        return datetime.combine(self.date_to + timedelta(days=1), time(), BEIJING).astimezone(timezone.utc)

    def describe(self) -> str:
        start, end = self.date_from, self.date_to
        when = (f"{start} 至 {end}" if start and end else f"{start} 起至今 since {start}" if start
                else f"截至 {end} until {end}" if end else "全部时间 all time")
        where = f"{self.region_name or self.region}" if self.region else "全部区域 all regions"
        return f"时间 period: {when}（北京时间 UTC+8）· 区域 region: {where}"


@dataclass
class Table:
    """One sheet of the xlsx and one section of the PDF; ``chart_columns`` are the columns worth plotting."""

    title_zh: str
    title_en: str
    columns: list[str]
    rows: list[list[Any]]
    notes: list[str] = field(default_factory=list)
    chart: Literal["bars", "lines"] = "bars"
    chart_columns: tuple[int, ...] = ()
    percent_columns: tuple[int, ...] = ()


def resolve_region(session: Session, text: str) -> tuple[str, str]:
    """(code, name) of the region given by code or by Chinese name; ReportError naming the known codes."""
    row = session.execute(select(Region.code, Region.name).where((Region.code == text) | (Region.name == text))).first()
    if row is None:
        known = "、".join(session.scalars(select(Region.code).order_by(Region.id))) or "（无 none）"
        raise ReportError(400, "bad_scope", f"未知的区域 {text!r}，可选：{known}", f"unknown region {text!r}; known: {known}")
    return row.code, row.name


def parse_scope(session: Session, date_from: str = "", date_to: str = "", region: str = "") -> ReportScope:
    """A scope from text as a form sends it (empty = no bound); ReportError for a bad day, from after to, or an
    unknown region."""
    days = []
    for text, zh, en in ((date_from, "起始日期", "from"), (date_to, "截止日期", "to")):
        text = text.strip()
        try:
            days.append(date.fromisoformat(text) if text else None)
            if text and len(text) != 10:
                raise ValueError
        except ValueError:
            raise ReportError(400, "bad_scope", f"{zh}应为 YYYY-MM-DD 的有效日期，收到 {text!r}",
                              f"{en} must be a real day as YYYY-MM-DD, got {text!r}") from None
    if days[0] and days[1] and days[0] > days[1]:
        raise ReportError(400, "bad_scope", "起始日期晚于截止日期", "from is after to")
    code, name = resolve_region(session, region.strip()) if region.strip() else (None, "")
    return ReportScope(days[0], days[1], code, name)


def _in_period(column: Any, scope: ReportScope) -> list[ColumnElement[bool]]:
    conds = []
    if scope.start is not None:
        conds.append(column >= scope.start)
    if scope.end is not None:
        conds.append(column < scope.end)
    return conds


def _member_filters(scope: ReportScope, *, signed_up_in_period: bool = False) -> list[ColumnElement[bool]]:
    conds: list[ColumnElement[bool]] = [Member.status == MemberStatus.approved]
    if signed_up_in_period:
        conds += _in_period(Member.created_at, scope)
    elif scope.end is not None:
        conds.append(Member.created_at < scope.end)
    if scope.region:
        conds.append(Member.region_id == select(Region.id).where(Region.code == scope.region).scalar_subquery())
    return conds


def _participation_measures(scope: ReportScope) -> list[ColumnElement[Any]]:
    """Per-group sums over members; each "who took part" set is an uncorrelated IN subquery (hashed once)."""
    learning = Enrolment.role == Role.learner  # an instructor's own course is teaching, not learning
    enrolled = select(Enrolment.member_id).where(learning, *_in_period(Enrolment.enrolled_at, scope))
    completed = select(Enrolment.member_id).where(learning, Enrolment.completed_at.is_not(None),
                                                  *_in_period(Enrolment.completed_at, scope))
    competed = select(Submission.member_id).where(Submission.competition_id.is_not(None),
                                                  *_in_period(Submission.received_at, scope))
    nominated = (select(NominationEntry.member_id).join(NominationRound, NominationRound.id == NominationEntry.round_id)
                 .where(NominationRound.stage == "final", NominationEntry.included.is_(True),
                        NominationEntry.member_id.is_not(None), *_in_period(NominationRound.finalized_at, scope)))

    def count_if(cond: ColumnElement[bool]) -> ColumnElement[int]:
        return func.coalesce(func.sum(case((cond, 1), else_=0)), 0)

    return [
        func.count(Member.id),
        count_if(Member.id.in_(enrolled)),
        count_if(Member.id.in_(completed)),
        count_if(Member.id.in_(competed)),
        count_if(Member.id.in_(nominated)),
        count_if(and_(Member.role.in_([Role.instructor, Role.organizer]), Member.id.in_(completed))),
        count_if(Member.gender == "female"),
        count_if(Member.gender.in_(["female", "male"])),
    ]


def _division_table(session: Session, title_zh: str, title_en: str, label: str, query: Select) -> Table:
    """Rows of (label, six counts, share of women) plus a total row; the query yields label, counts, women, known."""
    raw = [(name, [int(c) for c in counts], int(women), int(known))
           for name, *counts, women, known in session.execute(query)]
    rows: list[list[Any]] = [[name, *counts, women / known if known else None] for name, counts, women, known in raw]
    if raw:
        # Every member is in exactly one group, so column sums are the distinct totals.
        sums = [sum(counts[i] for _, counts, _, _ in raw) for i in range(len(COUNT_COLUMNS))]
        women, known = sum(r[2] for r in raw), sum(r[3] for r in raw)
        rows.append(["合计 total", *sums, women / known if known else None])
    n = len(COUNT_COLUMNS)
    return Table(title_zh, title_en, [label, *COUNT_COLUMNS, SHARE_COLUMN], rows, notes=[NOMINATED_NOTE],
                 chart="bars", chart_columns=(1, 2, 3, 4), percent_columns=(n + 1,))


def _by_reference(model: Any, member_fk: Any, title_zh: str, title_en: str,
                  label: str) -> Callable[[Session, ReportScope], Table]:
    """A division table over a small reference table: every row is listed, zeros included (gaps matter)."""

    def build(session: Session, scope: ReportScope) -> Table:
        q = (select(model.name, *_participation_measures(scope))
             .outerjoin(Member, and_(member_fk == model.id, *_member_filters(scope)))
             .group_by(model.id, model.name).order_by(model.id))
        if model is Region and scope.region:
            q = q.where(Region.code == scope.region)
        return _division_table(session, title_zh, title_en, label, q)

    build.__name__ = f"by_{model.__tablename__}"
    return build


by_region = _by_reference(Region, Member.region_id, "按区域", "by region", "区域 region")
by_industry = _by_reference(Industry, Member.industry_id, "按行业", "by industry", "行业 industry")
by_employment_form = _by_reference(EmploymentForm, Member.employment_form_id, "按用工形式", "by employment form",
                                   "用工形式 employment form")


def by_union_unit(session: Session, scope: ReportScope) -> Table:
    """Grassroots unions with at least one member in scope (there can be thousands of empty ones)."""
    q = (select(OrgUnit.name, *_participation_measures(scope))
         .join(Member, Member.org_unit_id == OrgUnit.id).where(*_member_filters(scope))
         .group_by(OrgUnit.id, OrgUnit.name).order_by(func.count(Member.id).desc(), OrgUnit.code))
    return _division_table(session, "按基层工会", "by union unit", "基层工会 union unit", q)


def _month_of(session: Session, column: Any) -> ColumnElement[str]:
    """'YYYY-MM' of a stored UTC time, in China time: SQL differs per database."""
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite":  # stored as naive UTC text; BEIJING is a fixed +8 hours
        return func.strftime("%Y-%m", column, "+8 hours")
    if dialect == "postgresql":
        return func.to_char(func.timezone(BEIJING.tzname(None), column), "YYYY-MM")
    raise ReportError(400, "report_refused", f"报表不支持数据库 {dialect}", f"reports do not support the {dialect} database")


def _months_between(first: str, last: str) -> list[str]:
    y, m = map(int, first.split("-"))
    out = []
    while f"{y:04d}-{m:02d}" <= last:
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def monthly(session: Session, scope: ReportScope) -> Table:
    """New members, enrolments and submissions (course and competition) per month: one UNION ALL query."""
    members = _member_filters(scope)
    new_members = (select(literal("members").label("kind"), _month_of(session, Member.created_at).label("month"),
                          func.count().label("n"))
                   .where(*_member_filters(scope, signed_up_in_period=True)).group_by("month"))
    enrolments = (select(literal("enrolments"), _month_of(session, Enrolment.enrolled_at).label("month"), func.count())
                  .join(Member, Member.id == Enrolment.member_id)
                  .where(*members, Enrolment.role == Role.learner, *_in_period(Enrolment.enrolled_at, scope))
                  .group_by("month"))
    submissions = (select(literal("submissions"), _month_of(session, Submission.received_at).label("month"),
                          func.count())
                   .join(Member, Member.id == Submission.member_id)
                   .where(*members, *_in_period(Submission.received_at, scope)).group_by("month"))
    counts: dict[str, dict[str, int]] = {}
    for kind, month, n in session.execute(union_all(new_members, enrolments, submissions)):
        counts.setdefault(month, {})[kind] = int(n)
    first = scope.date_from.strftime("%Y-%m") if scope.date_from else min(counts, default=None)
    last = scope.date_to.strftime("%Y-%m") if scope.date_to else max(counts, default=None)
    months = _months_between(first, last) if first and last else []
    rows = [[m, *(counts.get(m, {}).get(k, 0) for k in ("members", "enrolments", "submissions"))] for m in months]
    return Table("月度趋势", "per month", ["月份 month", "新增会员 new members", "报名 enrolments", "提交 submissions"],
                 rows, chart="lines", chart_columns=(1, 2, 3))


TABLE_BUILDERS: tuple[Callable[[Session, ReportScope], Table], ...] = (
    by_region, by_industry, by_employment_form, by_union_unit, monthly)


def build_tables(session: Session, scope: ReportScope) -> list[Table]:
    return [build(session, scope) for build in TABLE_BUILDERS]
