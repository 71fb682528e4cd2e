"""The board the hub keeps hot in memory: one phase, one kind (public or private), every division.

A new score touches only its competitor: her standing is recomputed from her own records (a handful)
and her entry moves in each sorted board she is on, O(log n) with ``sortedcontainers``. A page or
"my rank" is a bisection plus a slice, O(log n + k). It gives exactly the boards of
``ranking.compute_boards`` (a property test holds it to that). Not thread-safe: the hub's single
tornado loop owns it.
"""
from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from datetime import datetime

from sortedcontainers import SortedList

from competitions.divisions import divisions_of
from competitions.model import Board, BoardRow, Kind, Member, MemberId, ScoreRecord, Standing
from competitions.ranking import rank_key, standing
from competitions.spec import OVERALL, Competition


class Leaderboard:
    def __init__(self, spec: Competition, phase_key: str, *, kind: Kind = "public",
                 cutoff: datetime | None = None, members: Mapping[MemberId, Member] | None = None,
                 records: Iterable[ScoreRecord] = (), disqualified: Iterable[MemberId] = ()) -> None:
        self.spec, self.phase, self.kind, self.cutoff = spec, spec.phase(phase_key), kind, cutoff
        self.version = 0  # bumped on every change; the hub may use it to cache pages
        self._members: dict[MemberId, Member] = dict(members or {})
        self._disqualified: set[MemberId] = set(disqualified)
        self._records: dict[MemberId, dict[Hashable, ScoreRecord]] = {}
        self._owner: dict[Hashable, MemberId] = {}  # record key → member, so an id is one submission
        self._standing: dict[MemberId, Standing] = {}
        self._entry: dict[MemberId, tuple] = {}  # (rank key, member) as stored in the sorted boards
        self._on: dict[MemberId, tuple[str, ...]] = {}  # boards she is on now
        self._boards: dict[str, SortedList] = {OVERALL: SortedList()}
        self.add_many(records)

    # -- updates ---------------------------------------------------------------------------------
    def add(self, record: ScoreRecord) -> bool:
        """A new or rescored result (same ``id`` replaces). False when it is not for this phase."""
        if record.phase != self.phase.key:
            return False
        for member in self._store(record):
            self._refresh(member)
        return True

    def add_many(self, records: Iterable[ScoreRecord]) -> None:
        touched = set()
        for r in records:
            if r.phase == self.phase.key:
                touched.update(self._store(r))
        for member in touched:
            self._refresh(member)

    def _store(self, record: ScoreRecord) -> tuple[MemberId, ...]:
        """Keep the record; the members whose standing it changes (two if it changed hands)."""
        before = self._owner.get(record.key)
        if before is not None and before != record.member:
            del self._records[before][record.key]
        self._owner[record.key] = record.member
        self._records.setdefault(record.member, {})[record.key] = record
        return (record.member,) if before is None or before == record.member else (before, record.member)

    def set_member(self, member: Member) -> None:
        """Her profile arrived or changed (region, industry...): she moves to the boards it implies."""
        self._members[member.id] = member
        self._refresh(member.id)

    def disqualify(self, member_id: MemberId) -> None:
        self._disqualified.add(member_id)
        self._refresh(member_id)

    def reinstate(self, member_id: MemberId) -> None:
        self._disqualified.discard(member_id)
        self._refresh(member_id)

    def set_cutoff(self, cutoff: datetime | None) -> None:
        """Freeze (or unfreeze) the board: rebuilt once from the records it holds."""
        self.cutoff = cutoff
        for member in list(self._records):
            self._refresh(member)

    def _refresh(self, member_id: MemberId) -> None:
        old = self._entry.pop(member_id, None)
        if old is not None:
            for key in self._on.pop(member_id):
                self._boards[key].remove(old)
            del self._standing[member_id]
        if member_id in self._disqualified:
            self.version += 1
            return
        s = standing(self.spec, self.phase, self._records.get(member_id, {}).values(), self.kind, self.cutoff)
        if s is not None:
            entry = (rank_key(self.spec, s), member_id)
            member = self._members.get(member_id)
            on = divisions_of(member, self.spec) if member else (OVERALL,)
            for key in on:
                board = self._boards.get(key)
                if board is None:
                    board = self._boards[key] = SortedList()
                board.add(entry)
            self._standing[member_id], self._entry[member_id], self._on[member_id] = s, entry, on
        self.version += 1

    # -- queries ---------------------------------------------------------------------------------
    def member(self, member_id: MemberId) -> Member | None:
        """Her profile as the board knows it (for names on public rows)."""
        return self._members.get(member_id)

    def divisions(self) -> list[str]:
        """The boards with someone on them, overall first."""
        return [OVERALL] + sorted(k for k, b in self._boards.items() if k != OVERALL and b)

    def size(self, division: str = OVERALL) -> int:
        board = self._boards.get(division)
        return len(board) if board else 0

    def _rank(self, board: SortedList, entry: tuple) -> int:
        return board.bisect_left((entry[0],)) + 1  # first entry with an equal key: (k,) < (k, member)

    def _row(self, rank: int, member_id: MemberId) -> BoardRow:
        s = self._standing[member_id]
        return BoardRow(rank, member_id, s.total, s.reached_at, s.submissions, s.scores)

    def page(self, division: str = OVERALL, offset: int = 0, limit: int = 50) -> list[BoardRow]:
        board = self._boards.get(division)
        if not board or offset >= len(board) or limit <= 0:
            return []
        rows, prev, rank = [], None, 0
        for i, entry in enumerate(board.islice(max(0, offset), max(0, offset) + limit)):
            if prev is None:
                rank = self._rank(board, entry)
            elif entry[0] != prev:
                rank = max(0, offset) + i + 1
            prev = entry[0]
            rows.append(self._row(rank, entry[1]))
        return rows

    def rank_of(self, member_id: MemberId, division: str = OVERALL) -> BoardRow | None:
        """Her row on a board, or None when she is not on it."""
        entry = self._entry.get(member_id)
        if entry is None or division not in self._on[member_id]:
            return None
        return self._row(self._rank(self._boards[division], entry), member_id)

    def around(self, member_id: MemberId, division: str = OVERALL, before: int = 2, after: int = 2) -> list[BoardRow]:
        """Her row with a few neighbours, for the Leaderboard widget."""
        entry = self._entry.get(member_id)
        if entry is None or division not in self._on[member_id]:
            return []
        at = self._boards[division].index(entry)
        start = max(0, at - before)
        return self.page(division, start, at - start + after + 1)

    def board(self, division: str = OVERALL) -> Board:
        return Board(self.phase.key, self.kind, division, self.cutoff, self.page(division, 0, self.size(division)))
