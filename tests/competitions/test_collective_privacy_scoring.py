"""The collective board by union unit, what public pages show, and the public/private score split."""
from __future__ import annotations

from datetime import timedelta

import pytest

from competitions import (
    Leaderboard,
    collective_board,
    compute_board,
    mask_name,
    participation,
    public_cells,
    public_name,
    public_row,
    split_score,
)
from competitions.spec import Privacy
from tests.competitions.factory import member, rec, spec

S = spec()
ECOM, TEXTILE, PORT = ("zj", "zj-hz", "zj-hz-ecom"), ("zj", "zj-hz", "zj-hz-textile"), ("zj", "zj-nb", "zj-nb-port")


def test_collective_board_participation_and_results() -> None:
    members = {1: member(1, units=ECOM), 2: member(2, units=ECOM), 3: member(3, units=TEXTILE),
               4: member(4, units=PORT), 5: member(5, units=PORT)}
    board = compute_board(S, "prelim", [rec(1, "a", 10, 1), rec(2, "a", 6, 1), rec(3, "a", 8, 1), rec(4, "a", 2, 1)])
    eligible = {"zj-hz-ecom": 4, "zj-hz-textile": 1, "zj-nb-port": 10, "zj-hz-school": 3}
    rows = collective_board(board, members, eligible, competitors=[1, 2, 3, 4, 5], top_n=2)
    by = {r.unit: r for r in rows}
    assert [r.unit for r in rows] == ["zj-hz-textile", "zj-hz-ecom", "zj-nb-port", "zj-hz-school"]
    assert by["zj-hz-textile"].participation == 1.0 and by["zj-hz-textile"].rank == 1
    ecom = by["zj-hz-ecom"]
    assert (ecom.eligible, ecom.competitors, ecom.participation, ecom.on_board) == (4, 2, 0.5, 2)
    assert ecom.mean_total == 8 and ecom.in_top == 1 and ecom.best_rank == 1
    port = by["zj-nb-port"]
    assert (port.competitors, port.on_board, port.mean_total, port.participation) == (2, 1, 2, 0.2)
    school = by["zj-hz-school"]
    assert (school.competitors, school.participation, school.mean_total, school.best_rank) == (0, 0.0, None, None)


def test_collective_board_at_city_level_and_by_results() -> None:
    members = {1: member(1, units=ECOM), 2: member(2, units=TEXTILE), 3: member(3, units=PORT)}
    board = compute_board(S, "prelim", [rec(1, "a", 10, 1), rec(2, "a", 4, 1), rec(3, "a", 9, 1)])
    rows = collective_board(board, members, {"zj-hz": 4, "zj-nb": 2}, level=1, order="mean_total")
    assert [(r.rank, r.unit, r.competitors, r.mean_total) for r in rows] == [(1, "zj-nb", 1, 9), (2, "zj-hz", 2, 7)]
    tied = collective_board(board, members, {"zj-hz": 4, "zj-nb": 2}, level=1)
    assert tied[0].participation == tied[1].participation == 0.5  # equal rates: the better results lead
    assert [(r.rank, r.unit) for r in tied] == [(1, "zj-nb"), (2, "zj-hz")]


def test_live_participation_by_profile_field() -> None:
    people = [member(1), member(2, region="guangdong"), member(3, new_form=True), member(4, region="guangdong")]
    assert participation(people, "region", competitors=[1, 2]) == {"guangdong": (2, 1), "zhejiang": (2, 1)}
    assert participation(people, "new_form", competitors=[3]) == {"False": (3, 0), "True": (1, 1)}


@pytest.mark.parametrize("name, masked", [("王小芳", "王*芳"), ("李娜", "李*"), ("欧阳娜娜", "欧**娜"), ("张", "*"), ("", "")])
def test_masked_names(name: str, masked: str) -> None:
    assert mask_name(name) == masked


def test_public_rows_show_only_what_privacy_allows() -> None:
    her = member(1, real_name="王小芳")
    row = Leaderboard(S, "prelim", records=[rec(1, "a", 7, 5)]).rank_of(1)
    masked = public_row(row, her, Privacy())
    assert masked["name"] == "王*芳" and masked["unit"] == her.unit_name and masked["rank"] == 1
    assert "王小芳" not in str(masked) and not masked["me"]
    assert public_row(row, her, Privacy(public_name="real", show_unit=False)) == {
        "rank": 1, "name": "王小芳", "total": 7, "scores": {"a": 7}, "reached_at": row.reached_at.isoformat(),
        "submissions": 1, "me": False}
    unit_only = public_row(row, her, Privacy(public_name="unit_only", show_unit=False))
    assert unit_only["name"] == her.unit_name and "王" not in str(unit_only)
    mine = public_row(row, her, Privacy(), viewer=1)
    assert mine["name"] == "王小芳" and mine["me"]
    assert public_name(None, Privacy()) == "—"


def test_public_cells_by_marker_and_by_a_stable_fraction() -> None:
    s = spec(phases=[{"key": "p", "title": "正式赛", "opens_at": "2026-06-01T09:00:00+08:00",
                      "closes_at": "2026-06-02T09:00:00+08:00", "public_tests": {"fraction": 0.3},
                      "tasks": [{"assignment": "t1", "max_score": 10},
                                {"assignment": "t2", "max_score": 10, "public_tests": {"marker": "public"}},
                                {"assignment": "t3", "max_score": 10, "public_tests": {"fraction": 1}}]}],
             divisions=[])
    ph = s.phases[0]
    t1, t2, t3 = ph.tasks
    cells = [f"test_{i}" for i in range(10)]
    chosen = public_cells(s, ph, t1, cells)
    assert len(chosen) == 3 and chosen == public_cells(s, ph, t1, reversed(cells))
    assert public_cells(s, ph, t1, cells + ["test_new"]) != set() and len(public_cells(s, ph, t1, cells[:1])) == 1
    assert public_cells(s, ph, t2, ["public_1", "hidden_1", "x_public"]) == {"public_1", "x_public"}
    assert public_cells(s, ph, t3, cells) == set(cells)
    assert public_cells(S, S.phase("prelim"), S.phase("prelim").tasks[0], cells) == set(cells)


def test_split_score_scales_the_public_part_to_the_task() -> None:
    s = spec(phases=[{"key": "p", "title": "正式赛", "opens_at": "2026-06-01T09:00:00+08:00",
                      "closes_at": "2026-06-02T09:00:00+08:00",
                      "tasks": [{"assignment": "t", "max_score": 10, "public_tests": {"marker": "pub"}}]}],
             divisions=[])
    ph, task = s.phases[0], s.phases[0].tasks[0]
    public, private = split_score(s, ph, task, [("pub_1", 2, 2), ("pub_2", 0, 2), ("hid_1", 6, 6)])
    assert public == 5.0 and private == 8
    assert split_score(s, ph, task, [("hid_1", 6, 6)]) == (None, 6)


def test_a_frozen_public_board_and_the_final_private_board_decide_differently() -> None:
    s = spec(board={"freeze_before_close": "1h"})
    ph = s.phase("prelim")
    late = (ph.closes_at - ph.opens_at - timedelta(minutes=30)).total_seconds() / 60
    records = [rec(1, "a", 8, 10, private=8), rec(2, "a", 7, 10, private=7), rec(2, "a", 7, late, private=10)]
    from competitions import public_cutoff

    frozen = compute_board(s, "prelim", records, cutoff=public_cutoff(s, ph, ph.closes_at))
    final = compute_board(s, "prelim", records, kind="private")
    assert [r.member for r in frozen.rows] == [1, 2] and [r.member for r in final.rows] == [2, 1]
