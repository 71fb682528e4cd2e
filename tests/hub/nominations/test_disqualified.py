"""exclude_disqualified: a competitor an organizer disqualified (hub.competitions.admin) is not eligible, and her
reason names the competition and the organizer's reason; reinstated, she is back; with the rule off, she counts.
In a studio round her results count 0 for her studio."""
from __future__ import annotations

import pytest

from hub.competitions import admin as competition_admin

from hub.store import db

from hub.nominations import rounds as nominations

from hub.nominations import studios
from tests.hub.store.factory import reference_db
from tests.hub.nominations.factory import EXAMPLES, WOMEN_YAML, add_person, competition_row, grade_prelim

WOMEN = "zj-may-day-women-2027"


@pytest.fixture
def url(tmp_path):
    url = reference_db(tmp_path, "d.sqlite")
    with db.session_scope(url) as s:
        for username, name, unit, ratio in [("liufang", "刘芳", "zj-hz-ecom", 0.95), ("chenjing", "陈静", "zj-hz-ecom", 0.9),
                                            ("zhouli", "周丽", "zj-hz-textile", 0.8)]:
            add_person(s, username, name, unit)
            grade_prelim(s, username, ratio)
        competition_admin.disqualify(s, competition_row(s), "liufang", "提交的代码与他人雷同", "organizer")
    return url


def draft(url: str, text: str, slug: str) -> dict:
    with db.session_scope(url) as s:
        if slug not in {r.slug for r in nominations.list_rounds(s)}:
            nominations.create_round(s, text, "organizer")
        nominations.compute_draft(s, slug, "organizer")
        return {e.name: e for e in nominations.entries_of(s, nominations.get_round(s, slug))}


def test_a_disqualified_competitor_is_excluded_and_told_why(url):
    got = draft(url, WOMEN_YAML.read_text(encoding="utf-8"), WOMEN)
    liu = got["刘芳"]
    assert not liu.eligible and not liu.included and liu.rank is None
    assert liu.reason == ("不符合推荐条件：在竞赛《2026 年浙江省女职工数字技能竞赛》中被取消资格（提交的代码与他人雷同）"
                          " / not eligible: disqualified from 2026 年浙江省女职工数字技能竞赛: 提交的代码与他人雷同")
    assert got["陈静"].included  # the next in her unit takes the place (one per unit)

    with db.session_scope(url) as s:  # reinstated: eligible again when the draft is computed again
        competition_admin.reinstate(s, competition_row(s), "liufang", "复核后确认为独立完成", "organizer")
    again = draft(url, "", WOMEN)
    assert again["刘芳"].included and not again["陈静"].included


def test_with_the_rule_off_she_counts(url):
    text = WOMEN_YAML.read_text(encoding="utf-8").replace("  not_awarded_within_years: 3",
                                                          "  not_awarded_within_years: 3\n  exclude_disqualified: false")
    assert "exclude_disqualified: false" in text
    assert draft(url, text, WOMEN)["刘芳"].included


def test_in_a_studio_round_her_results_count_zero(url):
    with db.session_scope(url) as s:
        studio = studios.create_studio(s, name="电商创新工作室", leader="liufang", unit="zj-hz-ecom", summary="",
                                       actor="organizer")
        studios.add_member(s, studio.id, "chenjing", "organizer")
    got = draft(url, (EXAMPLES / "studio-cultivation-2027.yaml").read_text(encoding="utf-8"),
                "zj-studio-cultivation-2027")
    team = got["电商创新工作室"]
    assert team.eligible and team.merit == pytest.approx(100 * 0.9 * 100 / 201 / 2, abs=0.01)  # 陈静's only
