"""Boards from scratch: which submission counts, totals, tie-breaks, ranks, freeze, divisions."""
from __future__ import annotations

from datetime import timedelta

from competitions import OVERALL, advancing, compute_board, compute_boards, division_title, divisions_of
from competitions.divisions import in_division
from tests.competitions.factory import T0, member, rec, spec

S = spec()


def order(board) -> list:
    return [(r.rank, r.member) for r in board.rows]


def test_best_submission_counts_and_the_earliest_of_equal_bests_sets_the_time() -> None:
    b = compute_board(S, "prelim", [rec(1, "a", 5, 10), rec(1, "a", 8, 20), rec(1, "a", 8, 30), rec(1, "a", 6, 40)])
    (row,) = b.rows
    assert row.total == 8 and row.scores == {"a": 8} and row.reached_at == T0 + timedelta(minutes=20)
    assert row.submissions == 4


def test_last_submission_counts_even_when_it_is_worse() -> None:
    s = spec(scoring={"counts": "last"})
    rows = compute_board(s, "prelim", [rec(1, "a", 9, 10), rec(1, "a", 4, 20), rec(1, "a", None, 30, status="error"),
                                       rec(1, "a", 0, 40, status="invalid")]).rows
    assert rows[0].total == 4 and rows[0].reached_at == T0 + timedelta(minutes=20)
    assert rows[0].submissions == 3  # two graded and one invalid file of hers; not the platform's failure


def test_sum_and_weighted_totals() -> None:
    records = [rec(1, "a", 5, 10), rec(1, "b", 10, 20)]
    assert compute_board(S, "prelim", records).rows[0].total == 15
    weighted = spec(scoring={"method": "weighted"})
    assert compute_board(weighted, "prelim", records).rows[0].total == 40 * 5 / 10 + 60 * 10 / 20


def test_the_time_reaching_a_total_is_the_latest_of_the_counted_tasks() -> None:
    rows = compute_board(S, "prelim", [rec(1, "a", 5, 10), rec(1, "b", 10, 50), rec(1, "a", 5, 90)]).rows
    assert rows[0].reached_at == T0 + timedelta(minutes=50)


def test_tie_breaks_earlier_time_then_fewer_submissions_then_a_true_tie() -> None:
    records = [
        rec(1, "a", 9, 30),                          # 9 at 30 min, 1 submission
        rec(2, "a", 9, 20), rec(2, "a", 3, 25),      # 9 at 20 min: first
        rec(3, "a", 1, 5), rec(3, "a", 9, 30),       # 9 at 30 min, 2 submissions: after 1
        rec(4, "a", 9, 30),                          # exactly as member 1: a true tie
        rec(5, "a", 10, 90),                         # the best total beats every time
    ]
    b = compute_board(S, "prelim", records)
    assert order(b) == [(1, 5), (2, 2), (3, 1), (3, 4), (5, 3)]


def test_tie_break_order_comes_from_the_spec() -> None:
    s = spec(scoring={"tie_breaks": ["fewest_submissions", "earliest"]})
    records = [rec(1, "a", 9, 10), rec(1, "a", 2, 11), rec(2, "a", 9, 20)]
    assert order(compute_board(s, "prelim", records)) == [(1, 2), (2, 1)]
    assert order(compute_board(S, "prelim", records)) == [(1, 1), (2, 2)]
    s = spec(scoring={"tie_breaks": []})
    assert order(compute_board(s, "prelim", records)) == [(1, 1), (1, 2)]


def test_competition_ranking_1_2_2_4() -> None:
    records = [rec(m, "a", score, 10) for m, score in [(1, 9), (2, 7), (3, 7), (4, 5)]]
    assert [r.rank for r in compute_board(S, "prelim", records).rows] == [1, 2, 2, 4]


def test_public_and_private_boards_can_disagree() -> None:
    records = [rec(1, "a", 9, 10, private=6), rec(2, "a", 7, 10, private=8), rec(3, "a", None, 10, private=10)]
    assert order(compute_board(S, "prelim", records, kind="public")) == [(1, 1), (2, 2)]
    assert order(compute_board(S, "prelim", records, kind="private")) == [(1, 3), (2, 2), (3, 1)]


