"""The studio rules on plain data: what a studio, a member and an achievement must hold, and how achievements and
studios are scored for nomination rounds."""
from __future__ import annotations

from datetime import date

import pytest

from competitions.nominations import load_round
from competitions.nominations.studios import (KIND_POINTS, KINDS, Achievement, Person, StudioFacts, check_achievement,
                                              check_member, check_studio, member_achievement_merit, score_studio)

HER = Person(1, "王秀英", "female", True)
TODAY = date(2027, 3, 1)


def fields(problems) -> set[str]:
    return {p.field for p in problems}


def test_a_studio_is_led_by_an_approved_woman_in_a_known_union():
    assert check_studio("秀英数字工作室", HER, True) == []
    assert fields(check_studio("", None, False)) == {"name", "unit", "leader"}
    man = check_studio("某工作室", Person(2, "张建国", "male", True), True)
    assert fields(man) == {"leader"} and "女职工" in man[0].zh and "woman" in man[0].en
    assert "已审核" in check_studio("某工作室", Person(3, "李", "female", False), True)[0].zh
    assert fields(check_studio("名" * 65, HER, True)) == {"name"}
    assert all(p.zh and p.en for p in check_studio("", None, False))


def test_a_member_joins_once_and_only_when_approved():
    assert check_member(Person(5, "陈静", "female", True), [1]) == []
    assert "已是工作室成员" in check_member(HER, [1])[0].zh
    assert fields(check_member(None, [1])) == {"member"}
    assert "已审核" in check_member(Person(6, "周", "male", False), [1])[0].zh  # men may be members, once approved


def test_an_achievement_needs_title_kind_and_a_past_date():
    assert check_achievement("一种包装改进装置", "patent", date(2026, 5, 1), "", TODAY) == []
    bad = check_achievement(" ", "invention", None, "x" * 3000, TODAY, credited_is_member=False)
    assert fields(bad) == {"title", "kind", "achieved_on", "description", "credited"}
    assert "专利" in next(p.zh for p in bad if p.field == "kind")
    assert fields(check_achievement("t", "award", date(2027, 3, 2), "", TODAY)) == {"achieved_on"}
    assert set(KINDS) == set(KIND_POINTS)


def test_achievements_count_for_the_member_they_are_credited_to():
    merit = member_achievement_merit([
        Achievement(1, "专利甲", "patent", date(2026, 1, 1), credited_to=1),
        Achievement(1, "合理化建议乙", "suggestion", date(2025, 1, 1), credited_to=1),
        Achievement(1, "获奖丙", "award", date(2026, 2, 1), credited_to=7)], weight=2)
    assert merit[1][0] == 2 * (KIND_POINTS["patent"] + KIND_POINTS["suggestion"])
    assert merit[1][1] == ["创新成果《合理化建议乙》（合理化建议）", "创新成果《专利甲》（专利）"]  # oldest first
    assert merit[7] == (2 * KIND_POINTS["award"], ["创新成果《获奖丙》（获奖）"])


def test_a_studio_scores_its_members_average_plus_its_achievements():
    studio = StudioFacts(1, "秀英工作室", "某厂工会", "浙江省", "female", member_ids=(1, 2, 3, 4), achievements=(
        Achievement(1, "专利甲", "patent", date(2026, 1, 1), 1), Achievement(1, "革新乙", "innovation", date(2026, 1, 2), 2),
        Achievement(1, "革新丙", "innovation", date(2026, 1, 3), 2)))
    results = {1: 90.0, 2: 70.0, 3: 40.0, 99: 100.0}  # member 4 has no result; 99 is not in the studio
    score = score_studio(studio, results, achievement_weight=1.0)
    assert score.merit == pytest.approx((90 + 70 + 40 + 0) / 4 + 30 + 20 + 20)
    # the public line says what was counted, never a score (the average is for the organizer's pages)
    assert score.line == "成员 4 人；创新成果 专利 1 项、技术革新 2 项" and score.counted["average"] == 50.0
    # a disqualified member's result is not counted (she counts 0); a size alone gives nothing
    assert score_studio(studio, results, 1.0, frozenset({1})).merit == pytest.approx(110 / 4 + 70)
    assert score_studio(studio, results, 0.0).merit == pytest.approx(50.0)
    lone = StudioFacts(2, "新工作室", "u", "r", "female", member_ids=(5,))
    assert score_studio(lone, {}, 1.0).merit == 0 and score_studio(lone, {}, 1.0).line == "成员 1 人"


def test_the_example_studio_round_is_valid():
    from pathlib import Path

    import competitions.nominations as pkg

    spec = load_round((Path(pkg.__file__).parent / "examples" / "studio-cultivation-2027.yaml").read_bytes())
    assert spec.award == "studio" and {s.kind for s in spec.sources} == {"competition", "studio_achievements"}
