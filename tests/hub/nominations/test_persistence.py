"""Nomination rounds on a plain SQLite database through hub.nominations.rounds: the whole procedure persisted and audited,
refusals that change nothing, a public notice without private fields, and bad files that store nothing."""
from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from competitions.nominations import CandidateFileError, ProcedureError
from competitions.yamlspec import SpecError
from hub.store import db
from hub.nominations import notice as nomination_notice
from hub.nominations import rounds as nominations
from hub.store.orm import (AuditLog, Base, MemberStatus, NominationEntry, NominationObjection, NominationReview,
                     NominationRound)
from tests.hub.store.factory import reference_db
from tests.hub.nominations.factory import (BAD_CSV, MEDAL_YAML, OUTSIDE_CSV, WOMEN_YAML, add_person, complete_course,
                                           grade_prelim)

T0 = datetime.now(timezone.utc).replace(microsecond=0)
WOMEN = "zj-may-day-women-2027"
MEDAL = "zj-may-day-medal-2027"
TABLES = (NominationRound, NominationEntry, NominationReview, NominationObjection, AuditLog)


@pytest.fixture
def url(tmp_path):
    url = reference_db(tmp_path, "n.sqlite")
    with db.session_scope(url) as s:
        people = [("liufang", "刘芳", "zj-hz-ecom", 0.95), ("chenjing", "陈静", "zj-hz-ecom", 0.90),
                  ("zhouli", "周丽", "zj-hz-textile", 0.80), ("wuxia", "吴霞", "zj-nb-port", 0.70),
                  ("huangmei", "黄梅", "zj-hz-riders", 0.40), ("madan", "马丹", "bj-haidian-soft", 1.0)]
        for username, name, unit, ratio in people:
            add_person(s, username, name, unit, "beijing" if unit.startswith("bj") else "zhejiang",
                       phone="13800001234")
            grade_prelim(s, username, ratio)
        add_person(s, "sunyan", "孙燕", "zj-hz-riders", status=MemberStatus.pending)
        grade_prelim(s, "sunyan", 1.0)
        add_person(s, "linli", "林丽", "zj-hz-riders")  # no result: not a candidate
        complete_course(s, "huangmei")
    return url


def snapshot(url: str) -> dict:
    """Every nomination row and audit row, as plain tuples."""
    with db.session_scope(url) as s:
        return {t.__tablename__: [tuple(getattr(r, c.key) for c in t.__table__.columns)
                                  for r in s.scalars(sa.select(t).order_by(t.id))] for t in TABLES}


def step(url: str, fn, *args, **kw):
    with db.session_scope(url) as s:  # one transaction per step, as a page handler commits
        return fn(s, *args, **kw)


def entry(url: str, slug: str, name: str) -> NominationEntry:
    with db.session_scope(url) as s:
        row = nominations.get_round(s, slug)
        return next(e for e in nominations.entries_of(s, row) if e.name == name)


