"""Boards computed from scratch: the reference the incremental Leaderboard must always agree with.

Her standing in a phase: for every task the submission that counts (best score, earliest among equal
ones; or her last), the total (a sum, or weighted), when she reached it, how many submissions she made.
Boards order by total, then the tie-breaks in the spec's order; only competitors equal on all of those
share a rank (1, 2, 2, 4). The member id orders rows within a true tie, so a board is a total order.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping
from datetime import datetime

from competitions.divisions import divisions_of
from competitions.model import (
    GRADED,
    Board,
    BoardRow,
    Kind,
    Member,
    MemberId,
    ScoreRecord,
    Standing,
    counts_as_submission,
)
from competitions.spec import OVERALL, Competition, Phase


def counts_on_board(record: ScoreRecord, phase: Phase, cutoff: datetime | None) -> bool:
    """Is this record part of the phase's board at all (its phase, its tasks, its window, the cutoff)?"""
    return (record.phase == phase.key and phase.task(record.task) is not None
            and phase.opens_at <= record.submitted_at < phase.closes_at
            and (cutoff is None or record.submitted_at < cutoff))


def _pick(records: list[ScoreRecord], kind: Kind, counts: str) -> ScoreRecord | None:
    graded = [r for r in records if r.status == GRADED and r.score(kind) is not None]
    if not graded:
        return None
    if counts == "best":  # the best score; the earliest among equal ones
        return min(graded, key=lambda r: (-r.score(kind), r.submitted_at))
    return max(graded, key=lambda r: (r.submitted_at, r.score(kind)))  # the last one


def standing(spec: Competition, phase: Phase, records: Iterable[ScoreRecord], kind: Kind,
             cutoff: datetime | None = None) -> Standing | None:
    """One competitor's standing from her records (records of others must not be passed)."""
    by_task: dict[str, list[ScoreRecord]] = defaultdict(list)
    member, submissions = None, 0
    for r in records:
        if counts_on_board(r, phase, cutoff):
            by_task[r.task].append(r)
            member = r.member
            submissions += counts_as_submission(r.status)
    scores: dict[str, float] = {}
    total, reached = 0.0, None
    for task in phase.tasks:  # phase order, so the float sum is the same however records arrive
        chosen = _pick(by_task.get(task.assignment, []), kind, spec.scoring.counts)
        if chosen is None:
            continue
        score = chosen.score(kind)
        scores[task.assignment] = score
        total += score if spec.scoring.method == "sum" else task.weight * score / task.max_score
        reached = chosen.submitted_at if reached is None else max(reached, chosen.submitted_at)
    if reached is None:
        return None
    return Standing(member, round(total, 9), reached, submissions, scores)


def rank_key(spec: Competition, s: Standing) -> tuple:
    """Smaller is better; two standings with equal keys are truly tied."""
    key: list = [-s.total]
    for rule in spec.scoring.tie_breaks:
        key.append(s.reached_at if rule == "earliest" else s.submissions)
    return tuple(key)


def rank_rows(spec: Competition, standings: Iterable[Standing]) -> list[BoardRow]:
    ordered = sorted(((rank_key(spec, s), s) for s in standings), key=lambda ks: (ks[0], ks[1].member))
    rows, prev, rank = [], None, 0
    for i, (key, s) in enumerate(ordered):
        if key != prev:
            rank, prev = i + 1, key
        rows.append(BoardRow(rank, s.member, s.total, s.reached_at, s.submissions, s.scores))
    return rows


def standings(spec: Competition, phase: Phase, records: Iterable[ScoreRecord], kind: Kind,
              cutoff: datetime | None = None, disqualified: Collection[MemberId] = ()) -> list[Standing]:
    by_member: dict[MemberId, list[ScoreRecord]] = defaultdict(list)
    disqualified = set(disqualified)
    for r in records:
        if r.member not in disqualified:
            by_member[r.member].append(r)
    out = (standing(spec, phase, rs, kind, cutoff) for rs in by_member.values())
    return [s for s in out if s is not None]


def compute_boards(spec: Competition, phase_key: str, records: Iterable[ScoreRecord],
                   members: Mapping[MemberId, Member] | None = None, *, kind: Kind = "public",
                   cutoff: datetime | None = None, disqualified: Collection[MemberId] = ()) -> dict[str, Board]:
    """Every board of a phase: overall, and each division someone is in (members without a known
    profile are on the overall board only)."""
    phase = spec.phase(phase_key)
    groups: dict[str, list[Standing]] = defaultdict(list)
    for s in standings(spec, phase, records, kind, cutoff, disqualified):
        member = (members or {}).get(s.member)
        for key in divisions_of(member, spec) if member else (OVERALL,):
            groups[key].append(s)
    groups.setdefault(OVERALL, [])
    return {key: Board(phase_key, kind, key, cutoff, rank_rows(spec, group)) for key, group in groups.items()}


def compute_board(spec: Competition, phase_key: str, records: Iterable[ScoreRecord],
                  members: Mapping[MemberId, Member] | None = None, *, kind: Kind = "public",
                  division: str = OVERALL, cutoff: datetime | None = None,
                  disqualified: Collection[MemberId] = ()) -> Board:
    """One board of a phase, computed from all its records."""
    boards = compute_boards(spec, phase_key, records, members, kind=kind, cutoff=cutoff, disqualified=disqualified)
    return boards.get(division) or Board(phase_key, kind, division, cutoff, [])


def advancing(board: Board, top: int) -> list[MemberId]:
    """Who goes on to a phase with ``entry: {top: N}``: rank N or better, so a tie at N all advance."""
    return [row.member for row in board.rows if row.rank <= top]
