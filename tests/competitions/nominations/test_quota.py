"""Selecting a nomination list: merit order, caps, and a guaranteed share of women — exhaustively on plain data."""
from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from competitions.nominations import Candidate, Rules, select

candidates_st = st.lists(
    st.builds(lambda i, g, u, r, m, e: Candidate(i, f"人{i}", g, f"u{u}", f"r{r}", m, e, "" if e else "已获奖未满年限"),
              st.integers(), st.sampled_from(["female", "male"]), st.integers(0, 4), st.integers(0, 2),
              st.integers(0, 100).map(float), st.booleans() | st.just(True)),
    max_size=40, unique_by=lambda c: c.id)
rules_st = st.builds(Rules, st.integers(1, 15), st.sampled_from([0.0, 0.3, 0.4, 0.5, 1.0]),
                     st.none() | st.integers(1, 4), st.none() | st.integers(1, 8))


@settings(max_examples=400, deadline=None)
@given(candidates_st, rules_st)
def test_the_list_keeps_every_rule(cands, rules):
    sel = select(cands, rules)
    by_id = {c.id: c for c in cands}
    chosen = [by_id[i] for i in sel.selected]
    # every candidate has a reason; selected ones and only they say so
    assert set(sel.reasons) == set(by_id)
    assert {i for i, r in sel.reasons.items() if r.selected} == set(sel.selected)
    assert all(r.zh and r.en for r in sel.reasons.values())
    # size, eligibility and caps
    assert len(chosen) <= rules.slots and all(c.eligible for c in chosen)
    if rules.max_per_unit:
        assert all(sum(1 for c in chosen if c.unit == u) <= rules.max_per_unit for u in {c.unit for c in chosen})
    if rules.max_per_region:
        assert all(sum(1 for c in chosen if c.region == r) <= rules.max_per_region for r in {c.region for c in chosen})
    # the women's share holds whenever it can; when it cannot, the round says so and why
    women = sum(1 for c in chosen if c.gender == "female")
    required = math.ceil(rules.women_min_share * rules.slots - 1e-9)
    if sel.feasible:
        assert women >= required
    else:
        assert "女性比例无法达到" in sel.problem_zh and str(required) in sel.problem_zh and sel.problem_en
    # merit order within each group: a better candidate of the same gender is left out only for a stated reason
    # (women are never passed over for the quota)
    for a in cands:
        for b in chosen:
            if a.gender == b.gender and a.eligible and a.merit > b.merit and a.id not in sel.selected:
                # (a man may also yield his unit's only place to keep the share reachable)
                allowed = ("unit_full", "region_full") + (("reserved_for_women",) if a.gender == "male" else ())
                assert sel.reasons[a.id].code in allowed, (a, b, sel.reasons[a.id])


@settings(max_examples=200, deadline=None)
@given(candidates_st, rules_st)
def test_the_list_is_full_when_there_are_enough_and_no_caps(cands, rules):
    rules = Rules(rules.slots, rules.women_min_share)
    eligible = [c for c in cands if c.eligible]
    sel = select(cands, rules)
    assert len(sel.selected) == min(rules.slots, len(eligible))
    women_available = sum(1 for c in eligible if c.gender == "female")
    assert sel.feasible == (women_available >= math.ceil(rules.women_min_share * rules.slots - 1e-9))


def test_a_worked_example_with_reasons():
    people = [Candidate("m1", "张伟", "male", "u1", "r1", 98), Candidate("m2", "李强", "male", "u2", "r1", 95),
              Candidate("m3", "王军", "male", "u3", "r1", 93), Candidate("w1", "刘芳", "female", "u1", "r2", 90),
              Candidate("w2", "陈静", "female", "u4", "r2", 85), Candidate("m4", "赵磊", "male", "u5", "r1", 99,
                                                                          False, "三年内已获奖")]
    sel = select(people, Rules(slots=4, women_min_share=0.5))
    assert sel.selected == ["m1", "m2", "w1", "w2"] and sel.feasible and sel.women_selected == 2
    assert sel.reasons["m3"].code == "reserved_for_women" and "50%" in sel.reasons["m3"].zh
    assert sel.reasons["w1"].code == "quota" and sel.reasons["m1"].code == "merit"
    assert sel.reasons["m4"].code == "ineligible" and "三年内已获奖" in sel.reasons["m4"].zh


def test_too_few_women_is_said_with_numbers():
    people = [Candidate(f"m{i}", f"男{i}", "male", f"u{i}", "r", 90 - i) for i in range(5)]
    people.append(Candidate("w", "女", "female", "u9", "r", 10))
    sel = select(people, Rules(slots=4, women_min_share=0.5))
    assert not sel.feasible and sel.women_selected == 1 and "w" in sel.selected
    assert "需要至少 2 名女性" in sel.problem_zh and "只有 1 名" in sel.problem_zh


def test_duplicate_candidates_are_refused():
    with pytest.raises(ValueError, match="候选人重复"):
        select([Candidate(1, "甲", "female"), Candidate(1, "乙", "male")], Rules(slots=1))
