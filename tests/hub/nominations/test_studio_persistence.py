"""Studios in the platform database through hub.nominations.studios: created, joined and credited by organizers (audited),
refusals that store nothing, a studio round whose draft includes them, a round for people that counts the
achievements, and the showcase's winners with nothing private."""
from __future__ import annotations

import dataclasses
from datetime import date, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from competitions.nominations.studios import KIND_POINTS, StudioError
from hub.store import db
from hub.nominations import rounds as nominations
from hub.nominations import studios
from hub.store.orm import AuditLog, Base, Studio, StudioAchievement, StudioMember
from tests.hub.store.factory import reference_db
from tests.hub.nominations.factory import EXAMPLES, WOMEN_YAML, add_person, grade_prelim

STUDIO_YAML = EXAMPLES / "studio-cultivation-2027.yaml"
ROUND = "zj-studio-cultivation-2027"
TABLES = (Studio, StudioMember, StudioAchievement, AuditLog)


@pytest.fixture
def url(tmp_path):
    url = reference_db(tmp_path, "s.sqlite")
    with db.session_scope(url) as s:
        for username, name, unit, ratio, gender in [
                ("wangxy", "王秀英", "zj-hz-textile", 0.9, "female"), ("chenj", "陈静", "zj-hz-textile", 0.5, "female"),
                ("zhangjg", "张建国", "zj-hz-textile", None, "male"), ("liufang", "刘芳", "zj-nb-port", 0.8, "female"),
                ("madan", "马丹", "bj-haidian-soft", 1.0, "female")]:
            add_person(s, username, name, unit, "beijing" if unit.startswith("bj") else "zhejiang", gender=gender,
                       phone="13900001111")
            if ratio is not None:
                grade_prelim(s, username, ratio)
    return url


def snapshot(url: str) -> dict:
    with db.session_scope(url) as s:
        return {t.__tablename__: [tuple(getattr(r, c.key) for c in t.__table__.columns)
                                  for r in s.scalars(sa.select(t).order_by(t.id))] for t in TABLES}


def run(url: str, fn, *args, **kw):
    with db.session_scope(url) as s:  # one transaction, as a page handler commits
        result = fn(s, *args, **kw)
        return result.id if hasattr(result, "id") else result


def make_studios(url: str) -> tuple[int, int, int]:
    """秀英 (textile, with a man among its members, a patent and an innovation), 刘芳 (port, a suggestion), 马丹 (Beijing)."""
    xiuying = run(url, studios.create_studio, name="秀英纺织创新工作室", leader="wangxy", unit="zj-hz-textile",
                  summary="纺织工艺数字化", actor="organizer")
    for username in ("chenj", "zhangjg"):
        run(url, studios.add_member, xiuying, username, "organizer")
    run(url, studios.record_achievement, xiuying, title="一种织机断线检测装置", kind="patent", achieved_on="2026-05-01",
        description="实用新型专利", public=True, credited="", actor="organizer")
    run(url, studios.record_achievement, xiuying, title="排班表自动化", kind="innovation", achieved_on="2026-06-01",
        description="", public=False, credited="chenj", actor="organizer")
    port = run(url, studios.create_studio, name="刘芳港口工作室", leader="liufang", unit="zj-nb-port", summary="",
               actor="organizer")
    run(url, studios.record_achievement, port, title="装卸流程建议", kind="suggestion", achieved_on="2026-01-01",
        description="", public=True, credited="liufang", actor="organizer")
    beijing = run(url, studios.create_studio, name="马丹软件工作室", leader="madan", unit="bj-haidian-soft", summary="",
                  actor="organizer")
    return xiuying, port, beijing


def test_organizers_create_studios_add_members_and_record_achievements_audited(url):
    xiuying, _, _ = make_studios(url)
    with db.session_scope(url) as s:
        row = studios.get_studio(s, xiuying)
        assert [m.username for m in studios.members_of(s, row)] == ["wangxy", "chenj", "zhangjg"]
        assert [a.title for a in studios.achievements_of(s, row)] == ["一种织机断线检测装置"]  # the public one
        assert len(studios.achievements_of(s, row, public_only=False)) == 2
        log = s.execute(sa.select(AuditLog.actor, AuditLog.action, AuditLog.target_id)
                        .where(AuditLog.target_type == "studio").order_by(AuditLog.id)).all()
    assert log[:5] == [("organizer", "studio.create", str(xiuying)), ("organizer", "studio.member_add", str(xiuying)),
                       ("organizer", "studio.member_add", str(xiuying)), ("organizer", "studio.achievement", str(xiuying)),
                       ("organizer", "studio.achievement", str(xiuying))]


