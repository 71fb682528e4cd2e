"""被推荐 nominated in the report: members on final nomination lists made final in the period, in their divisions;
drafts, lists on notice, people left off a list and studios are not counted."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select

from hub.store import db
from hub.store.orm import Member, NominationEntry, NominationRound
from hub.reports import ReportScope, build_tables
from tests.hub.reports.test_reports import seed, utc


def add_round(s, slug: str, stage: str, finalized: str | None, listed: dict[str, bool], studio: bool = False) -> None:
    r = NominationRound(slug=slug, title=slug, award="studio" if studio else "may_day_women", year=2026, spec_yaml="",
                        stage=stage, notice_days=5, created_by="organizer",
                        finalized_at=utc(finalized) if finalized else None)
    s.add(r)
    s.flush()
    people = dict(s.execute(select(Member.username, Member.id)).all())
    for name, included in listed.items():
        member_id = None if studio else people[name]
        key = f"studio:{name}" if studio else f"member:{member_id}"
        s.add(NominationEntry(round_id=r.id, candidate_key=key, member_id=member_id, source="platform", name=name,
                              gender="female", included=included))


def test_members_on_final_lists_are_counted_where_they_belong(tmp_path):
    url = f"sqlite:///{tmp_path / 'n.sqlite'}"
    seed(url)
    with db.session_scope(url) as s:
        add_round(s, "final-march", "final", "2026-03-20T02:00", {"z1": True, "z2": True, "b1": False})
        add_round(s, "final-may", "final", "2026-05-02T02:00", {"z1": True, "b1": True})  # z1 twice: one person
        add_round(s, "on-notice", "notice", None, {"z3": True})
        add_round(s, "draft", "draft", None, {"b2": True})
        add_round(s, "studios", "final", "2026-03-20T02:00", {"1": True}, studio=True)
    with db.session_scope(url) as s:
        every = {r[0]: r[5] for r in build_tables(s, ReportScope())[0].rows}
        march = {r[0]: r[5] for r in build_tables(s, ReportScope(date(2026, 3, 1), date(2026, 3, 31)))[0].rows}
        units = {r[0]: r[5] for r in build_tables(s, ReportScope(region="beijing"))[3].rows}
    assert every["浙江省"] == 2 and every["北京市"] == 1 and every["合计 total"] == 3
    assert march["浙江省"] == 2 and march["北京市"] == 0  # b1's list became final in May
    assert units == {"某软件科技有限公司工会": 1, "合计 total": 1}
