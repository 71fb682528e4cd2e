"""An organizer's adjustments keep the round's rules: places, per-unit and per-region caps, eligibility, the women's
share. On plain data: the two cases of the finding, the override a round may allow, the Beijing-time refusal of an
early finalize, and properties over any sequence of adjustments (add, remove, swap, reorder) — no list reaches the
notice or the final stage breaking a rule unannounced. The rules are re-derived here from scratch (``oracle``), not
taken from competitions.nominations.listcheck, so the properties check the code against the rules as written."""
from __future__ import annotations

import math
from collections import Counter
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from competitions.nominations import procedure as p
from competitions.nominations.procedure import Entry, ProcedureError, RoundState
from competitions.nominations.quota import Candidate, Rules, select

T0 = datetime(2027, 3, 1, 9, tzinfo=timezone.utc)  # 17:00 in Beijing
REASON, EXCEPTION = "评审会议决定调整", "经工会常委会研究同意的例外"

settings.register_profile("nominations", deadline=None, max_examples=300,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("nominations")


def oracle(listed: list[Candidate], rules: Rules) -> set[tuple[str, str, int]]:
    """The round's rules, as the organizer guide states them: (rule, subject, how far it is broken)."""
    out = set()
    n = len(listed)
    if n > rules.slots:
        out.add(("places", "", n - rules.slots))
    women = sum(c.gender == "female" for c in listed)
    needed = math.ceil(rules.women_min_share * n - 1e-9)
    if women < needed:
        out.add(("women_share", "", needed - women))
    for code, cap, field in (("unit_cap", rules.max_per_unit, "unit"), ("region_cap", rules.max_per_region, "region")):
        for where, count in Counter(getattr(c, field) for c in listed).items():
            if cap is not None and count > cap:
                out.add((code, where, count - cap))
    out |= {("ineligible", str(c.id), 1) for c in listed if not c.eligible}
    return out


def listed_of(state: RoundState) -> list[Candidate]:
    return [state.facts[k] for k in state.listed]


def covered(state: RoundState) -> set[tuple[str, str, int]]:
    """The broken rules that carry an exception with a written reason."""
    return {(code, subject, sev) for code, subject, sev in oracle(listed_of(state), state.rules)
            if any(o.code == code and o.subject == subject and o.severity >= sev and len(o.reason.strip()) >= 4
                   for o in state.overrides)}


def review(candidates: list[Candidate], rules: Rules, listed: list[str], override: bool = False) -> RoundState:
    """A round in review, its list ``listed``, with the candidates' facts and the round's rules."""
    entries = [Entry(c.id, c.id in listed, "按成绩排序入选" if c.id in listed else "未入选") for c in candidates]
    state, _ = p.draft(entries, 5, "organizer", T0)
    state = replace(state, facts={c.id: c for c in candidates}, rules=rules, may_override=override)
    return p.start_review(state, "organizer", T0)[0]


def person(key: str, gender: str = "female", unit: str = "u1", eligible: bool = True, why: str = "") -> Candidate:
    return Candidate(key, f"姓名{key}", gender, unit, "浙江省", 90.0, eligible, why)


# ---- the two cases of the finding ----------------------------------------------------------------------------------

def four_places_half_women() -> tuple[list[Candidate], Rules]:
    people = [person("w1"), person("w2", unit="u2"), person("m1", "male", "u3"), person("m2", "male", "u4"),
              person("m3", "male", "u5")]
    return people, Rules(slots=4, women_min_share=0.5)


def test_a_fifth_person_on_four_places_at_40_percent_women_is_refused_with_both_reasons():
    people, rules = four_places_half_women()
    state = review(people, rules, ["w1", "w2", "m1", "m2"])
    with pytest.raises(ProcedureError) as refused:
        p.adjust(state, "organizer", "m3", True, REASON, T0)
    assert "名单列入 5 人，超过名额 4 名" in refused.value.zh and "5 people listed for 4 places" in refused.value.en
    assert "女性 2 名，占 40%，低于最低比例 50%" in refused.value.zh and "40% of the list" in refused.value.en
    # taking a man off for him is the same list size and share: allowed, in one step
    swapped, audit = p.swap(state, "organizer", "m1", "m3", REASON, T0)
    assert sorted(swapped.listed) == ["m2", "m3", "w1", "w2"] and [a.action for a in audit] == ["nomination.adjust"] * 2
    # taking a woman off for him breaks the share: refused
    with pytest.raises(ProcedureError, match="女性 1 名，占 25%"):
        p.swap(state, "organizer", "w1", "m3", REASON, T0)
    with pytest.raises(ProcedureError, match="姓名m2 已在名单上"):  # a person reads names, not keys
        p.swap(state, "organizer", "m1", "m2", REASON, T0)


def test_re_listing_a_person_who_already_received_the_award_is_refused():
    people = [person("a"), person("b", unit="u2"),
              person("c", unit="u3", eligible=False, why="2026 年已获此奖项 / received this award in 2026")]
    state = review(people, Rules(slots=3), ["a", "b"])
    with pytest.raises(ProcedureError) as refused:
        p.adjust(state, "organizer", "c", True, "第二轮评审决定重新列入", T0)
    assert "姓名c 不符合推荐条件：2026 年已获此奖项" in refused.value.zh
    assert "received this award in 2026" in refused.value.en


def test_where_the_round_allows_it_an_exception_needs_a_written_reason_and_is_announced():
    people, rules = four_places_half_women()
    state = review(people, rules, ["w1", "w2", "m1", "m2"], override=True)
    with pytest.raises(ProcedureError, match="本轮允许例外，但必须写明例外理由"):
        p.adjust(state, "organizer", "m3", True, REASON, T0, override_reason=" ")
    state, audit = p.adjust(state, "organizer", "m3", True, REASON, T0, override_reason=EXCEPTION)
    exceptions = [a for a in audit if a.action == "nomination.exception"]
    assert {a.after["code"] for a in exceptions} == {"places", "women_share"}
    assert all(a.reason == EXCEPTION and a.actor == "organizer" for a in exceptions)
    assert {b.code for b, o in state.exceptions()} == {"places", "women_share"}
    state, _ = p.start_notice(state, "organizer", T0)  # nothing unannounced: no further reason needed
    final, _ = p.finalize(state, "organizer", T0 + timedelta(days=6))
    assert final.stage == "final" and len(final.listed) == 5
    # breaking the rule further needs an exception of its own
    people.append(person("m4", "male", "u6"))
    state = review(people, rules, ["w1", "w2", "m1", "m2"], override=True)
    state, _ = p.adjust(state, "organizer", "m3", True, REASON, T0, override_reason=EXCEPTION)
    with pytest.raises(ProcedureError, match="列入 6 人"):
        p.adjust(state, "organizer", "m4", True, REASON, T0)


def test_a_broken_list_cannot_go_to_the_notice_or_become_final():
    people, rules = four_places_half_women()
    # a list broken before any adjustment (e.g. an infeasible draft): the notice refuses it with the reason
    state = review(people, rules, ["w1", "m1", "m2", "m3"])
    with pytest.raises(ProcedureError) as refused:
        p.start_notice(state, "organizer", T0)
    assert "名单违反本轮推荐规则，不能公示" in refused.value.zh and "女性 1 名，占 25%" in refused.value.zh
    # a step that makes it no worse is allowed; the list is fixed by taking men off
    state, _ = p.adjust(state, "organizer", "m3", False, REASON, T0)
    state, _ = p.adjust(state, "organizer", "m2", False, REASON, T0)
    state, _ = p.start_notice(state, "organizer", T0)
    # a list that somehow reaches the notice broken (rows edited by hand) cannot become final
    broken = replace(state, entries=tuple(replace(e, included=True) for e in state.entries))
    with pytest.raises(ProcedureError, match="不能定稿.*超过名额 4 名"):
        p.finalize(broken, "organizer", T0 + timedelta(days=6))


def test_an_early_finalize_says_when_the_notice_ends_in_beijing_time():
    state = review([person("a")], Rules(slots=1), ["a"])
    state, _ = p.start_notice(state, "organizer", T0)  # 5 days: ends 2027-03-06 09:00 UTC, 17:00 in Beijing
    with pytest.raises(ProcedureError) as early:
        p.finalize(state, "organizer", T0 + timedelta(days=1))
    assert early.value.zh == "公示期到 2027-03-06 17:00（北京时间） 才结束"
    assert early.value.en == "the notice runs until 2027-03-06 17:00 (Beijing time)"


# ---- properties over any sequence of adjustments -------------------------------------------------------------------

@st.composite
def rounds(draw):
    n = draw(st.integers(2, 9))
    people = [Candidate(f"c{i}", f"候选人{i}", draw(st.sampled_from(["female", "male"])),
                        draw(st.sampled_from(["u1", "u2", "u3"])), draw(st.sampled_from(["杭州", "宁波"])),
                        float(draw(st.integers(0, 100))), eligible := draw(st.booleans() | st.just(True)),
                        "" if eligible else "2026 年已获此奖项 / received this award in 2026") for i in range(n)]
    rules = Rules(draw(st.integers(1, 5)), draw(st.sampled_from([0.0, 0.3, 0.4, 0.5, 0.6])),
                  draw(st.none() | st.integers(1, 3)), draw(st.none() | st.integers(1, 4)))
    return people, rules, draw(st.booleans())


ops = st.lists(st.tuples(st.sampled_from(["add", "remove", "swap", "reorder"]), st.integers(0, 8), st.integers(0, 8),
                         st.booleans()), max_size=12)


def run(state: RoundState, steps) -> tuple[RoundState, list]:
    """Apply the steps as an organizer would try them; a refused one changes nothing."""
    audit = []
    keys = [e.candidate for e in state.entries]
    for op, i, j, with_reason in steps:
        a, b = keys[i % len(keys)], keys[j % len(keys)]
        override = EXCEPTION if with_reason else ""
        before = state
        try:
            if op == "reorder":  # the order of the rows is no rule: the same people, another order
                entries = sorted(state.entries, key=lambda e: (hash((e.candidate, i, j)), e.candidate))
                state = replace(state, entries=tuple(entries))
                assert oracle(listed_of(state), state.rules) == oracle(listed_of(before), before.rules)
                continue
            if op == "add":
                state, more = p.adjust(state, "organizer", a, True, REASON, T0, override_reason=override)
            elif op == "remove":
                state, more = p.adjust(state, "organizer", a, False, REASON, T0, override_reason=override)
            else:
                state, more = p.swap(state, "organizer", a, b, REASON, T0, override_reason=override)
        except ProcedureError as refused:
            assert refused.zh and refused.en  # every refusal says why, in both languages
            state = before
            continue
        audit += more
        # an accepted step breaks no rule further without an exception that says why
        was = {(code, subject): sev for code, subject, sev in oracle(listed_of(before), before.rules)}
        for code, subject, sev in oracle(listed_of(state), state.rules):
            if sev > was.get((code, subject), 0):
                assert (code, subject, sev) in covered(state), (code, subject, sev)
                assert state.may_override
    return state, audit


@given(rounds(), ops, st.booleans())
def test_no_sequence_of_adjustments_reaches_the_notice_or_the_final_list_breaking_a_rule_unannounced(
        round_, steps, reason_at_notice):
    people, rules, override = round_
    draft = select(people, rules)
    state = review(people, rules, [str(k) for k in draft.selected], override)
    state, audit = run(state, steps)
    try:
        state, more = p.start_notice(state, "organizer", T0, override_reason=EXCEPTION if reason_at_notice else "")
    except ProcedureError as refused:
        # refused only for a rule it names; the list stays in review
        assert oracle(listed_of(state), rules) - covered(state) and "不能公示" in refused.zh
        return
    audit += more
    final, more = p.finalize(state, "organizer", T0 + timedelta(days=6))
    audit += more
    broken = oracle(listed_of(final), rules)
    if not override:
        assert broken == set()  # a round without overrides never lists a broken list
    assert broken == covered(final)  # every broken rule carries an exception with its written reason ...
    announced = {(a.after["code"], a.after["subject"]) for a in audit if a.action == "nomination.exception"}
    assert {(code, subject) for code, subject, _ in broken} <= announced  # ... in the audit ...
    assert {(b.code, b.subject, b.severity) for b, _ in final.exceptions()} == broken  # ... and on the list/notice


@given(rounds())
def test_a_feasible_draft_keeps_every_rule(round_):
    people, rules, _ = round_
    draft = select(people, rules)
    if draft.feasible:
        by_id = {c.id: c for c in people}
        assert oracle([by_id[k] for k in draft.selected], rules) == set()


def test_the_notice_names_no_unit_of_an_exception_when_the_round_does_not_publish_units():
    from competitions.nominations import load_round
    from competitions.nominations.listcheck import breaches
    from competitions.nominations.privacy import public_exception

    text = "slug: r-2027\ntitle: 2027 年推荐\naward: may_day_women\nyear: 2027\nsources: [{kind: studio_achievements}]\n"
    over = breaches([person("a", unit="宁波某港口物流公司工会"), person("b", unit="宁波某港口物流公司工会")],
                    Rules(slots=3, max_per_unit=1))
    [cap] = over
    shown = load_round(text + "quota: {slots: 3, max_per_unit: 1}\n")
    hidden = load_round(text + "quota: {slots: 3, max_per_unit: 1}\nprivacy: {public_fields: [name, achievement]}\n")
    assert "宁波某港口物流公司工会" in public_exception(shown, cap)[0]
    zh, en = public_exception(hidden, cap)
    assert "宁波" not in zh + en and "超过每单位上限 1 人" in zh