def test_a_frozen_board_ignores_what_came_after_the_freeze() -> None:
    cutoff = T0 + timedelta(minutes=60)
    records = [rec(1, "a", 5, 10), rec(1, "a", 10, 70), rec(2, "a", 7, 20), rec(3, "a", 9, 61)]
    b = compute_board(S, "prelim", records, cutoff=cutoff)
    assert order(b) == [(1, 2), (2, 1)] and b.rows[1].total == 5 and b.rows[1].submissions == 1
    assert b.cutoff == cutoff


def test_disqualified_members_leave_the_board_and_ranks_close_up() -> None:
    records = [rec(m, "a", 10 - m, 10) for m in (1, 2, 3)]
    assert order(compute_board(S, "prelim", records, disqualified={2})) == [(1, 1), (2, 3)]


def test_only_graded_records_of_the_phase_its_tasks_and_its_window_count() -> None:
    records = [
        rec(1, "warmup", 10, -60 * 24 * 3, phase="practice"),
        rec(2, "c", 10, 10),                      # not a task of the preliminary
        rec(3, "a", 10, -5),                      # before it opened
        rec(4, "a", 10, 60 * 24 * 10),            # at the close: too late
        rec(5, "a", 10, 10, status="grading"),
        rec(6, "a", 10, 10, status="timeout"),
        rec(7, "a", 3, 10),
    ]
    b = compute_board(S, "prelim", records)
    assert order(b) == [(1, 7)]
    assert order(compute_board(S, "practice", records)) == [(1, 1)]


def test_every_division_gets_its_board_and_unknown_profiles_only_the_overall() -> None:
    members = {1: member(1), 2: member(2, region="guangdong", units=("gd", "gd-sz", "gd-sz-drivers"),
                                        employment_form="ride_hailing", new_form=True),
               3: member(3, new_form=True, employment_form="delivery_rider")}
    records = [rec(m, "a", m, 10) for m in (1, 2, 3, 4)]
    boards = compute_boards(S, "prelim", records, members)
    assert set(boards) == {OVERALL, "new-forms", "region:zhejiang", "region:guangdong", "hz"}
    assert order(boards[OVERALL]) == [(1, 4), (2, 3), (3, 2), (4, 1)]
    assert order(boards["new-forms"]) == [(1, 3), (2, 2)]
    assert order(boards["region:zhejiang"]) == [(1, 3), (2, 1)]
    assert order(boards["hz"]) == [(1, 3), (2, 1)]
    assert compute_board(S, "prelim", records, members, division="region:sichuan").rows == []


def test_division_membership_follows_the_profile() -> None:
    rider = member(1, new_form=True, employment_form="delivery_rider", region="zhejiang")
    assert divisions_of(rider, S) == (OVERALL, "new-forms", "region:zhejiang", "hz")
    office = member(2, units=("bj", "bj-haidian", "bj-haidian-soft"), region="beijing")
    assert divisions_of(office, S) == (OVERALL, "region:beijing")
    assert in_division(office, S, "region") and not in_division(office, S, "region:zhejiang")
    assert not in_division(office, S, "new-forms") and in_division(office, S, OVERALL)
    s = spec(divisions=[{"key": "road", "title": "骑手与司机", "match": {
        "employment_forms": ["delivery_rider", "ride_hailing"], "regions": ["zhejiang"]}}])
    assert divisions_of(rider, s) == (OVERALL, "road")
    assert divisions_of(member(3, employment_form="ride_hailing", region="beijing"), s) == (OVERALL,)


def test_division_titles_for_pages() -> None:
    assert division_title(S, OVERALL) == "总榜"
    assert division_title(S, "region:zhejiang", {"zhejiang": "浙江省"}) == "地区分榜·浙江省"
    assert division_title(S, "new-forms") == "新就业形态组"


def test_advancing_takes_the_top_n_and_everyone_tied_at_n() -> None:
    records = [rec(m, "a", score, 10) for m, score in [(1, 9), (2, 8), (3, 8), (4, 5)]]
    b = compute_board(S, "prelim", records, kind="private")
    assert advancing(b, 1) == [1]
    assert advancing(b, 2) == [1, 2, 3] and advancing(b, 10) == [1, 2, 3, 4]
