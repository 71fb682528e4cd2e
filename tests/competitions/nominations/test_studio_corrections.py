"""Correcting studios through hub.nominations.studio_corrections, on the same SQLite studios as test_persistence: a removed member
leaves the studio's average but keeps her achievements; the leader cannot be removed; an edit changes what a round
counts; a withdrawn achievement is neither counted nor on the showcase but organizers see why; every correction is
audited; a final list already published does not change; migration 0009 up and down on SQLite and PostgreSQL."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from competitions.nominations.studios import KIND_POINTS, StudioError
from hub.store import db
from hub.nominations import rounds as nominations
from hub.nominations import studios
from hub.nominations import studio_corrections as corrections
from hub.store.orm import AuditLog, StudioAchievement
from hub.store.seed import seed_reference
from tests.hub.store import test_migrations
from tests.hub.nominations.factory import WOMEN_YAML, add_person
from tests.hub.nominations import test_studio_persistence as test_persistence
from tests.hub.nominations.test_studio_persistence import ROUND, STUDIO_YAML, make_studios, run, snapshot

url = test_persistence.url  # fixture: the SQLite database with five people and their prelim grades
empty_db = test_migrations.empty_db  # fixture: an empty SQLite or PostgreSQL database

PEOPLE_ROUND = "zj-may-day-women-2027"
PRELIM = 100 * 100 / 201  # a member's result per unit of her prelim ratio in these rounds (see test_persistence)


def achievement_id(url: str, title: str) -> int:
    with db.session_scope(url) as s:
        return s.scalar(sa.select(StudioAchievement.id).where(StudioAchievement.title == title))


def studio_round(url: str) -> dict[str, tuple[float, str]]:
    """A studio round's draft computed now: candidate key → (merit, public line)."""
    run(url, nominations.create_round, STUDIO_YAML.read_bytes(), "organizer")
    run(url, nominations.compute_draft, ROUND, "organizer")
    with db.session_scope(url) as s:
        return {e.candidate_key: (e.merit, e.achievement)
                for e in nominations.entries_of(s, nominations.get_round(s, ROUND))}


def people_round(url: str) -> dict[str, tuple[float, str]]:
    """A round for people that counts studio achievements (weight 0.5): name → (merit, public line)."""
    text = WOMEN_YAML.read_text(encoding="utf-8").replace(
        "  - {kind: course, ref: rights-and-law, weight: 0.5}", "  - {kind: studio_achievements, weight: 0.5}")
    run(url, nominations.create_round, text, "organizer")
    run(url, nominations.compute_draft, PEOPLE_ROUND, "organizer")
    with db.session_scope(url) as s:
        return {e.name: (e.merit, e.achievement)
                for e in nominations.entries_of(s, nominations.get_round(s, PEOPLE_ROUND))}


def audit_rows(url: str, action: str) -> list[tuple]:
    with db.session_scope(url) as s:
        return s.execute(sa.select(AuditLog.actor, AuditLog.target_id, AuditLog.before, AuditLog.after,
                                   AuditLog.reason).where(AuditLog.action == action).order_by(AuditLog.id)).all()


def test_a_removed_member_leaves_the_average_but_keeps_her_achievements(url):
    xiuying, _, _ = make_studios(url)
    run(url, corrections.remove_member, xiuying, "chenj", "organizer")
    with db.session_scope(url) as s:
        row = studios.get_studio(s, xiuying)
        assert [m.username for m in studios.members_of(s, row)] == ["wangxy", "zhangjg"]
        assert [(f.member.username, f.removed_by) for f in studios.former_members_of(s, row)] == [("chenj", "organizer")]
    [(actor, target, before, after, _)] = audit_rows(url, "studio.member_remove")
    assert (actor, target, before["member"], before["left_at"]) == ("organizer", str(xiuying), "chenj", None)
    assert after["member"] == "chenj" and after["left_at"] and after["achievements_kept"] == 1

    merit, line = studio_round(url)[f"studio:{xiuying}"]
    average = 0.9 * PRELIM / 2  # 王秀英 and 张建国 (no result); 陈静's 50 no longer counts
    assert merit == pytest.approx(average + KIND_POINTS["patent"] + KIND_POINTS["innovation"], abs=0.01)
    assert line.startswith("成员 2 人")
    chen_merit, chen_line = people_round(url)["陈静"]  # her innovation still counts for her
    assert chen_merit == pytest.approx(0.5 * PRELIM + 0.5 * KIND_POINTS["innovation"], abs=0.01)
    assert "排班表自动化" in chen_line

    run(url, studios.add_member, xiuying, "chenj", "organizer")  # added again: her row reopened, history audited
    with db.session_scope(url) as s:
        row = studios.get_studio(s, xiuying)
        assert [m.username for m in studios.members_of(s, row)] == ["wangxy", "chenj", "zhangjg"]
        assert studios.former_members_of(s, row) == []
    *_, (_, _, before, after, _) = audit_rows(url, "studio.member_add")
    assert before["left_at"] and before["removed_by"] == "organizer" and after["rejoined"] is True


