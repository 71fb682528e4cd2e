"""Checking a nomination list against its round's rules: places, the per-unit and per-region caps, eligibility and
the minimum share of women. The computed draft keeps them by construction (quota.select); an organizer's adjustment
may not, so every adjustment, the start of the 公示 and the finalize run the list through ``breaches``.

A broken rule is a ``Breach``. Where the round allows it (``adjustments.override``), the organizer may keep a broken
list only with a written reason: that is an ``Override``, announced on the list, in the audit and on the notice.
"""
from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Hashable, Iterable, Sequence

from competitions.nominations.quota import FEMALE, Candidate, Rules

# the order rules are reported in: the list as a whole first, then per unit/region, then per person
CODES = ("places", "women_share", "unit_cap", "region_cap", "ineligible")
CODE_ZH = {"places": "名额", "women_share": "女性比例", "unit_cap": "每单位上限", "region_cap": "每地区上限",
           "ineligible": "推荐条件"}


@dataclass(frozen=True, slots=True)
class Breach:
    """One rule the list breaks. ``severity`` says how far (people over the places or a cap, women short, 1 for an
    ineligible person): a change that raises it breaks the rule further. ``public_*`` is what the notice may say
    (no scores, no private reasons)."""

    code: str  # places | women_share | unit_cap | region_cap | ineligible
    subject: str  # the unit, region or candidate key; "" for the list as a whole
    severity: int
    zh: str
    en: str
    public_zh: str
    public_en: str

    @property
    def key(self) -> tuple[str, str]:
        return self.code, self.subject


@dataclass(frozen=True, slots=True)
class Override:
    """An exception to a rule the round allows, with the organizer's written reason: it covers its breach up to the
    severity it was granted for (a list that breaks the rule further needs a new one)."""

    code: str
    subject: str
    severity: int
    zh: str
    en: str
    public_zh: str
    public_en: str
    reason: str
    actor: str
    at: datetime

    @property
    def key(self) -> tuple[str, str]:
        return self.code, self.subject

    @classmethod
    def granting(cls, breach: Breach, reason: str, actor: str, at: datetime) -> "Override":
        return cls(breach.code, breach.subject, breach.severity, breach.zh, breach.en, breach.public_zh,
                   breach.public_en, reason, actor, at)

    def as_record(self) -> dict:
        """What the audit keeps of it (the reason and actor are the audit row's own)."""
        return {"code": self.code, "subject": self.subject, "severity": self.severity, "zh": self.zh, "en": self.en,
                "public_zh": self.public_zh, "public_en": self.public_en}

    @classmethod
    def from_record(cls, record: dict, reason: str, actor: str, at: datetime) -> "Override":
        return cls(record["code"], record["subject"], int(record["severity"]), record["zh"], record["en"],
                   record["public_zh"], record["public_en"], reason, actor, at)


def _share(n: int, of: int) -> str:
    return f"{n / of:.0%}" if of else "0%"


def breaches(listed: Sequence[Candidate], rules: Rules) -> list[Breach]:
    """Every rule the list ``listed`` breaks, in a stable order (empty when it keeps them all)."""
    out: list[Breach] = []
    n = len(listed)
    if n > rules.slots:
        out.append(Breach("places", "", n - rules.slots,
                          f"名单列入 {n} 人，超过名额 {rules.slots} 名", f"{n} people listed for {rules.slots} places",
                          f"列入 {n} 人，超过名额 {rules.slots} 名", f"{n} listed for {rules.slots} places"))
    women = sum(1 for c in listed if c.gender == FEMALE)
    needed = math.ceil(rules.women_min_share * n - 1e-9)
    if women < needed:
        zh = (f"女性 {women} 名，占 {_share(women, n)}，低于最低比例 {rules.women_min_share:.0%}"
              f"（{n} 人的名单至少需要 {needed} 名女性）")
        en = (f"{women} women, {_share(women, n)} of the list, below the minimum share of "
              f"{rules.women_min_share:.0%} (a list of {n} needs at least {needed} women)")
        out.append(Breach("women_share", "", needed - women, zh, en, zh, en))
    for scope, cap, code, counted in (("单位", rules.max_per_unit, "unit_cap", Counter(c.unit for c in listed if c.unit)),
                                      ("地区", rules.max_per_region, "region_cap",
                                       Counter(c.region for c in listed if c.region))):
        if cap is None:
            continue
        scope_en = "unit" if code == "unit_cap" else "region"
        for where, count in sorted(counted.items()):
            if count > cap:
                zh = f"{where} 列入 {count} 人，超过每{scope}上限 {cap} 名"
                en = f"{where}: {count} listed, above the cap of {cap} per {scope_en}"
                out.append(Breach(code, where, count - cap, zh, en, zh, en))
    for c in listed:
        if not c.eligible:
            why_zh, _, why_en = (c.ineligible_reason or "见规则 / see the rules").partition(" / ")
            out.append(Breach("ineligible", str(c.id), 1, f"{c.name} 不符合推荐条件：{why_zh}",
                              f"{c.name} is not eligible: {why_en or why_zh}",
                              f"{c.name} 不符合本轮推荐条件", f"{c.name} does not meet the round's conditions"))
    return out


def worse(before: Iterable[Breach], after: Iterable[Breach]) -> list[Breach]:
    """The breaches of ``after`` that are new or more severe than in ``before``: what a change broke."""
    was = {b.key: b.severity for b in before}
    return [b for b in after if b.severity > was.get(b.key, 0)]


def covering(breach: Breach, overrides: Iterable[Override]) -> Override | None:
    """The latest override that covers ``breach`` (same rule and subject, granted for at least its severity)."""
    found = None
    for o in overrides:
        if o.key == breach.key and o.severity >= breach.severity:
            found = o
    return found


def uncovered(current: Iterable[Breach], overrides: Iterable[Override]) -> list[Breach]:
    overrides = tuple(overrides)
    return [b for b in current if covering(b, overrides) is None]


def announced(current: Iterable[Breach], overrides: Iterable[Override]) -> list[tuple[Breach, Override]]:
    """The exceptions the list carries now: each current breach with the override that allows it."""
    overrides = tuple(overrides)
    return [(b, o) for b in current if (o := covering(b, overrides)) is not None]


def listed_facts(keys: Iterable[Hashable], facts: dict) -> list[Candidate]:
    return [facts[k] for k in keys if k in facts]
