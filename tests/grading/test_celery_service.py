"""The service grading on Celery workers, with real faults: PostgreSQL + a Redis of the test's own + a real test hub
(GradingQueue.backend = "celery") + three `jinguo grading-worker` processes, each as a Unix account of its own
(root of its own user namespace, so the sandbox runs) to which the competition's folder is closed. 60 hand-ins over
30 s through the API while a worker is killed with -9 mid-task, the broker is stopped for 20 s (and comes back
empty), the service restarts and Redis is flushed (bench/faults.py runs the scenario; its numbers are printed).

Afterwards nothing is lost, nothing is graded twice though some deliveries were duplicates, and every score is
the local backend's for the same notebook. Deadlines only, no timing asserts: it must pass with two CPU hogs.
"""
from __future__ import annotations

import os
from datetime import datetime
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
    # each worker ran as its own account, which could not read the competition's folder (nor its hidden tests)
    assert len(res["worker_accounts"]) == 3 and res["data_closed_to_workers"], res
    import pwd

    for name in res["worker_accounts"]:  # and the accounts are gone
        with pytest.raises(KeyError):
            pwd.getpwnam(name)
    assert res["hand_ins"] >= 60 + 15  # the 60 of the window and the bursts before the restart and the flush
    assert res["lost"] == 0, res
    assert res["graded_twice"] == 0, res
    # one grading per stored submission, none extra (a hand-in cut off by the restart may be stored and sent again)
    assert res["gradings"] == res["rows"] >= res["hand_ins"], res
    assert res["wrong_scores"] == 0, res  # the local backend's scores
    assert res["unsynced"] == 0, res  # the service took every worker's grade in (its callbacks ran)
    # and wrote every graded hand-in into the competition's gradebook (the workers never touch it)
    assert res["not_written_back"] == 0, res
    assert res["written_back"] == res["statuses"].get("graded", 0) + res["statuses"].get("timeout", 0) > 0, res
    # the killed worker's submission was delivered again and claimed again, then graded once
    assert res["killed_attempts"] >= 2 and res["killed_deliveries"] >= 2, res
    assert res["deliveries"] >= res["gradings"], res
    # every fault recovered, within generous deadlines (lease 15 s + reconcile 2 s + requeue 15 s, and slack)
    assert all(r is not None and r < 120 for r in res["recovery"].values()), res["recovery"]


# --- the claim on its own, on SQLite: fast, no broker, no worker ----------------------------------------------

@pytest.fixture()
def one_submission(tmp_path):
    """A platform database with one competition submission waiting: (url, submission id)."""
    import hashlib

    from hub.demo.people import demo_people
    from hub.people import members
    from hub.store.db import session_scope, upgrade
    from hub.store.orm import Competition, MemberStatus, Submission

    from hub.store.seed import seed_reference

    url = f"sqlite:///{tmp_path / 'j.sqlite'}"
    upgrade(url)
    with session_scope(url) as s:
        seed_reference(s)
    _, real, _, unit, region, industry, form = [p for p in demo_people()][0]
    with session_scope(url) as s:
        m = members.add_member(s, members.read_profile({
            "username": "lease01", "real_name": real, "unit": unit, "region": region, "industry": industry,
            "employment_form": form}), status=MemberStatus.approved)
        comp = Competition(slug="lease-2026", title="租约", spec_yaml="", status="open")
        s.add(comp)
        s.flush()
        sub = Submission(member_id=m.id, competition_id=comp.id, task="task1", filename="problem.ipynb",
                         notebook=b"{}", sha256=hashlib.sha256(b"{}").hexdigest(), size=2)
        s.add(sub)
        s.flush()
        return url, sub.id


def _expire(url, sid):
    from datetime import timedelta

    from sqlalchemy import update

    from hub.store.db import session_scope
    from hub.store.orm import Submission, utcnow

    with session_scope(url) as s:
        s.execute(update(Submission).where(Submission.id == sid).values(lease_until=utcnow() - timedelta(seconds=1)))


def test_a_second_delivery_changes_nothing_and_a_replaced_claim_writes_nothing(one_submission):
    from sqlalchemy import func, select

    from hub.store.db import session_scope
    from hub.store.orm import AuditLog, Grade, Submission
    from hub.submissions import lease

    url, sid = one_submission
    first = lease.claim(url, sid, "w1-1-a", 60, 3)
    assert first is not None and first.parts == [(sid, "problem.ipynb")] and first.files == {"problem.ipynb": b"{}"}
    assert lease.claim(url, sid, "w2-2-b", 60, 3) is None  # held: the duplicate is absorbed
    _expire(url, sid)  # the first worker stalls past its lease; another claims it
    second = lease.claim(url, sid, "w2-2-c", 60, 3)
    assert second is not None
    result = {"status": "graded", "score": 3.0, "max_score": 3.0, "notebooks": []}
    assert lease.record(url, first, "graded", result, 3) == 0  # its claim is gone: nothing written
    assert lease.record(url, second, "graded", result, 3) == 1
    assert lease.record(url, second, "graded", result, 3) == 0  # written once, even when called again
    with session_scope(url) as s:
        assert s.get(Submission, sid).status == "graded" and s.get(Submission, sid).graded_by == "w2-2-c"
        assert s.scalar(select(func.count()).select_from(Grade).where(Grade.submission_id == sid)) == 1
        assert s.scalar(select(func.count()).select_from(AuditLog).where(
            AuditLog.action == "submission.graded", AuditLog.target_id == str(sid))) == 1
    assert lease.claim(url, sid, "w3-3-d", 60, 3) is None  # final: a late delivery changes nothing


