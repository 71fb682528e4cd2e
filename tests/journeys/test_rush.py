"""A small last-hour rush through the real hub: competitors submit at the same moment, each gets her own score on
the board, and the grading queue grades the competition on one warm pool instead of booting (and leaking) a
pool of grading workers for every other submission. The timed version is bench/rush.py."""
from __future__ import annotations

import os
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest

from tests.conftest import platform_client as client_for
from tests.grading.corpus import KINDS
from tests.journeys.competition import open_competition
from tests.journeys.test_competition_submissions import notebook, wait_final

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(os.geteuid() != 0, reason="grading switches to an unprivileged uid: run as root")]
SLUG = "rush-test-2026"
WHO = {f"worker{i:02d}": kind for i, kind in zip(range(20, 28), ["full", "partial", "wrong", "full"] * 2)}
SCORE = {"full": 3.0, "partial": 1.0, "wrong": 0.0}


def grading_workers(hub) -> list[int]:
    """The service's grading worker processes (the children of its multiprocessing forkserver)."""
    service = subprocess.run(["pgrep", "-P", str(hub.proc.pid), "-f", "hub.web"], capture_output=True, text=True)
    workers = []
    for pid in service.stdout.split():
        servers = subprocess.run(["pgrep", "-P", pid, "-f", "forkserver"], capture_output=True, text=True)
        for server in servers.stdout.split():
            found = subprocess.run(["pgrep", "-P", server], capture_output=True, text=True)
            workers += [int(p) for p in found.stdout.split()]
    return workers


def warmed_workers(hub, before: set[int], count: int, timeout: float = 60) -> set[int]:
    deadline = time.monotonic() + timeout
    new: set[int] = set()
    while time.monotonic() < deadline:
        new = set(grading_workers(hub)) - before
        if len(new) >= count:
            return new
        time.sleep(0.5)
    return new


def test_a_rush_is_graded_on_one_warm_pool_and_every_score_is_on_the_board(hub, tmp_path):
    before = set(grading_workers(hub))
    course = open_competition(hub, tmp_path, SLUG, "冲刺测试赛", per_day=3, open_for=timedelta(hours=2),
                              phase=("final", "决赛"))
    clients = {name: client_for(hub, name) for name in WHO}
    # The phase is open: the service starts the competition's grading pools before anyone hands in
    # (GradingQueue.warm_ahead; the test hub's jinguo_config.py looks every 2 s): one worker for a lone hand-in,
    # and one per core (GradingQueue.processes) for a run of several.
    cores = os.cpu_count() or 1
    expected = 1 + cores if cores > 1 else 1
    warmed = warmed_workers(hub, before, expected, timeout=20)
    assert len(warmed) == expected, "the grading pools were not started ahead of the first hand-in"

    def submit(name: str) -> dict:
        return clients[name].submit(SLUG, "task1", notebook(course, KINDS[WHO[name]]))

    with ThreadPoolExecutor(len(WHO)) as pool:  # all at once
        receipts = dict(zip(WHO, pool.map(submit, WHO)))
    assert all(r["status"] == "received" for r in receipts.values())
    for name, receipt in receipts.items():
        graded = wait_final(clients[name], receipt["id"], timeout=240, slug=SLUG)
        assert (graded["status"], graded["score"]) == ("graded", SCORE[WHO[name]]), (name, graded)
    for name, kind in WHO.items():  # each sees her own score on the public board
        assert clients[name].leaderboard(SLUG, limit=1)["me"]["score"] == SCORE[kind]
    board = clients["worker20"].leaderboard(SLUG, limit=50)
    assert board["total"] == len(WHO) and [e["score"] for e in board["entries"]][:2] == [3.0, 3.0]
    # The warmed pools for this competition and no other: no pool booted (and left running) per submission.
    assert set(grading_workers(hub)) - before == warmed
