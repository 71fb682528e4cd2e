"""What public pages (the 公示 anyone may read, the showcase) show of a listed person: name, unit and achievement,
as the round's ``privacy.public_fields`` says, and never a score. The platform writes achievement lines without
scores; lines kept from before (or an outside file's 主要事迹) may still hold one, so the public line drops every
clause that states points ("成绩 100.0 分", "平均成绩 87.5 分") while the organizer's pages keep the text whole."""
from __future__ import annotations

import re
from dataclasses import dataclass

from competitions.nominations.listcheck import Breach
from competitions.nominations.spec import PUBLIC_FIELDS, NominationRound

_POINTS = re.compile(r"\d+(?:\.\d+)?\s*分(?![公局厂行店院部队社站])")  # "95 分", not "3 分公司"
_CLAUSES = re.compile(r"([；;。，,])")


def public_achievement(text: str) -> str:
    """The achievement without any clause stating points; clauses are split at Chinese or Western punctuation."""
    if not _POINTS.search(text):
        return text
    parts = _CLAUSES.split(text)
    kept: list[str] = []
    for i in range(0, len(parts), 2):
        clause, sep = parts[i], parts[i + 1] if i + 1 < len(parts) else ""
        if clause.strip() and not _POINTS.search(clause):
            kept.append(clause + sep)
    return "".join(kept).rstrip("；;，,")


@dataclass(frozen=True, slots=True)
class PublicLine:
    """One listed person as a public page shows her: a field the round does not publish is ''."""

    name: str
    unit: str
    achievement: str


def public_line(spec: NominationRound | None, name: str, unit: str, achievement: str) -> PublicLine:
    fields = set(spec.privacy.public_fields) if spec is not None else set(PUBLIC_FIELDS)
    return PublicLine(name, unit if "unit" in fields else "",
                      public_achievement(achievement) if "achievement" in fields else "")


def public_exception(spec: NominationRound | None, breach: Breach) -> tuple[str, str]:
    """What the notice says of a rule the list breaks by exception (zh, en): a unit or region the round does not
    publish is not named."""
    fields = set(spec.privacy.public_fields) if spec is not None else set(PUBLIC_FIELDS)
    if breach.code in ("unit_cap", "region_cap") and "unit" not in fields:
        scope_zh, scope_en = ("单位", "unit") if breach.code == "unit_cap" else ("地区", "region")
        return (f"一个{scope_zh}列入人数超过每{scope_zh}上限 {breach.severity} 人",
                f"one {scope_en} lists {breach.severity} more than its cap")
    return breach.public_zh, breach.public_en