def test_refusals_name_every_problem_and_store_nothing(url):
    xiuying, _, _ = make_studios(url)
    before = snapshot(url)
    cases = [
        (studios.create_studio, (), dict(name="", leader="zhangjg", unit="nowhere", summary="", actor="o"),
         {"name", "unit", "leader"}),
        (studios.create_studio, (), dict(name="秀英纺织创新工作室", leader="nobody", unit="zj-hz-textile", summary="",
                                         actor="o"), {"name", "leader"}),
        (studios.add_member, (xiuying, "chenj", "o"), {}, {"member"}),
        (studios.record_achievement, (xiuying,), dict(title="", kind="invention", achieved_on="2026-13-01",
                                                      description="", public=True, credited="liufang", actor="o"),
         {"title", "kind", "achieved_on", "credited"}),
        (studios.record_achievement, (xiuying,), dict(
            title="未来的成果", kind="award", achieved_on=(date.today() + timedelta(days=2)).isoformat(),
            description="", public=True, credited="", actor="o"), {"achieved_on"}),
    ]
    for fn, args, kw, wanted in cases:
        with pytest.raises(StudioError) as refused:
            run(url, fn, *args, **kw)
        assert {p.field for p in refused.value.problems} == wanted
        assert all(p.zh and p.en for p in refused.value.problems)
    with pytest.raises(studios.StudioRefused, match="找不到这个工作室"):
        run(url, studios.add_member, 999, "chenj", "o")
    assert snapshot(url) == before


def test_a_studio_round_computes_a_draft_of_studios(url):
    xiuying, port, beijing = make_studios(url)
    run(url, nominations.create_round, STUDIO_YAML.read_bytes(), "organizer", STUDIO_YAML.name)
    summary = run(url, nominations.compute_draft, ROUND, "organizer")
    with db.session_scope(url) as s:
        entries = {e.candidate_key: e for e in nominations.entries_of(s, nominations.get_round(s, ROUND))}
        got = {k: (e.name, e.included, e.member_id, e.merit, e.achievement, e.reason) for k, e in entries.items()}
    assert summary["candidates"] == 3
    name, included, member_id, merit, line, reason = got[f"studio:{xiuying}"]
    # members 王秀英 90, 陈静 50, 张建国 none (100 × prelim ratio, weights 30/30/40 of 100 + a final never taken)
    average = sum(100 * r * 100 / 201 for r in (0.9, 0.5)) / 3
    assert included and member_id is None and merit == pytest.approx(average + KIND_POINTS["patent"]
                                                                     + KIND_POINTS["innovation"], abs=0.01)
    assert line == "成员 3 人；创新成果 专利 1 项、技术革新 1 项"  # public: no score
    assert "第 1 名" in reason
    assert got[f"studio:{port}"][1] and "第 2 名" in got[f"studio:{port}"][5]
    assert not got[f"studio:{beijing}"][1] and "不属于本轮推荐范围的工会" in got[f"studio:{beijing}"][5]


def test_a_round_for_people_counts_the_achievements_credited_to_her(url):
    make_studios(url)
    text = WOMEN_YAML.read_text(encoding="utf-8").replace(
        "  - {kind: course, ref: rights-and-law, weight: 0.5}", "  - {kind: studio_achievements, weight: 0.5}")
    run(url, nominations.create_round, text, "organizer")
    run(url, nominations.compute_draft, "zj-may-day-women-2027", "organizer")
    with db.session_scope(url) as s:
        by_name = {e.name: e for e in nominations.entries_of(s, nominations.get_round(s, "zj-may-day-women-2027"))}
        chen, wang = by_name["陈静"], by_name["王秀英"]
        assert chen.merit == pytest.approx(50 * 100 / 201 + 0.5 * KIND_POINTS["innovation"], abs=0.01)
        assert chen.achievement.endswith("创新成果《排班表自动化》（技术革新）")
        assert "创新成果《一种织机断线检测装置》（专利）" in wang.achievement  # no one named: the leader
        assert "张建国" not in by_name  # a member with no result and no achievement is no candidate


def test_the_showcase_lists_final_winners_with_nothing_private(url):
    make_studios(url)
    run(url, nominations.create_round, STUDIO_YAML.read_bytes(), "organizer")
    t0 = datetime.now(timezone.utc)
    for fn, at in ((nominations.compute_draft, t0), (nominations.start_review, t0), (nominations.start_notice, t0)):
        run(url, fn, ROUND, "organizer", now=at)
    with db.session_scope(url) as s:
        assert studios.winners(s) == []  # on notice is not final
    run(url, nominations.finalize, ROUND, "organizer", now=t0 + timedelta(days=6))
    with db.session_scope(url) as s:
        won = studios.winners(s)
    assert [w.name for w in won] == ["秀英纺织创新工作室", "刘芳港口工作室"]
    assert [f.name for f in dataclasses.fields(studios.Winner)] == [
        "round_slug", "round_title", "award", "year", "name", "unit", "achievement"]
    assert won[0].award == "女职工创新工作室（培育）" and won[0].unit == "杭州某纺织有限公司工会"
    assert "13900001111" not in repr(won) and "wangxy" not in repr(won)


def test_the_migration_creates_exactly_what_the_models_say(url):
    with db.engine_for(url).connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert [d for d in diffs if "studio" in repr(d)] == []