def test_the_leader_and_non_members_cannot_be_removed_and_nothing_is_stored(url):
    xiuying, _, _ = make_studios(url)
    before = snapshot(url)
    for username, words in (("wangxy", ("领衔人", "cannot be removed")), ("liufang", ("不是本工作室的现任成员", "not a current")),
                            ("nobody", ("找不到这位会员", "no such member"))):
        with pytest.raises(StudioError) as refused:
            run(url, corrections.remove_member, xiuying, username, "organizer")
        [problem] = refused.value.problems
        assert words[0] in problem.zh and words[1] in problem.en
    with pytest.raises(studios.StudioRefused, match="找不到这个工作室"):
        run(url, corrections.remove_member, 999, "chenj", "organizer")
    assert snapshot(url) == before
    run(url, corrections.remove_member, xiuying, "zhangjg", "organizer")
    with pytest.raises(StudioError, match="不是本工作室的现任成员"):  # removed twice
        run(url, corrections.remove_member, xiuying, "zhangjg", "organizer")
    assert len(audit_rows(url, "studio.member_remove")) == 1

def test_an_edit_changes_what_a_round_counts_and_audits_the_changed_fields(url):
    xiuying, port, _ = make_studios(url)
    patent = achievement_id(url, "一种织机断线检测装置")
    row, changed = run(url, corrections.edit_achievement, xiuying, patent, title="一种织机断线检测装置",
                       kind="award", achieved_on="2026-05-01", description="实用新型专利", public=True,
                       credited="chenj", actor="organizer")
    assert changed == ["kind", "credited_to"]
    [(actor, target, before, after, _)] = audit_rows(url, "studio.achievement_edit")
    assert before == {"achievement": patent, "kind": "patent", "credited_to": "wangxy"}
    assert after == {"achievement": patent, "kind": "award", "credited_to": "chenj"}
    unchanged = run(url, corrections.edit_achievement, xiuying, patent, title="一种织机断线检测装置 ", kind="award",
                    achieved_on="2026-05-01", description="实用新型专利", public=True, credited="chenj",
                    actor="organizer")
    assert unchanged[1] == [] and len(audit_rows(url, "studio.achievement_edit")) == 1

    got = people_round(url)
    assert got["陈静"][0] == pytest.approx(0.5 * PRELIM + 0.5 * (KIND_POINTS["innovation"] + KIND_POINTS["award"]),
                                          abs=0.01)
    assert "创新成果《一种织机断线检测装置》（获奖）" in got["陈静"][1] and "织机" not in got["王秀英"][1]

    before = snapshot(url)
    for credited, field in (("liufang", "credited"), ("nobody", "credited")):  # not a member of this studio
        with pytest.raises(StudioError) as refused:
            run(url, corrections.edit_achievement, xiuying, patent, title="", kind="award", achieved_on="2026-05-01",
                description="", public=True, credited=credited, actor="organizer")
        assert {p.field for p in refused.value.problems} == {"title", field}
    with pytest.raises(studios.StudioRefused, match="本工作室没有这项成果"):  # another studio's achievement
        run(url, corrections.edit_achievement, port, patent, title="x", kind="award", achieved_on="2026-05-01",
            description="", public=True, credited="", actor="organizer")
    assert snapshot(url) == before

    run(url, corrections.remove_member, xiuying, "chenj", "organizer")  # she keeps it: an edit may leave it hers
    run(url, corrections.edit_achievement, xiuying, patent, title="织机断线检测装置", kind="award",
        achieved_on="2026-05-01", description="", public=True, credited="chenj", actor="organizer")
    other = run(url, studios.record_achievement, xiuying, title="质检流程", kind="other", achieved_on="2026-07-01",
                description="", public=True, credited="", actor="organizer")
    with pytest.raises(StudioError, match="成果完成人须为工作室成员"):  # but no other goes to a former member
        run(url, corrections.edit_achievement, xiuying, other, title="质检流程", kind="other", achieved_on="2026-07-01",
            description="", public=True, credited="chenj", actor="organizer")

