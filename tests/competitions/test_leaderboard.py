"""The hot in-memory Leaderboard: updates, rescoring, pages, "my rank", divisions, freeze."""
from __future__ import annotations

from datetime import timedelta

from competitions import OVERALL, Leaderboard, compute_board
from tests.competitions.factory import T0, member, rec, spec

S = spec()


def ranks(rows) -> list:
    return [(r.rank, r.member) for r in rows]


def test_a_new_score_moves_her_on_the_board() -> None:
    lb = Leaderboard(S, "prelim")
    lb.add(rec(1, "a", 5, 10, id=1))
    lb.add(rec(2, "a", 7, 20, id=2))
    assert ranks(lb.page()) == [(1, 2), (2, 1)]
    v = lb.version
    lb.add(rec(1, "b", 10, 30, id=3))
    assert ranks(lb.page()) == [(1, 1), (2, 2)] and lb.version > v
    assert lb.rank_of(1).total == 15 and lb.rank_of(1).scores == {"a": 5, "b": 10}


def test_a_rescore_replaces_the_result_and_the_same_result_twice_counts_once() -> None:
    lb = Leaderboard(S, "prelim", records=[rec(1, "a", 9, 10, id=7), rec(2, "a", 8, 10, id=8)])
    lb.add(rec(1, "a", 9, 10, id=7))
    assert lb.rank_of(1).submissions == 1
    lb.add(rec(1, "a", 2, 10, id=7))  # the task's tests were fixed; her submission scores lower
    assert ranks(lb.page()) == [(1, 2), (2, 1)] and lb.rank_of(1).total == 2


def test_records_of_other_phases_are_refused() -> None:
    lb = Leaderboard(S, "prelim")
    assert lb.add(rec(1, "warmup", 5, -3000, phase="practice")) is False
    assert lb.size() == 0 and lb.page() == [] and lb.rank_of(1) is None


def test_pages_ranks_and_neighbours_with_ties() -> None:
    scores = [9, 8, 8, 8, 7, 6, 6, 5]
    lb = Leaderboard(S, "prelim", records=[rec(m, "a", s, 10) for m, s in enumerate(scores, 1)])
    assert [r.rank for r in lb.page(limit=100)] == [1, 2, 2, 2, 5, 6, 6, 8]
    assert ranks(lb.page(offset=2, limit=3)) == [(2, 3), (2, 4), (5, 5)]  # a page starting inside a tie
    assert ranks(lb.page(offset=6, limit=10)) == [(6, 7), (8, 8)]
    assert lb.page(offset=8) == [] and lb.page(limit=0) == []
    assert lb.rank_of(4).rank == 2 and lb.rank_of(7).rank == 6
    assert ranks(lb.around(5, before=2, after=1)) == [(2, 3), (2, 4), (5, 5), (6, 6)]
    assert ranks(lb.around(1, before=2, after=1)) == [(1, 1), (2, 2)]
    assert lb.around(99) == [] and lb.size() == 8


def test_divisions_follow_her_profile_and_its_changes() -> None:
    lb = Leaderboard(S, "prelim", members={1: member(1), 2: member(2, new_form=True)})
    lb.add_many([rec(1, "a", 5, 10), rec(2, "a", 6, 10), rec(3, "a", 7, 10)])
    assert lb.divisions() == [OVERALL, "hz", "new-forms", "region:zhejiang"]
    assert ranks(lb.page("new-forms")) == [(1, 2)] and lb.size("region:zhejiang") == 2
    assert lb.rank_of(3, "region:zhejiang") is None and lb.rank_of(3).rank == 1  # no profile: overall only
    lb.set_member(member(3, region="sichuan", units=("sc", "sc-cd", "sc-cd-bank")))
    assert ranks(lb.page("region:sichuan")) == [(1, 3)]
    lb.set_member(member(2, new_form=False))
    assert lb.page("new-forms") == [] and "new-forms" not in lb.divisions()


def test_disqualify_and_reinstate() -> None:
    lb = Leaderboard(S, "prelim", records=[rec(m, "a", 10 - m, 10) for m in (1, 2, 3)], disqualified=[2])
    assert ranks(lb.page()) == [(1, 1), (2, 3)]
    lb.disqualify(1)
    assert ranks(lb.page()) == [(1, 3)] and lb.rank_of(1) is None
    lb.reinstate(1)
    lb.reinstate(2)
    assert ranks(lb.page()) == [(1, 1), (2, 2), (3, 3)]


def test_freezing_hides_later_scores_and_unfreezing_shows_them() -> None:
    records = [rec(1, "a", 5, 10), rec(2, "a", 6, 20), rec(1, "a", 10, 100)]
    lb = Leaderboard(S, "prelim", records=records)
    assert ranks(lb.page()) == [(1, 1), (2, 2)]
    cutoff = T0 + timedelta(minutes=60)
    lb.set_cutoff(cutoff)
    assert ranks(lb.page()) == [(1, 2), (2, 1)]
    lb.add(rec(3, "a", 9, 70))  # arrives while frozen: kept, not shown
    assert lb.size() == 2
    assert lb.board().rows == compute_board(S, "prelim", records + [rec(3, "a", 9, 70)], cutoff=cutoff).rows
    lb.set_cutoff(None)
    assert ranks(lb.page()) == [(1, 1), (2, 3), (3, 2)]


def test_private_board_uses_the_private_scores() -> None:
    records = [rec(1, "a", 9, 10, private=3), rec(2, "a", 4, 10, private=8)]
    assert ranks(Leaderboard(S, "prelim", kind="private", records=records).page()) == [(1, 2), (2, 1)]
