"""The service grading on Celery workers, with real faults: PostgreSQL + a Redis of the test's own + a real test hub
(GradingQueue.backend = "celery") + three `jinguo grading-worker` processes (as the current user). 60 hand-ins over
30 s through the API while a worker is killed with -9 mid-task, the broker is stopped for 20 s (and comes back
empty), the service restarts and Redis is flushed (bench/faults.py runs the scenario; its numbers are printed).

Afterwards nothing is lost, nothing is graded twice though some deliveries were duplicates, and every score is
the local backend's for the same notebook. Deadlines only, no timing asserts: it must pass with two CPU hogs.
"""
from __future__ import annotations

import os
import shutil
import socket
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.skipif(os.geteuid() != 0, reason="the sandbox needs root")]


def _postgres_up() -> bool:
    with socket.socket() as s:
        s.settimeout(2)
        return s.connect_ex(("127.0.0.1", 5432)) == 0


@pytest.mark.skipif(shutil.which("redis-server") is None, reason="needs redis-server to run a broker of its own")
@pytest.mark.skipif(not _postgres_up(), reason="needs PostgreSQL on 127.0.0.1:5432")
def test_faults_lose_nothing_and_grade_nothing_twice(tmp_path):
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    from bench.faults import report, run

    os.chmod(tmp_path, 0o755)
    res = run(tmp_path, hand_ins=60, window=30.0)
    report(res)
    assert res["hand_ins"] >= 60 + 15  # the 60 of the window and the bursts before the restart and the flush
    assert res["lost"] == 0, res
    assert res["graded_twice"] == 0, res
    assert res["gradings"] == res["hand_ins"] == res["rows"], res  # one grading per submission, none extra
    assert res["wrong_scores"] == 0, res  # the local backend's scores
    assert res["unsynced"] == 0, res  # the service took every worker's grade in (its callbacks ran)
    # the killed worker's submission was delivered again and claimed again, then graded once
    assert res["killed_attempts"] >= 2 and res["killed_deliveries"] >= 2, res
    assert res["deliveries"] >= res["gradings"], res
    # every fault recovered, within generous deadlines (lease 15 s + reconcile 2 s + requeue 15 s, and slack)
    assert all(r is not None and r < 120 for r in res["recovery"].values()), res["recovery"]
