"""The submission road for competitions, through a real hub, the real service and real sandboxed grading:
stored before "received", graded once, limits enforced with a reason and a time, and nothing left behind
when the service dies midway."""
from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import time
from datetime import timedelta

import nbformat
import pytest
from sqlalchemy import select

from hub.store.db import session_scope
from hub.store.orm import Competition, Member, Submission
from hub.submissions.receive import receive
from tests.conftest import platform_client as client_for
from tests.grading.corpus import KINDS
from tests.journeys.competition import open_competition
from widgets.client import PlatformClient, PlatformError

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(os.geteuid() != 0, reason="grading switches to an unprivileged uid: run as root")]
SLUG = "road-test-2026"


@pytest.fixture(scope="module")
def competition(hub, tmp_path_factory):
    return open_competition(hub, tmp_path_factory.mktemp("spec"), SLUG, "提交通道测试赛", per_day=2,
                            open_for=timedelta(days=3))


def notebook(course, body: str) -> dict:
    nb = nbformat.read(course / "release" / "task1" / "problem.ipynb", as_version=4)
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == "answer":
            cell.source = body
    return dict(nb)


def wait_final(client: PlatformClient, sid: int, timeout: float = 120, slug: str = SLUG) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        r = client.submission(slug, sid)
        if r["status"] in ("graded", "invalid", "timeout", "failed"):
            return r
        time.sleep(0.3)
    raise AssertionError(f"submission {sid} still {r['status']}")


def test_submit_is_stored_graded_and_limited(hub, competition):
    wang = client_for(hub, "worker01")
    detail = wang.competition(SLUG)
    assert detail["current_phase"] == "prelim" and detail["phases"][0]["tasks"] == ["task1"]

    receipt = wang.submit(SLUG, "task1", notebook(competition, KINDS["full"]))
    assert receipt["status"] == "received" and receipt["remaining_today"] == 1
    with session_scope(hub.db_url) as s:  # the bytes were on disk before she heard "received"
        row = s.get(Submission, receipt["id"])
        assert hashlib.sha256(row.notebook).hexdigest() == receipt["sha256"] and row.task == "task1"
    graded = wait_final(wang, receipt["id"])  # her public score (every test public here), on the task's scale
    assert (graded["status"], graded["score"], graded["max_score"]) == ("graded", 3.0, 3.0), graded

    wrong = wang.submit(SLUG, "task1", notebook(competition, KINDS["wrong"]))
    result = wait_final(wang, wrong["id"])
    assert result["status"] == "graded" and result["score"] == 0.0

    board = wang.leaderboard(SLUG, limit=10)  # her best counts; her own row shows her real name
    assert board["board"] == "public" and board["total"] >= 1 and board["me"]["score"] == 3.0
    mine = next(e for e in board["entries"] if e["me"])
    assert mine["display_name"] == "王芳" or "*" not in mine["display_name"]
    assert (mine["score"], mine["submissions"]) == (3.0, 2)
    with pytest.raises(PlatformError) as hidden:
        wang.leaderboard(SLUG, board="private")
    assert hidden.value.code == "private_hidden" and hidden.value.retry_at

    with pytest.raises(PlatformError) as refused:
        wang.submit(SLUG, "task1", notebook(competition, KINDS["full"]))
    assert refused.value.code == "daily_limit" and "已用完" in refused.value.zh and refused.value.retry_at

    li = client_for(hub, "worker02")
    with pytest.raises(PlatformError) as other:
        li.submission(SLUG, receipt["id"])
    assert other.value.code == "submission_not_found"
    with pytest.raises(PlatformError) as bad:
        li.submit(SLUG, "task1", {"not": "a notebook"})
    assert bad.value.code == "invalid_notebook"
    with pytest.raises(PlatformError) as unknown:
        li.submit(SLUG, "task9", notebook(competition, KINDS["full"]))
    assert unknown.value.code == "unknown_task"


def test_a_submission_left_by_a_dead_service_is_graded_after_it_restarts(hub, competition):
    with session_scope(hub.db_url) as s:  # stored, then the service died before grading it
        member = s.scalar(select(Member).where(Member.username == "worker03"))
        comp = s.scalar(select(Competition).where(Competition.slug == SLUG))
        data = nbformat.writes(nbformat.from_dict(notebook(competition, KINDS["partial"]))).encode()
        sid = receive(s, member, filename="problem.ipynb", data=data, competition=comp, task="task1").id
    # the service is the hub's child (its grading workers are the service's children)
    service = subprocess.run(["pgrep", "-P", str(hub.proc.pid), "-f", "hub.web"], capture_output=True, text=True)
    pids = [int(p) for p in service.stdout.split()]
    assert len(pids) == 1, "the hub's service process was not found"
    os.kill(pids[0], signal.SIGKILL)  # JupyterHub starts a managed service again when it dies
    deadline = time.monotonic() + 120
    status = None
    while time.monotonic() < deadline:
        with session_scope(hub.db_url) as s:
            status = s.get(Submission, sid).status
        if status == "graded":
            break
        time.sleep(0.5)
    assert status == "graded"
    with session_scope(hub.db_url) as s:
        assert s.scalar(select(Submission).where(Submission.id == sid)).attempts == 1  # graded once
