"""A survey's results with small groups suppressed, so that no one's answer can be told (seed clause 十一).

Every count the results publish is either 0, at least k (the minimum group size), or hidden. When a group (or a
whole question) has fewer than k respondents, its zeros are hidden too: "nobody in this group chose X" is her answer
when she is the group. Hiding the small counts is not enough: the tables also publish totals (a question's answers,
a group's respondents, an option's count over all groups, a region's count over its unions), and a single hidden
count in a line whose total is shown is the total minus the rest. So after the small counts (primary suppression),
more counts are hidden (complementary suppression) until every line holds no hidden count, or at least two whose
sum is at least k (and more than their number, so none is pinned to 1). A line whose total is hidden holds at least
two hidden counts (one among shown zeros would be everyone's answer), and the total is guarded in its own lines.
Lines are checked one by one (the attack a reader does with a calculator), not by solving all tables as one linear
system.

Free-text answers are never shown per group, and only when the survey has at least k respondents.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, Hashable, Iterable

from competitions.surveys.spec import Survey

UNKNOWN_GROUP = "未填写"
Cell = Hashable


@dataclass(frozen=True)
class Response:
    """One member's answers and her groups at answer time ({"region": "浙江省", ...})."""

    answers: dict[str, Any]
    groups: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Line:
    """Published cells whose sum is another published cell."""

    members: tuple[Cell, ...]
    total: Cell


def _line_safe(line: Line, values: dict[Cell, int], hidden: set[Cell], k: int) -> bool:
    shut = [c for c in line.members if c in hidden]
    if len(line.members) == 1:  # the member is the total: both shown or both hidden
        return (line.total in hidden) == bool(shut)
    if line.total in hidden:
        # Else the total is the sum of the members; and one hidden count among shown zeros is everyone's answer.
        return len(shut) >= 2  # (the total itself is guarded in its own lines)
    if not shut:
        return True
    mass = sum(values[c] for c in shut)
    return len(shut) >= 2 and mass >= k and mass > len(shut)


def protect(values: dict[Cell, int], lines: Iterable[Line], k: int, small: Iterable[Line] = ()) -> set[Cell]:
    """The cells to hide: every count from 1 to k-1, every member of a ``small`` line whose total is such a count
    (her group's zeros would tell what she did not answer), then complementary cells until every line is safe."""
    lines = list(lines)
    hidden = {c for c, v in values.items() if 0 < v < k}
    hidden |= {c for line in small if line.total in hidden for c in line.members}
    changed = True
    while changed:
        changed = False
        for line in lines:
            if _line_safe(line, values, hidden, k):
                continue
            open_members = [c for c in line.members if c not in hidden]
            # Hide the smallest count that helps (loses least); zeros only when nothing else is left, the total last.
            pick = sorted(open_members, key=lambda c: (values[c] == 0, values[c], str(c)))
            if pick or line.total not in hidden:
                hidden.add(pick[0] if pick else line.total)
                changed = True
    return hidden


# ---- the results -----------------------------------------------------------------------------------------------

@dataclass
class GroupRow:
    label: str
    answered: int | None  # None: hidden
    counts: list[int | None]


@dataclass
class Breakdown:
    key: str
    rows: list[GroupRow]


@dataclass
class QuestionResult:
    id: str
    text: str
    kind: str
    choices: list[str]
    answered: int | None
    counts: list[int | None] = field(default_factory=list)
    mean: float | None = None  # ratings, only when no count of the question is hidden (else it gives them away)
    texts: list[str] = field(default_factory=list)
    texts_withheld: bool = False
    breakdowns: list[Breakdown] = field(default_factory=list)


@dataclass
class SurveyResults:
    k: int
    respondents: int | None
    questions: list[QuestionResult]

    def published(self) -> list[int]:
        """Every count shown anywhere (for checks: none is between 1 and k-1)."""
        out = [self.respondents] if self.respondents is not None else []
        for q in self.questions:
            out += [q.answered] if q.answered is not None else []
            out += [c for c in q.counts if c is not None]
            for b in q.breakdowns:
                for r in b.rows:
                    out += [c for c in [r.answered, *r.counts] if c is not None]
        return out


def _chosen(q_kind: str, value: Any, choices: list[str]) -> list[int]:
    """Indexes of the choices an answer counts for."""
    if q_kind == "rating":
        return [int(value) - 1]
    if q_kind == "single":
        return [choices.index(value)] if value in choices else []
    return [choices.index(v) for v in value if v in choices]