def test_the_whole_procedure_is_persisted_and_the_audit_replays_it(url):
    step(url, nominations.create_round, WOMEN_YAML.read_bytes(), "organizer", WOMEN_YAML.name, now=T0)
    with pytest.raises(ProcedureError, match="请先计算草拟名单"):
        step(url, nominations.start_review, WOMEN, "organizer", now=T0)
    step(url, nominations.compute_draft, WOMEN, "organizer", now=T0)
    with db.session_scope(url) as s:
        row = nominations.get_round(s, WOMEN)
        got = {e.name: (e.included, e.reason) for e in nominations.entries_of(s, row)}
    assert "林丽" not in got  # no result, not a candidate
    assert got["刘芳"][0] and got["周丽"][0] and got["吴霞"][0] and got["黄梅"][0]
    assert got["陈静"] == (False, "本单位名额（1 名）已满 / the unit's 1 place(s) are taken")
    assert got["孙燕"][0] is False and "未通过会员审核" in got["孙燕"][1]
    assert got["马丹"][0] is False and "不属于本轮推荐范围的工会" in got["马丹"][1]
    # the course counts half of a competition: 黄梅 = 0.4 × 100/201 × 100 + 0.5 × 100
    assert entry(url, WOMEN, "黄梅").merit == pytest.approx(40 * 100 / 201 + 50, abs=0.01)
    assert "完成课程《女职工权益与普法》" in entry(url, WOMEN, "黄梅").achievement

    step(url, nominations.start_review, WOMEN, "organizer", now=T0 + timedelta(minutes=1))
    chen, huang = entry(url, WOMEN, "陈静").id, entry(url, WOMEN, "黄梅").id
    step(url, nominations.comment, WOMEN, "organizer", chen, "成绩接近，事迹突出", now=T0 + timedelta(minutes=2))
    step(url, nominations.vote, WOMEN, "organizer", chen, True, now=T0 + timedelta(minutes=3))
    before = snapshot(url)
    for reason in ("", "  ", "ok"):
        with pytest.raises(ProcedureError, match="必须写明理由"):
            step(url, nominations.adjust, WOMEN, "organizer", chen, True, reason)
    assert snapshot(url) == before  # a refused adjustment leaves no trace, not even in the audit log
    # one per unit: 陈静 cannot join her unit's 刘芳 (the round allows no exception), she can take her place
    with pytest.raises(ProcedureError, match="超过每单位上限 1 名"):
        step(url, nominations.adjust, WOMEN, "organizer", chen, True, "评审一致认为事迹突出，破格列入")
    assert snapshot(url) == before
    liu = entry(url, WOMEN, "刘芳").id
    step(url, nominations.swap, WOMEN, "organizer", liu, chen, "评审一致认为事迹突出，由陈静递补本单位名额",
         now=T0 + timedelta(minutes=4))
    step(url, nominations.start_notice, WOMEN, "organizer", now=T0 + timedelta(minutes=5))
    with pytest.raises(ProcedureError, match="只能对公示名单中的人"):
        step(url, nominations.object_to, WOMEN, "linli", entry(url, WOMEN, "马丹").id, "不在名单上的人")
    step(url, nominations.object_to, WOMEN, "linli", huang, "该同志的课程成绩存疑，请核实", now=T0 + timedelta(days=1))
    with pytest.raises(ProcedureError, match="公示期到"):
        step(url, nominations.finalize, WOMEN, "organizer", now=T0 + timedelta(days=2))
    step(url, nominations.answer, WOMEN, "organizer", 1, "经核实，课程结业记录真实有效", now=T0 + timedelta(days=2))
    step(url, nominations.finalize, WOMEN, "organizer", now=T0 + timedelta(days=6))

    with db.session_scope(url) as s:
        row = nominations.get_round(s, WOMEN)
        assert row.stage == "final" and row.finalized_at is not None
        listed = {e.candidate_key for e in nominations.entries_of(s, row) if e.included}
        assert {e.name for e in nominations.entries_of(s, row) if e.included} == {"陈静", "周丽", "吴霞", "黄梅"}
        assert entry(url, WOMEN, "陈静").reason == "评审一致认为事迹突出，由陈静递补本单位名额"
        [objection] = nominations.objections_of(s, row)
        assert (objection.member, objection.answer, objection.answered_by) == (
            "linli", "经核实，课程结业记录真实有效", "organizer")
        reviews = [(r.reviewer, r.comment, r.vote) for r in nominations.reviews_of(s, row)[chen]]
        assert reviews == [("organizer", "成绩接近，事迹突出", None), ("organizer", None, True)]
        events = nominations.audit_events(nominations.audit_rows(s, row), nominations.candidate_names(s, row))

    assert [e["action"] for e in events] == [
        "nomination.create", "nomination.draft", "nomination.review", "nomination.comment", "nomination.vote",
        "nomination.adjust", "nomination.adjust", "nomination.notice", "nomination.objection", "nomination.answer",
        "nomination.final"]
    assert [e["at"] for e in events] == sorted(e["at"] for e in events)
    off, adjust = events[5], events[6]  # the swap: 刘芳 off, 陈静 on, one reason
    assert (off["candidate"], off["after"]) == ("刘芳", {"included": False})
    assert (adjust["actor"], adjust["candidate"], adjust["reason"]) == ("organizer", "陈静", "评审一致认为事迹突出，由陈静递补本单位名额")
    assert adjust["before"] == {"included": False, "reason": "本单位名额（1 名）已满 / the unit's 1 place(s) are taken"}
    assert adjust["after"] == {"included": True}
    # an inspector rebuilds the list from the export alone
    exported = nominations.audit_csv(events)
    assert exported.startswith("\ufeff".encode()) and "陈静".encode() in exported
    for source in (events, nominations.read_audit_csv(exported)):
        replayed = nominations.replay(source)
        assert replayed.stage == "final" and replayed.listed == listed
        assert replayed.objections == {1: "经核实，课程结业记录真实有效"}

    # final: every write is refused and nothing changes
    final = snapshot(url)
    later = T0 + timedelta(days=7)
    for fn, args in ((nominations.adjust, ("organizer", chen, False, "定稿后不允许的调整")),
                     (nominations.comment, ("organizer", chen, "迟到的评审意见")),
                     (nominations.vote, ("organizer", chen, False)),
                     (nominations.object_to, ("linli", huang, "定稿后的异议内容")),
                     (nominations.answer, ("organizer", 1, "改写答复")),
                     (nominations.start_review, ("organizer",)), (nominations.start_notice, ("organizer",)),
                     (nominations.finalize, ("organizer",)), (nominations.compute_draft, ("organizer",))):
        with pytest.raises(ProcedureError, match="已定稿"):
            step(url, fn, WOMEN, *args, now=later)
    assert snapshot(url) == final