def test_a_withdrawn_achievement_is_not_counted_nor_shown_but_organizers_see_why(url):
    xiuying, _, _ = make_studios(url)
    patent = achievement_id(url, "一种织机断线检测装置")
    before = snapshot(url)
    with pytest.raises(StudioError) as refused:  # a reason is required
        run(url, corrections.withdraw_achievement, xiuying, patent, "  ", "organizer")
    assert [p.field for p in refused.value.problems] == ["reason"]
    assert snapshot(url) == before

    run(url, corrections.withdraw_achievement, xiuying, patent, "专利申请未获授权", "organizer")
    with db.session_scope(url) as s:
        row = studios.get_studio(s, xiuying)
        assert studios.achievements_of(s, row) == []  # the showcase had only this one public achievement
        kept = {a.title: a for a in studios.achievements_of(s, row, public_only=False)}
        assert kept["一种织机断线检测装置"].withdrawal_reason == "专利申请未获授权"
        assert kept["一种织机断线检测装置"].withdrawn_by == "organizer"
    [(actor, target, before_, after, reason)] = audit_rows(url, "studio.achievement_withdraw")
    assert (actor, target, reason, before_["withdrawn"], after["withdrawn"]) == (
        "organizer", str(xiuying), "专利申请未获授权", False, True)

    for again in (lambda: run(url, corrections.withdraw_achievement, xiuying, patent, "再撤一次", "organizer"),
                  lambda: run(url, corrections.edit_achievement, xiuying, patent, title="改名", kind="patent",
                              achieved_on="2026-05-01", description="", public=True, credited="", actor="organizer")):
        with pytest.raises(studios.StudioRefused) as twice:
            again()
        assert twice.value.status == 409 and "已于" in twice.value.zh and "专利申请未获授权" in twice.value.zh
        assert "withdrawn" in twice.value.en

    merit, line = studio_round(url)[f"studio:{xiuying}"]
    average = (0.9 + 0.5) * PRELIM / 3
    assert merit == pytest.approx(average + KIND_POINTS["innovation"], abs=0.01) and "专利" not in line
    assert "织机" not in people_round(url)["王秀英"][1]


def test_a_final_list_already_published_does_not_change(url):
    xiuying, _, _ = make_studios(url)
    run(url, nominations.create_round, STUDIO_YAML.read_bytes(), "organizer")
    t0 = datetime.now(timezone.utc) - timedelta(days=10)
    for step in (nominations.compute_draft, nominations.start_review, nominations.start_notice):
        run(url, step, ROUND, "organizer", now=t0)
    run(url, nominations.finalize, ROUND, "organizer", now=t0 + timedelta(days=6))
    with db.session_scope(url) as s:
        published = studios.winners(s)
    assert "专利 1 项" in published[0].achievement and "成员 3 人" in published[0].achievement
    run(url, corrections.withdraw_achievement, xiuying, achievement_id(url, "一种织机断线检测装置"), "未获授权", "o")
    run(url, corrections.remove_member, xiuying, "chenj", "o")
    with db.session_scope(url) as s:
        assert studios.winners(s) == published


def test_migration_0009_up_and_down_keeps_every_row(empty_db):
    db.upgrade(empty_db)
    with db.session_scope(empty_db) as s:
        seed_reference(s)
        add_person(s, "wangxy", "王秀英", "zj-hz-textile")
        add_person(s, "chenj", "陈静", "zj-hz-textile")
    studio = run(empty_db, studios.create_studio, name="秀英工作室", leader="wangxy", unit="zj-hz-textile", summary="",
                 actor="o")
    run(empty_db, studios.add_member, studio, "chenj", "o")
    run(empty_db, studios.record_achievement, studio, title="装置", kind="patent", achieved_on="2026-05-01",
        description="", public=True, credited="chenj", actor="o")
    run(empty_db, corrections.remove_member, studio, "chenj", "o")
    run(empty_db, corrections.withdraw_achievement, studio, achievement_id(empty_db, "装置"), "未获授权", "o")

    def columns(table: str) -> set[str]:
        return {c["name"] for c in sa.inspect(db.engine_for(empty_db)).get_columns(table)}

    def count(table: str) -> int:
        with db.engine_for(empty_db).connect() as c:
            return c.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar()

    assert {"left_at", "removed_by"} <= columns("studio_members")
    db.downgrade(empty_db, "0008")
    assert db.current_revision(empty_db) == "0008"
    assert not {"left_at", "removed_by"} & columns("studio_members")
    assert not {"withdrawn_at", "withdrawn_by", "withdrawal_reason"} & columns("studio_achievements")
    assert (count("studio_members"), count("studio_achievements")) == (2, 1)  # nothing lost on the way down
    db.upgrade(empty_db)
    assert {"withdrawn_at", "withdrawn_by", "withdrawal_reason"} <= columns("studio_achievements")
    with db.session_scope(empty_db) as s:  # back up: both count again, as they did before 0009
        assert [m.username for m in studios.members_of(s, studios.get_studio(s, studio))] == ["wangxy", "chenj"]
        assert len(studios.all_achievements(s)) == 1
