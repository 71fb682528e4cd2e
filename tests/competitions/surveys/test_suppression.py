"""Results with small groups suppressed, checked as a reader with a calculator would attack them: for any answers
and any minimum group size k, no published count lies between 1 and k-1, every published count is the true one,
and no hidden count can be worked out by subtracting the shown counts of a line from its shown total (the line of a
question, a group's row, an option's column over the groups, the groups over the question's total, and the unions
inside a region)."""
from __future__ import annotations

from collections import Counter

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from competitions.surveys.results import Line, Response, SurveyResults, aggregate, protect
from competitions.surveys.spec import load_survey

SURVEY = load_survey("""
slug: s-test
title: 测试问卷
breakdowns: [region, unit, industry]
questions:
  - {id: rate, kind: rating, text: 满意度, required: false}
  - {id: pick, kind: single, text: 班次, options: [白班, 夜班, 轮班]}
  - {id: many, kind: multiple, text: 服务, options: [托育, 法律, 培训]}
  - {id: say, kind: text, text: 建议, required: false}
""")
REGION_OF = {"u1": "A", "u2": "A", "u3": "B", "u4": "B", "u5": "C"}  # each union lies in one region


@st.composite
def responses(draw) -> list[Response]:
    out = []
    for _ in range(draw(st.integers(0, 45))):
        unit = draw(st.sampled_from(sorted(REGION_OF)))
        answers = {"pick": draw(st.sampled_from(["白班", "夜班", "轮班"])),
                   "many": draw(st.lists(st.sampled_from(["托育", "法律", "培训"]), unique=True))}
        if draw(st.booleans()):
            answers["rate"] = draw(st.integers(1, 5))
        if draw(st.booleans()):
            answers["say"] = draw(st.sampled_from(["多些培训", "托育", "无"]))
        out.append(Response(answers, {"region": REGION_OF[unit], "unit": unit,
                                      "industry": draw(st.sampled_from(["制造", "物流"]))}))
    return out


def chosen(q, value) -> list[str]:
    if q.kind == "rating":
        return [q.choices[value - 1]]
    return [value] if q.kind == "single" else list(value)


def truth(rows: list[Response]):
    """Counts computed the plain way: (question, key or None, group or None, choice or None) → count."""
    c: Counter = Counter()
    for r in rows:
        for q in SURVEY.questions:
            if q.id not in r.answers:
                continue
            c[(q.id, None, None, None)] += 1
            for key in [None, *SURVEY.breakdowns]:
                group = r.groups[key] if key else None
                if key:
                    c[(q.id, key, group, None)] += 1
                for ch in chosen(q, r.answers[q.id]) if q.kind != "text" else []:
                    c[(q.id, key, group, ch)] += 1
    return c


def hidden_cells_with_truth(res: SurveyResults, c: Counter):
    """Each line again, its members paired with their true counts, for the check on what is hidden."""
    for q in res.questions:
        if q.kind == "text":
            continue
        overall = [(q.counts[i], c[(q.id, None, None, ch)]) for i, ch in enumerate(q.choices)]
        if q.kind != "multiple":
            yield overall, q.answered
        for b in q.breakdowns:
            yield [(r.answered, c[(q.id, b.key, r.label, None)]) for r in b.rows], q.answered
            if b.key == "unit":  # the unions of a region add up to the region
                for region in {r.label: r for bb in q.breakdowns if bb.key == "region" for r in bb.rows}.values():
                    yield ([(r.answered, c[(q.id, "unit", r.label, None)]) for r in b.rows
                            if REGION_OF[r.label] == region.label], region.answered)
            for i, ch in enumerate(q.choices):
                yield [(r.counts[i], c[(q.id, b.key, r.label, ch)]) for r in b.rows], q.counts[i]
                if b.key == "unit":
                    for region in set(REGION_OF.values()):
                        region_row = [r for bb in q.breakdowns if bb.key == "region" for r in bb.rows
                                      if r.label == region]
                        if region_row:
                            yield ([(r.counts[i], c[(q.id, "unit", r.label, ch)]) for r in b.rows
                                    if REGION_OF[r.label] == region], region_row[0].counts[i])
            if q.kind != "multiple":
                for r in b.rows:
                    yield [(v, c[(q.id, b.key, r.label, ch)]) for v, ch in zip(r.counts, q.choices)], r.answered


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=responses(), k=st.integers(2, 7))
def test_no_small_count_is_published_and_every_shown_count_is_true(rows, k):
    res = aggregate(SURVEY, rows, k)
    assert all(n == 0 or n >= k for n in res.published())
    c = truth(rows)
    assert res.respondents in (None, len(rows))
    for q in res.questions:
        assert q.answered in (None, c[(q.id, None, None, None)])
        for ch, n in zip(q.choices, q.counts):
            assert n in (None, c[(q.id, None, None, ch)])
        for b in q.breakdowns:
            assert [r.label for r in b.rows] == sorted({r.groups[b.key] for r in rows if q.id in r.answers})
            for r in b.rows:
                assert r.answered in (None, c[(q.id, b.key, r.label, None)])
                for ch, n in zip(q.choices, r.counts):
                    assert n in (None, c[(q.id, b.key, r.label, ch)])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=responses(), k=st.integers(2, 7))
