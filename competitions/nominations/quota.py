"""Selecting a nomination list by merit, within per-unit and per-region caps, with a guaranteed minimum share of
women (seed clause 四: 在全国五一劳动奖章等评选表彰中重视并保障女职工比例). Every candidate gets the reason she
or he is on the list or not; when the share cannot be reached, the result says so and why."""
from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from typing import Hashable

FEMALE = "female"


@dataclass(frozen=True, slots=True)
class Candidate:
    id: Hashable
    name: str
    gender: str  # "female" | "male"
    unit: str = ""
    region: str = ""
    merit: float = 0.0  # higher is better
    eligible: bool = True
    ineligible_reason: str = ""  # zh / en, when not eligible


@dataclass(frozen=True, slots=True)
class Rules:
    slots: int
    women_min_share: float = 0.0
    max_per_unit: int | None = None
    max_per_region: int | None = None


@dataclass(frozen=True, slots=True)
class Reason:
    selected: bool
    code: str  # merit | quota | ineligible | unit_full | region_full | reserved_for_women | below_line
    zh: str
    en: str


@dataclass
class Selection:
    selected: list[Hashable]
    reasons: dict[Hashable, Reason]
    women_required: int
    women_selected: int
    feasible: bool
    problem_zh: str = ""
    problem_en: str = ""
    order: list[Hashable] = field(default_factory=list)  # merit order of the eligible


def _merit_order(candidates: list[Candidate]) -> list[Candidate]:
    # higher merit first; a stable, visible tie-break: the order they were given in (e.g. earlier result)
    return sorted(candidates, key=lambda c: -c.merit)


class _Caps:
    def __init__(self, rules: Rules):
        self.rules, self.units, self.regions = rules, Counter(), Counter()

    def blocked(self, c: Candidate) -> str | None:
        if self.rules.max_per_unit is not None and c.unit and self.units[c.unit] >= self.rules.max_per_unit:
            return "unit_full"
        if self.rules.max_per_region is not None and c.region and self.regions[c.region] >= self.rules.max_per_region:
            return "region_full"
        return None

    def take(self, c: Candidate) -> None:
        self.units[c.unit] += 1
        self.regions[c.region] += 1

    def copy(self) -> "_Caps":
        other = _Caps(self.rules)
        other.units, other.regions = self.units.copy(), self.regions.copy()
        return other


def _women_reachable(women: list[Candidate], caps: _Caps, limit: int) -> int:
    """How many of ``women`` (merit order) can still be taken under the caps, up to ``limit``."""
    caps, n = caps.copy(), 0
    for w in women:
        if n >= limit:
            break
        if caps.blocked(w) is None:
            caps.take(w)
            n += 1
    return n


def select(candidates: list[Candidate], rules: Rules) -> Selection:
    """The list: merit order, caps, and at least ``ceil(women_min_share × slots)`` women where that is feasible."""
    ids = [c.id for c in candidates]
    if len(set(ids)) != len(ids):
        dup = sorted({str(i) for i in ids if ids.count(i) > 1})
        raise ValueError(f"候选人重复：{', '.join(dup)} / duplicate candidates: {', '.join(dup)}")
    reasons: dict[Hashable, Reason] = {}
    for c in candidates:
        if not c.eligible:
            reasons[c.id] = Reason(False, "ineligible", f"不符合推荐条件：{c.ineligible_reason or '见规则'}",
                                   f"not eligible: {c.ineligible_reason or 'see the rules'}")
    pool = _merit_order([c for c in candidates if c.eligible])
    required = math.ceil(rules.women_min_share * rules.slots - 1e-9)
    reachable = _women_reachable([c for c in pool if c.gender == FEMALE], _Caps(rules), rules.slots)
    feasible = reachable >= required
    target = min(required, reachable)
    caps, chosen, women = _Caps(rules), [], 0
    quota_used = False
    for i, c in enumerate(pool):
        left = rules.slots - len(chosen)
        if left == 0:
            reasons[c.id] = Reason(False, "below_line", f"名额已满（共 {rules.slots} 名）", f"all {rules.slots} places taken")
            continue
        why = caps.blocked(c)
        if why:
            scope_zh, scope_en = ("本单位", "unit") if why == "unit_full" else ("本地区", "region")
            cap = rules.max_per_unit if why == "unit_full" else rules.max_per_region
            reasons[c.id] = Reason(False, why, f"{scope_zh}名额（{cap} 名）已满", f"the {scope_en}'s {cap} place(s) are taken")
            continue
        if c.gender != FEMALE and women < target:
            after = caps.copy()
            after.take(c)
            rest = [w for w in pool[i + 1:] if w.gender == FEMALE]
            if left - 1 < target - women or _women_reachable(rest, after, left - 1) < target - women:
                quota_used = True
                reasons[c.id] = Reason(False, "reserved_for_women",
                                       f"剩余名额需保证女性不少于 {required} 名（比例 {rules.women_min_share:.0%}）",
                                       f"the remaining places keep at least {required} women "
                                       f"({rules.women_min_share:.0%})")
                continue
        caps.take(c)
        chosen.append(c.id)
        if c.gender == FEMALE:
            women += 1
        by_quota = c.gender == FEMALE and quota_used
        reasons[c.id] = (Reason(True, "quota", f"按成绩排序并为保证女性比例入选（第 {len(chosen)} 名）",
                                f"selected in merit order to keep the women's share (place {len(chosen)})")
                         if by_quota else
                         Reason(True, "merit", f"按成绩排序入选（第 {len(chosen)} 名）", f"selected on merit (place {len(chosen)})"))
    problem_zh = problem_en = ""
    if not feasible:
        problem_zh = (f"女性比例无法达到：需要至少 {required} 名女性，但符合条件且不超单位/地区名额的女性只有 {reachable} 名；"
                      "请扩大推荐范围或补充女性候选人")
        problem_en = (f"the women's share cannot be reached: at least {required} women are needed but only {reachable} "
                      "eligible women fit within the unit/region caps; widen the round or add women candidates")
    return Selection(chosen, reasons, required, women, feasible, problem_zh, problem_en, [c.id for c in pool])