def test_the_public_notice_holds_nothing_private(url):
    step(url, nominations.create_round, WOMEN_YAML.read_text(encoding="utf-8"), "organizer")
    with pytest.raises(nominations.NominationRefused, match="尚未公示"):
        step(url, nomination_notice.public_notice, WOMEN)
    for fn in (nominations.compute_draft, nominations.start_review, nominations.start_notice):
        step(url, fn, WOMEN, "organizer")
    notice = step(url, nomination_notice.public_notice, WOMEN)
    assert notice.open_for_objections() and notice.ends_at - notice.starts_at == timedelta(days=5)
    assert [f.name for f in dataclasses.fields(nomination_notice.NoticeLine)] == ["entry", "name", "unit", "achievement"]
    assert {ln.name for ln in notice.lines} == {"刘芳", "周丽", "吴霞", "黄梅"}
    text = repr(notice)
    for private in ("13800001234", "liufang", "chenjing", "female", "陈静", "孙燕", "马丹", "member:"):
        assert private not in text, private
    # the included see their achievement; nobody's score appears (the organizer guide's promise)
    for name in ("刘芳", "陈静", "周丽", "吴霞", "黄梅"):
        assert f"{entry(url, WOMEN, name).merit:.1f}" not in text, name
    assert "分" not in text and "成绩" not in text
    assert "参加《2026 年浙江省女职工数字技能竞赛》" in notice.lines[0].achievement


def test_malformed_yaml_and_bad_imports_store_nothing(url):
    empty = snapshot(url)
    with pytest.raises(SpecError) as bad:
        step(url, nominations.create_round, "slug: Bad Slug\ntitle: x\naward: medal\n", "organizer")
    paths = {p.path for p in bad.value.problems}
    assert {"slug", "award", "year", "quota", "sources"} <= paths
    assert all(p.zh and p.en for p in bad.value.problems)
    with pytest.raises(SpecError, match="YAML"):
        step(url, nominations.create_round, "slug: [unclosed", "organizer")
    assert snapshot(url) == empty

    step(url, nominations.create_round, MEDAL_YAML.read_bytes(), "organizer")
    with pytest.raises(nominations.NominationRefused, match="已存在"):
        step(url, nominations.create_round, MEDAL_YAML.read_bytes(), "organizer")
    created = snapshot(url)
    with pytest.raises(CandidateFileError) as wrong:
        step(url, nominations.import_candidates, MEDAL, BAD_CSV.encode("utf-8"), "bad.csv", "organizer")
    where = {(p.row, p.column) for p in wrong.value.problems}
    assert {(3, "姓名"), (4, "性别"), (4, "评分")} <= where
    with pytest.raises(CandidateFileError, match="缺少“性别”列"):
        step(url, nominations.import_candidates, MEDAL, "姓名,单位,评分\n张三,某厂,1\n".encode(), "x.csv", "organizer")
    assert snapshot(url) == created

    # GBK, as union offices export it; then a bad file leaves the good import whole
    assert step(url, nominations.import_candidates, MEDAL, OUTSIDE_CSV.encode("gbk"), "外部.csv", "organizer") == 5
    imported = snapshot(url)
    with pytest.raises(CandidateFileError):
        step(url, nominations.import_candidates, MEDAL, BAD_CSV.encode("gbk"), "bad.csv", "organizer")
    assert snapshot(url) == imported
    step(url, nominations.compute_draft, MEDAL, "organizer")
    with db.session_scope(url) as s:
        row = nominations.get_round(s, MEDAL)
        by_name = {e.name: e for e in nominations.entries_of(s, row)}
    assert by_name["张建国"].source == "import" and by_name["张建国"].achievement == "港口自动化改造带头人"
    assert by_name["孙海红"].included and by_name["张建国"].included  # 20 places: everyone eligible fits

    step(url, nominations.create_round, WOMEN_YAML.read_bytes(), "organizer")
    with pytest.raises(nominations.NominationRefused, match="不接受外部候选人"):
        step(url, nominations.import_candidates, WOMEN, OUTSIDE_CSV.encode(), "x.csv", "organizer")


def test_a_member_on_a_recent_final_list_of_the_same_award_is_not_eligible(url):
    with db.session_scope(url) as s:
        earlier = NominationRound(slug="zj-may-day-women-2025", title="2025 年五一巾帼奖", award="may_day_women",
                                  year=2025, spec_yaml="", stage="final", notice_days=5, created_by="organizer")
        s.add(earlier)
        s.flush()
        liu = s.scalar(sa.select(nominations.Member).where(nominations.Member.username == "liufang"))
        s.add(NominationEntry(round_id=earlier.id, candidate_key=f"member:{liu.id}", member_id=liu.id,
                              source="platform", name="刘芳", gender="female", included=True))
    step(url, nominations.create_round, WOMEN_YAML.read_bytes(), "organizer")
    step(url, nominations.compute_draft, WOMEN, "organizer")
    liu = entry(url, WOMEN, "刘芳")
    assert not liu.included and not liu.eligible and "2025 年已获此奖项" in liu.reason
    assert entry(url, WOMEN, "陈静").included  # the next in her unit takes the place


def test_the_migration_creates_exactly_what_the_models_say(url):
    with db.engine_for(url).connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert [d for d in diffs if "nomination" in repr(d)] == []


def test_reviewers_are_the_users_the_round_names(url):
    text = MEDAL_YAML.read_text(encoding="utf-8").replace("reviewers: [organizer]", "reviewers: [organizer, teacher1]")
    row = step(url, nominations.create_round, text, "organizer")
    assert nominations.is_reviewer(row, "teacher1") and not nominations.is_reviewer(row, "linli")