def test_no_hidden_count_can_be_worked_out_from_a_shown_total(rows, k):
    res = aggregate(SURVEY, rows, k)
    for members, total in hidden_cells_with_truth(res, truth(rows)):
        hidden = [true for shown, true in members if shown is None]
        if total is None and len(members) == 1:
            assert hidden, "a line of one count shows its total"
        elif total is None:
            # the total is hidden too: two members must be, else it is the sum of the rest, or (among zeros) one
            # hidden count is everyone's answer
            assert len(hidden) >= 2
        elif hidden:
            assert len(hidden) >= 2, "one hidden count in a line with a shown total is total minus the rest"
            assert sum(hidden) >= k and sum(hidden) > len(hidden), "the hidden counts together must not pin one"


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=responses(), k=st.integers(2, 7))
def test_a_group_of_fewer_than_k_shows_nothing_not_even_its_zeros(rows, k):
    res = aggregate(SURVEY, rows, k)
    c = truth(rows)
    for q in res.questions:
        if 0 < c[(q.id, None, None, None)] < k:
            assert q.answered is None and set(q.counts) <= {None}
        for b in q.breakdowns:
            for r in b.rows:
                if c[(q.id, b.key, r.label, None)] < k:
                    assert r.answered is None and set(r.counts) == {None}, (q.id, b.key, r)


@settings(max_examples=80, deadline=None)
@given(rows=responses(), k=st.integers(2, 7))
def test_free_text_only_overall_and_only_with_k_respondents_and_means_only_when_nothing_is_hidden(rows, k):
    res = aggregate(SURVEY, rows, k)
    say = next(q for q in res.questions if q.id == "say")
    assert say.breakdowns == []
    if len(rows) < k:
        assert say.texts_withheld and say.texts == []
    else:
        assert sorted(r.answers["say"] for r in rows if "say" in r.answers) == say.texts
    rate = next(q for q in res.questions if q.id == "rate")
    if rate.mean is not None:
        assert None not in rate.counts
        answered = [r.answers["rate"] for r in rows if "rate" in r.answers]
        assert rate.mean == round(sum(answered) / len(answered), 2)


def test_a_small_region_hides_its_row_and_the_next_smallest_with_it():
    """7 in Zhejiang, 5 in Guangdong, 2 in Beijing: Beijing is hidden, and Guangdong with it (else 14 - 7 = 7
    would leave 2 for Beijing)."""
    rows = ([Response({"pick": "白班", "many": []}, {"region": "浙江", "unit": "u1", "industry": "制造"})] * 7
            + [Response({"pick": "夜班", "many": []}, {"region": "广东", "unit": "u3", "industry": "制造"})] * 5
            + [Response({"pick": "白班", "many": []}, {"region": "北京", "unit": "u5", "industry": "制造"})] * 2)
    res = aggregate(SURVEY, rows, 5)
    region = {r.label: r.answered for q in res.questions if q.id == "pick"
              for b in q.breakdowns if b.key == "region" for r in b.rows}
    assert region == {"浙江": 7, "广东": None, "北京": None}
    assert res.respondents == 14


def test_protect_adds_the_total_when_a_line_has_nothing_else_to_hide():
    values = {"a": 3, "t": 3}
    assert protect(values, [Line(("a",), "t")], 5) == {"a", "t"}
    assert protect({"a": 0, "b": 9, "t": 9}, [Line(("a", "b"), "t")], 5) == set()
