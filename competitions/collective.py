"""The collective board by union unit, and live participation counts for organizers."""
from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Literal

from competitions.model import Board, Member, MemberId


@dataclass(frozen=True, slots=True)
class UnitRow:
    rank: int
    unit: str
    eligible: int  # eligible members of the unit
    competitors: int  # of them, how many took part
    participation: float | None  # competitors / eligible (None when nobody is eligible)
    on_board: int  # competitors with a score on the board
    mean_total: float | None  # mean of their totals
    in_top: int  # how many are in the board's top N
    best_rank: int | None


def unit_at(member: Member, level: int | None) -> str:
    """Her unit at a depth of the hierarchy (0 = province); None = her own (grassroots) union."""
    if level is None or level >= len(member.units):
        return member.unit
    return member.units[level]


def collective_board(board: Board, members: Mapping[MemberId, Member], eligible: Mapping[str, int], *,
                     competitors: Iterable[MemberId] | None = None, top_n: int = 10, level: int | None = None,
                     order: Literal["participation", "mean_total"] = "participation") -> list[UnitRow]:
    """One row per unit. ``eligible`` counts eligible members per unit code (at the same ``level``);
    ``competitors`` are those who took part (default: those on the board). Ordered by participation
    (or mean total) with the other as tie-break; equal on both share a rank."""
    rows_by_unit = defaultdict(list)
    for row in board.rows:
        if row.member in members:
            rows_by_unit[unit_at(members[row.member], level)].append(row)
    taking_part = Counter(unit_at(members[m], level) for m in
                          (set(competitors) if competitors is not None else {r.member for r in board.rows})
                          if m in members)
    units = set(eligible) | set(taking_part) | set(rows_by_unit)
    out = []
    for unit in units:
        rows, n, pool = rows_by_unit.get(unit, []), taking_part.get(unit, 0), eligible.get(unit, 0)
        out.append(UnitRow(0, unit, pool, n, n / pool if pool else None, len(rows),
                           round(sum(r.total for r in rows) / len(rows), 9) if rows else None,
                           sum(r.rank <= top_n for r in rows), min((r.rank for r in rows), default=None)))

    def key(u: UnitRow) -> tuple:
        rate, mean = -(u.participation or 0.0), -(u.mean_total if u.mean_total is not None else float("-inf"))
        return (rate, mean) if order == "participation" else (mean, rate)

    out.sort(key=lambda u: (key(u), u.unit))
    ranked, prev, rank = [], None, 0
    for i, u in enumerate(out):
        if key(u) != prev:
            rank, prev = i + 1, key(u)
        ranked.append(replace(u, rank=rank))
    return ranked


def participation(members: Iterable[Member], by: Literal["region", "industry", "employment_form", "new_form", "unit"],
                  competitors: Iterable[MemberId] | None = None) -> dict[str, tuple[int, int]]:
    """For organizers watching live: value → (members, of whom competing), e.g. by region."""
    taking_part = set(competitors or ())
    out: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for m in members:
        value = str(getattr(m, by))
        out[value][0] += 1
        out[value][1] += m.id in taking_part
    return {k: (v[0], v[1]) for k, v in sorted(out.items())}
