"""The procedure: each step allowed only at its stage, each change audited, the final list immutable."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from competitions.nominations import procedure as p
from competitions.nominations.procedure import Entry, ProcedureError

T0 = datetime(2027, 3, 1, 9, tzinfo=timezone.utc)


def drafted():
    entries = [Entry("a", True, "按成绩排序入选"), Entry("b", True, "按成绩排序入选"), Entry("c", False, "名额已满")]
    return p.draft(entries, notice_days=5, actor="organizer", now=T0)[0]


def test_the_whole_road_with_its_audit_trail():
    log = []
    s, a = p.start_review(drafted(), "organizer", T0); log += a
    s, a = p.comment(s, "reviewer1", "b", "事迹材料不完整", T0); log += a
    s, a = p.vote(s, "reviewer1", "b", False, T0); log += a
    s, a = p.adjust(s, "organizer", "b", False, "经评审，事迹材料不符合要求", T0); log += a
    s, a = p.adjust(s, "organizer", "c", True, "递补：成绩次优且材料齐全", T0); log += a
    s, a = p.start_notice(s, "organizer", T0 + timedelta(days=1)); log += a
    assert s.notice_ends == T0 + timedelta(days=6) and s.listed == ["a", "c"]
    s, a = p.object_to(s, "worker07", "c", "该同志去年已获同类奖项", T0 + timedelta(days=2)); log += a
    with pytest.raises(ProcedureError, match="公示期到"):
        p.finalize(s, "organizer", T0 + timedelta(days=3))
    with pytest.raises(ProcedureError, match="1 条异议未答复"):
        p.finalize(s, "organizer", T0 + timedelta(days=7))
    s, a = p.answer(s, "organizer", 1, "经核实，去年获得的是市级奖项，不影响本次推荐", T0 + timedelta(days=4)); log += a
    s, a = p.finalize(s, "organizer", T0 + timedelta(days=7)); log += a
    assert s.stage == "final" and s.listed == ["a", "c"]
    assert [e.action for e in log] == ["nomination.review", "nomination.comment", "nomination.vote",
                                       "nomination.adjust", "nomination.adjust", "nomination.notice",
                                       "nomination.objection", "nomination.answer", "nomination.final"]
    adjust = log[3]
    assert adjust.before == {"included": True, "reason": "按成绩排序入选"} and adjust.after == {"included": False}
    assert adjust.reason == "经评审，事迹材料不符合要求" and adjust.actor == "organizer"
    # final: read-only for everyone
    for step in (lambda: p.adjust(s, "organizer", "a", False, "任何理由都不行", T0),
                 lambda: p.object_to(s, "worker08", "a", "迟到的异议内容", T0 + timedelta(days=8)),
                 lambda: p.comment(s, "reviewer1", "a", "意见", T0), lambda: p.start_review(s, "organizer", T0)):
        with pytest.raises(ProcedureError, match="已定稿"):
            step()


def test_refusals_say_why():
    s = drafted()
    with pytest.raises(ProcedureError, match="评审阶段"):
        p.adjust(s, "organizer", "a", False, "理由充分的调整", T0)
    s, _ = p.start_review(s, "organizer", T0)
    with pytest.raises(ProcedureError, match="必须写明理由"):
        p.adjust(s, "organizer", "a", False, " ", T0)
    with pytest.raises(ProcedureError, match="没有变化"):
        p.adjust(s, "organizer", "a", True, "保持不变的调整", T0)
    with pytest.raises(ProcedureError, match="没有候选人 z"):
        p.vote(s, "reviewer1", "z", True, T0)
    with pytest.raises(ProcedureError, match="公示阶段"):
        p.object_to(s, "worker01", "a", "还没公示就提异议", T0)
    s, _ = p.start_notice(s, "organizer", T0)
    with pytest.raises(ProcedureError, match="公示名单中的人"):
        p.object_to(s, "worker01", "c", "不在名单上的人", T0)
    with pytest.raises(ProcedureError, match="公示期已结束"):
        p.object_to(s, "worker01", "a", "公示结束后的异议", T0 + timedelta(days=5))
    with pytest.raises(ProcedureError, match="没有第 3 号异议"):
        p.answer(s, "organizer", 3, "答复", T0)
