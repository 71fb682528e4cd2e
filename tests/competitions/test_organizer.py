"""Closing and freezing a running phase, on plain data: new validated specs, refusals that say why."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

import competitions as core
from competitions.organizer import close_phase, freeze_phase

T0 = datetime(2026, 6, 1, tzinfo=timezone.utc)


def spec(freeze: str | None = None) -> core.Competition:
    board = f"board: {{freeze_before_close: {freeze}}}\n" if freeze else ""
    return core.load_competition(f"""slug: organizer-test
title: 组织者操作测试赛
phases:
  - {{key: prelim, title: 初赛, opens_at: {T0.isoformat()}, closes_at: {(T0 + timedelta(days=10)).isoformat()},
     tasks: [{{assignment: t1, title: 题一, max_score: 10}}]}}
  - {{key: final, title: 决赛, opens_at: {(T0 + timedelta(days=20)).isoformat()},
     closes_at: {(T0 + timedelta(days=21)).isoformat()}, tasks: [{{assignment: t2, title: 题二, max_score: 10}}]}}
{board}""")


def test_closing_a_phase_now_ends_it_and_leaves_later_phases_alone():
    now = T0 + timedelta(days=3, hours=2)
    new = close_phase(spec(), "prelim", now)
    assert new.phase("prelim").closes_at == now and new.phase_at(now + timedelta(seconds=1)) is None
    assert new.phase("final").opens_at == T0 + timedelta(days=20)
    assert core.private_visible(new.phase("prelim"), now + timedelta(seconds=1))
    assert core.load_competition(core.dump_competition(new)) == new  # what the hub saves reads back the same


def test_closing_early_keeps_a_freeze_that_began_and_drops_one_that_had_not():
    frozen = spec("20h")  # prelim's public board freezes 20 h before its planned close
    late = T0 + timedelta(days=9, hours=12)  # inside the freeze
    new = close_phase(frozen, "prelim", late)
    assert core.freeze_at(new, new.phase("prelim")) == core.freeze_at(frozen, frozen.phase("prelim"))
    early = close_phase(frozen, "prelim", T0 + timedelta(hours=5))  # long before it
    assert core.freeze_at(early, early.phase("prelim")) >= T0 + timedelta(hours=5) - timedelta(seconds=1)


@pytest.mark.parametrize("when, words", [(T0 - timedelta(days=1), "尚未开始"), (T0 + timedelta(days=11), "已经结束")])
def test_a_phase_not_running_cannot_be_closed(when, words):
    with pytest.raises(core.SpecError) as e:
        close_phase(spec(), "prelim", when)
    assert words in str(e.value)


def test_freezing_now_hides_later_scores_from_the_public_board_until_the_close():
    now = T0 + timedelta(days=9)
    new = freeze_phase(spec(), "prelim", now)
    assert core.freeze_at(new, new.phase("prelim")) == now
    assert core.public_cutoff(new, new.phase("prelim"), now + timedelta(hours=1)) == now
    with pytest.raises(core.SpecError, match="已经封榜"):
        freeze_phase(new, "prelim", now + timedelta(hours=1))
    with pytest.raises(core.SpecError, match="进行中"):
        freeze_phase(spec(), "final", now)
