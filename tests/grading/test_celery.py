"""--backend celery: real Celery workers against the real Redis on 127.0.0.1:6379."""
from __future__ import annotations

import base64
import json
import os
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.grading.corpus import HOSTILE, KINDS, make_course, scores

JINGUO = str(Path(sys.executable).parent / "jinguo")
pytestmark = [pytest.mark.skipif(os.geteuid() != 0, reason="the sandbox needs root"), pytest.mark.slow]


@pytest.fixture()
def celery_env(monkeypatch):
    import redis

    url = "redis://127.0.0.1:6379/3"
    try:
        redis.Redis.from_url(url).ping()
    except Exception as exc:  # pragma: no cover - depends on the machine
        pytest.skip(f"Redis at 127.0.0.1:6379 not reachable: {exc}")
    queue = f"jinguo-test-{secrets.token_hex(4)}"
    env = {"JINGUO_BROKER_URL": url, "JINGUO_GRADING_QUEUE": queue, "JINGUO_VISIBILITY_TIMEOUT": "5"}
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    sys.modules.pop("grading.celery_app", None)  # it reads the broker and queue when imported
    return dict(os.environ, **env)


def start_worker(env, concurrency=2):
    env = dict(env, JINGUO_GRADING_CONCURRENCY=str(concurrency))
    return subprocess.Popen([JINGUO, "grading-worker"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)


def stop(proc, sig=signal.SIGTERM):
    try:
        os.killpg(proc.pid, sig)
    except ProcessLookupError:
        pass
    proc.wait(timeout=60)


def test_celery_workers_give_the_same_scores(tmp_path, celery_env):
    from grading import autograde

    kinds = {k: KINDS[k] for k in ("full", "partial", "wrong", "fake_output", "network")}
    kinds["fake_verdict"] = HOSTILE["fake_verdict"]
    course = make_course(tmp_path / "c", kinds)
    worker = start_worker(celery_env)
    try:
        res = {r.student: r for r in autograde(course, "ps1", backend="celery")}
    finally:
        stop(worker)
    assert all(r.status == "graded" for r in res.values()), res
    assert scores(course) == {"full": (3.0, 4.0), "partial": (1.0, 4.0), "wrong": (0.0, 4.0),
                              "fake_output": (0.0, 4.0), "network": (3.0, 4.0), "fake_verdict": (0.0, 4.0)}


def held_by_workers(broker, queue: str) -> dict[str, float]:
    """The students whose task a worker of ``queue`` has taken and not yet acknowledged, with the time the broker
    handed it out (kombu's Redis transport keeps both: the ``unacked`` hash and its ``unacked_index``)."""
    held = {}
    for tag, raw in broker.hgetall("unacked").items():
        message, _exchange, routing_key = json.loads(raw)
        if routing_key == queue:
            args = json.loads(base64.b64decode(message["body"]))[0]
            held[args[2]] = broker.zscore("unacked_index", tag)
    return held


def test_a_worker_killed_midway_loses_nothing(tmp_path, celery_env):
    import threading

    import redis

    from grading import autograde

    kinds = {f"s{i}": KINDS["full"] for i in range(12)}
    course = make_course(tmp_path / "c", kinds)
    broker = redis.Redis.from_url(celery_env["JINGUO_BROKER_URL"])
    queue, visibility = celery_env["JINGUO_GRADING_QUEUE"], float(celery_env["JINGUO_VISIBILITY_TIMEOUT"])
    first = start_worker(celery_env, concurrency=1)
    out = {}
    t = threading.Thread(target=lambda: out.update(r=autograde(course, "ps1", backend="celery")))
    t.start()
    # Kill it mid-task: once it has graded one, while the broker records a submission as handed to it whose
    # grade is not written. Killing it the moment a grade appears (as this test did) lands in the gap between
    # acknowledging one task and recording the next as taken: kombu's Redis transport pops the message first,
    # and a worker killed before it records it loses that message for good. A busy machine widens the gap.
    deadline, midway = time.monotonic() + 180, None
    while time.monotonic() < deadline and not midway:
        graded = scores(course)
        midway = graded and [s for s in held_by_workers(broker, queue) if s not in graded]
        if not midway:
            time.sleep(0.05)
    stop(first, signal.SIGKILL)  # the whole worker, mid-task
    assert midway, "the first worker never held a submission mid-run"
    # Its unacknowledged task comes back once the broker's visibility timeout has passed since it was handed
    # out; the next worker puts it back in the queue when it starts, so start it only then (measured, not guessed).
    handed_out = max(held_by_workers(broker, queue).values(), default=0.0)
    while time.time() < handed_out + visibility + 0.5:
        time.sleep(0.1)
    second = start_worker(celery_env, concurrency=2)
    try:
        t.join(timeout=240)
    finally:
        stop(second)
    assert not t.is_alive()
    assert all(r.status == "graded" for r in out["r"]), out["r"]
    assert scores(course) == {s: (3.0, 4.0) for s in kinds}
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        assert len(gb.assignment_submissions("ps1")) == len(kinds)