def test_a_submission_that_kills_its_workers_ends_failed_after_the_attempt_limit(one_submission):
    from hub.store.db import session_scope
    from hub.store.orm import Submission
    from hub.submissions import lease

    url, sid = one_submission
    for i in range(3):  # each worker dies mid-grading: its lease runs out
        assert lease.claim(url, sid, f"w{i}", 60, 3) is not None
        _expire(url, sid)
    assert lease.claim(url, sid, "w9", 60, 3) is None
    with session_scope(url) as s:
        sub = s.get(Submission, sid)
        assert sub.status == "failed" and sub.attempts == 3
        assert "中断了 3 次" in sub.message and "does not count against your limits" in sub.message


def test_a_course_hand_in_is_claimed_whole_and_each_notebook_gets_its_share(one_submission):
    """Two notebooks handed in together are graded as one nbgrader submission: the first delivery claims both, the
    second notebook's own delivery is absorbed, and each row gets its own notebook's score."""
    import hashlib
    from datetime import timezone

    from hub.store.db import session_scope
    from hub.store.orm import Assignment, Course, Grade, Submission
    from hub.submissions import lease

    url, first_sid = one_submission
    when = datetime(2026, 12, 5, 4, 0, tzinfo=timezone.utc)
    with session_scope(url) as s:
        member_id = s.get(Submission, first_sid).member_id
        course = Course(slug="lease-course", title="课")
        s.add(course)
        s.flush()
        a = Assignment(course_id=course.id, name="ps1")
        s.add(a)
        s.flush()
        subs = [Submission(member_id=member_id, assignment_id=a.id, filename=f"{n}.ipynb", notebook=n.encode(),
                           sha256=hashlib.sha256(n.encode()).hexdigest(), size=1, received_at=when)
                for n in ("a", "b")]
        s.add_all(subs)
        s.flush()
        ids = [sub.id for sub in subs]
    got = lease.claim(url, ids[0], "w1", 60, 3)
    assert got.assignment == "ps1" and got.parts == [(ids[0], "a.ipynb"), (ids[1], "b.ipynb")]
    assert lease.claim(url, ids[1], "w2", 60, 3) is None  # claimed with its sibling
    whole = {"status": "graded", "score": 5.0, "max_score": 7.0, "notebooks": [
        {"notebook": "a", "score": 2.0, "max_score": 3.0, "cells": []},
        {"notebook": "b", "score": 3.0, "max_score": 4.0, "cells": []}]}
    assert lease.record(url, got, "graded", whole, 3) == 2
    with session_scope(url) as s:
        scores = {g.submission_id: (g.score, g.max_score) for g in s.query(Grade)}
    assert scores == {ids[0]: (2.0, 3.0), ids[1]: (3.0, 4.0)}


def test_a_platform_failure_is_published_again_after_a_delay_that_doubles_up_to_the_cap(one_submission):
    """Each failed attempt records when the submission may be published again: 10, 20, then the cap 25 s after the
    failure; the reconciler leaves it alone until then, and the attempt limit still ends it ``failed``."""
    from datetime import timedelta

    from hub.store.db import session_scope
    from hub.store.orm import Submission, aware, utcnow
    from hub.submissions import lease
    from hub.submissions.celery_backend import CeleryGrading
    from hub.submissions.queue import GradingQueue

    url, sid = one_submission
    service = CeleryGrading(GradingQueue(backend="celery", db_url=url, retry_limit=5))
    failed = {"status": "error", "score": 0.0, "max_score": 0.0, "message": "评分出错 / grading failed: OSError()"}
    delays = []
    for attempt in range(1, 6):
        got = lease.claim(url, sid, f"w{attempt}", 60, 5)
        assert got is not None
        before = utcnow()
        lease.record(url, got, "error", failed, 5, backoff=(10.0, 25.0))
        after = utcnow()
        with session_scope(url) as s:
            sub = s.get(Submission, sid)
            status, attempts, retry_at = sub.status, sub.attempts, sub.retry_at and aware(sub.retry_at)
        assert attempts == attempt
        if attempt == 5:
            assert status == "failed" and retry_at is None
            break
        assert status == "retrying"
        delay = next(d for d in (10, 20, 25, 25) if before + timedelta(seconds=d) <= retry_at
                     <= after + timedelta(seconds=d))
        delays.append(delay)
        assert sid not in service._due()  # waits its delay
        with session_scope(url) as s:  # its time has come
            s.get(Submission, sid).retry_at = utcnow() - timedelta(seconds=1)
        assert sid in service._due()
    assert delays == [10, 20, 25, 25]