def _nested(rows: list[Response], inner: str, outer: str) -> dict[str, str] | None:
    """inner group → outer group when every respondent's inner group lies in one outer group (a union in one
    region): then the outer counts are sums of inner ones, and those sums are lines a reader can use too."""
    seen: dict[str, str] = {}
    for r in rows:
        i, o = r.groups.get(inner, UNKNOWN_GROUP), r.groups.get(outer, UNKNOWN_GROUP)
        if seen.setdefault(i, o) != o:
            return None
    return seen


def _question(survey: Survey, qid: str, rows: list[Response], k: int, respondents: int) -> QuestionResult:
    q = survey.question(qid)
    assert q is not None
    answered = [r for r in rows if qid in r.answers]
    res = QuestionResult(q.id, q.text, q.kind, q.choices, None)
    if q.kind == "text":
        res.answered = len(answered) if not 0 < len(answered) < k else None
        res.texts_withheld = respondents < k
        res.texts = [] if res.texts_withheld else sorted(str(r.answers[qid]) for r in answered)  # no order to link
        return res
    n = len(q.choices)
    values: dict[Cell, int] = defaultdict(int)
    values["A"] = len(answered)
    lines: list[Line] = []
    if q.kind != "multiple":  # a multiple choice row does not add up to its respondents
        lines.append(Line(tuple(("O", i) for i in range(n)), "A"))
    groups: dict[str, list[str]] = {}
    for key in survey.breakdowns:
        labels = sorted({r.groups.get(key, UNKNOWN_GROUP) for r in answered})
        groups[key] = labels
        for g in labels:
            values[("G", key, g)] += 0
            if q.kind != "multiple":
                lines.append(Line(tuple(("B", key, g, i) for i in range(n)), ("G", key, g)))
        lines.append(Line(tuple(("G", key, g) for g in labels), "A"))
        for i in range(n):
            lines.append(Line(tuple(("B", key, g, i) for g in labels), ("O", i)))
    for r in answered:
        for i in _chosen(q.kind, r.answers[qid], q.choices):
            values[("O", i)] += 1
        for key in survey.breakdowns:
            g = r.groups.get(key, UNKNOWN_GROUP)
            values[("G", key, g)] += 1
            for i in _chosen(q.kind, r.answers[qid], q.choices):
                values[("B", key, g, i)] += 1
    for inner in survey.breakdowns:
        for outer in survey.breakdowns:
            mapping = _nested(answered, inner, outer) if inner != outer else None
            for o in sorted(set(mapping.values())) if mapping else []:
                members = [g for g, oo in mapping.items() if oo == o]
                lines.append(Line(tuple(("G", inner, g) for g in members), ("G", outer, o)))
                for i in range(n):
                    lines.append(Line(tuple(("B", inner, g, i) for g in members), ("B", outer, o, i)))
    for line in lines:
        for c in (*line.members, line.total):
            values[c] += 0
    small = [Line(tuple(("O", i) for i in range(n)), "A")] + [
        Line(tuple(("B", key, g, i) for i in range(n)), ("G", key, g)) for key in survey.breakdowns for g in groups[key]]
    hidden = protect(dict(values), lines, k, small)
    shown = lambda c: None if c in hidden else values[c]  # noqa: E731
    res.answered = shown("A")
    res.counts = [shown(("O", i)) for i in range(n)]
    if q.kind == "rating" and values["A"] and all(c is not None for c in res.counts) and res.answered is not None:
        res.mean = round(sum((i + 1) * values[("O", i)] for i in range(n)) / values["A"], 2)
    res.breakdowns = [Breakdown(key, [GroupRow(g, shown(("G", key, g)), [shown(("B", key, g, i)) for i in range(n)])
                                      for g in groups[key]]) for key in survey.breakdowns]
    return res


def aggregate(survey: Survey, rows: Iterable[Response], k: int) -> SurveyResults:
    """Tallies of every question, overall and per breakdown group, with small groups suppressed (k ≥ 2)."""
    if k < 2:
        raise ValueError("最小分组人数至少为 2 / the minimum group size is at least 2")
    rows = list(rows)
    respondents = len(rows)
    return SurveyResults(k, respondents if not 0 < respondents < k else None,
                         [_question(survey, q.id, rows, k, respondents) for q in survey.questions])
