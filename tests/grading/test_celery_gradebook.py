"""A course hand-in graded by a real `jinguo grading-worker` (a Redis of the test's own, the platform database)
reaches the course's own nbgrader gradebook and autograded/ folder through the service's write-back, exactly as the
local backend leaves them (every grade, comment, late penalty and timestamp), `nbgrader export` lists it, and a
second delivery of the same task changes nothing there.
"""
from __future__ import annotations

import csv
import hashlib
import os
import shutil
import stat
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import nbformat
import pytest
from sqlalchemy import select

from tests.grading.corpus import BIN, KINDS, copy_course, gradebook_rows, make_course
from tests.grading.corpus import assignment as assignment_notebook

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # bench/: the Redis and worker helpers
pytestmark = [pytest.mark.slow, pytest.mark.skipif(os.geteuid() != 0, reason="the sandbox needs root"),
              pytest.mark.skipif(shutil.which("redis-server") is None, reason="needs redis-server")]
WHEN = datetime(2026, 12, 7, 9, 30, 0, 123456, tzinfo=timezone.utc)
STUDENT = "writeback01"


def _platform(tmp: Path, course_slug: str, notebook: bytes) -> tuple[str, int]:
    """A platform database with the course, its assignment ps1 and one hand-in of STUDENT: (url, submission id)."""
    from hub.demo.people import demo_people
    from hub.people import members
    from hub.store.db import session_scope, upgrade
    from hub.store.orm import Assignment, Course, MemberStatus, Submission
    from hub.store.seed import seed_reference

    url = f"sqlite:///{tmp / 'jinguo.sqlite'}"
    upgrade(url)
    with session_scope(url) as s:
        seed_reference(s)
    _, real, _, unit, region, industry, form = list(demo_people())[0]
    with session_scope(url) as s:
        m = members.add_member(s, members.read_profile({
            "username": STUDENT, "real_name": real, "unit": unit, "region": region, "industry": industry,
            "employment_form": form}), status=MemberStatus.approved)
        course = Course(slug=course_slug, title="写回")
        s.add(course)
        s.flush()
        a = Assignment(course_id=course.id, name="ps1")
        s.add(a)
        s.flush()
        sub = Submission(member_id=m.id, assignment_id=a.id, filename="problem.ipynb", notebook=notebook,
                         sha256=hashlib.sha256(notebook).hexdigest(), size=len(notebook), received_at=WHEN)
        s.add(sub)
        s.flush()
        return url, sub.id


def _wait(url: str, sid: int, done, what: str, timeout: float = 600) -> None:
    from hub.store.db import session_scope
    from hub.store.orm import Submission

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with session_scope(url) as s:
            if done(s.get(Submission, sid)):
                return
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what}")


def test_a_workers_grading_reaches_the_course_gradebook_once_as_the_local_backend_writes_it(tmp_path):
    from bench.fault_parts import Broker, kill_group, start_worker
    from hub.settings import course_folder
    from hub.store.db import session_scope
    from hub.store.orm import AutogradedHandIn, Grade
    from hub.submissions.celery_backend import TASK, CeleryGrading
    from hub.submissions.queue import GradingQueue

    from grading import grade_submission

    os.chmod(tmp_path, 0o755)
    data = tmp_path / "data"
    course = make_course(course_folder(data, "wb-course"), {"partial": KINDS["partial"]})
    handed_in = (course / "submitted" / "partial" / "ps1" / "problem.ipynb").read_bytes()
    shutil.rmtree(course / "submitted")
    # a second notebook in the assignment that she does not hand in: nbgrader scores it 0
    nbformat.write(assignment_notebook("def 加一(x):\n    ### BEGIN SOLUTION\n    return x + 1\n    ### END SOLUTION",
                                       [("assert 加一(1) == 2", 2)]), course / "source" / "ps1" / "extra.ipynb")
    subprocess.run([str(BIN / "nbgrader"), "generate_assignment", "ps1", "--force", "--create"], cwd=course,
                   env=dict(os.environ, PATH=f"{BIN}{os.pathsep}{os.environ['PATH']}"), check=True, capture_output=True)
    # the local backend's result: grading/ in a copy of the course, same notebook, same moment
    reference = copy_course(course, tmp_path / "reference")
    local = grade_submission(reference, "ps1", STUDENT, {"problem.ipynb": handed_in}, timestamp=WHEN)
    assert local.status == "graded" and 0 < local.score < local.max_score  # a partial answer: some tests fail
    url, sid = _platform(tmp_path, "wb-course", handed_in)

    broker = Broker(tmp_path)
    broker.start()
    queues = {"JINGUO_COURSE_QUEUE": f"wbc-{sid}-{os.getpid()}", "JINGUO_COMPETITION_QUEUE": f"wbk-{os.getpid()}"}
    env = dict(os.environ, JINGUO_BROKER_URL=broker.url, JINGUO_DB_URL=url, **queues,
               PATH=f"{BIN}{os.pathsep}{os.environ['PATH']}")
    worker = start_worker(env, tmp_path / "scratch", tmp_path / "worker.log")
    queue = GradingQueue(backend="celery", db_url=url, data_dir=str(data))
    service = CeleryGrading(queue, broker_url=broker.url, course_queue=queues["JINGUO_COURSE_QUEUE"],
                            competition_queue=queues["JINGUO_COMPETITION_QUEUE"])
    service.connect()
    try:
        assert service._publish([sid]) == 1
        _wait(url, sid, lambda sub: sub.status == "graded", "the worker's grade")
        assert not (course / "gradebook.db").exists() or STUDENT not in {
            k[0] for k in gradebook_rows(course)}  # the worker wrote nothing into the course
        service._reconcile()  # the service's passes: its callbacks, then (a thread of its own) the write-back
        service._write_back()

        with session_scope(url) as s:
            assert s.scalar(select(Grade).where(Grade.submission_id == sid)).score == local.score
            written = s.get(AutogradedHandIn, sid).written_at
        assert written is not None
        ours = {k: v for k, v in gradebook_rows(course).items() if k[0] == STUDENT}
        assert ours and ours == {k: v for k, v in gradebook_rows(reference).items() if k[0] == STUDENT}
        assert ours[(STUDENT, "extra", "grade:t0")][0] == 0  # the notebook she did not hand in
        folder, ref_folder = (c / "autograded" / STUDENT / "ps1" for c in (course, reference))
        assert sorted(p.name for p in folder.iterdir()) == sorted(p.name for p in ref_folder.iterdir())
        for name in ("problem.ipynb", "timestamp.txt"):
            assert stat.S_IMODE((folder / name).stat().st_mode) == stat.S_IMODE((ref_folder / name).stat().st_mode) \
                == 0o440
        assert (folder / "timestamp.txt").read_text() == (ref_folder / "timestamp.txt").read_text()
        graded = nbformat.read(folder / "problem.ipynb", as_version=4)
        assert any(o.get("output_type") == "error" for c in graded.cells for o in c.get("outputs", []))

        exported = subprocess.run([str(BIN / "nbgrader"), "export", "--to", str(tmp_path / "grades.csv")],
                                  cwd=course, env=env, capture_output=True, text=True, timeout=300)
        assert exported.returncode == 0, exported.stderr[-2000:]
        rows = [r for r in csv.DictReader(open(tmp_path / "grades.csv")) if r["student_id"] == STUDENT]
        assert [(r["assignment"], float(r["raw_score"])) for r in rows] == [("ps1", local.score)]

        # a second delivery of the same task: absorbed by the worker, nothing new for the gradebook
        service.app.send_task(TASK, kwargs={"submission": sid, "bundle": _bundle(url), "lease": 60, "attempts": 3},
                              queue=queues["JINGUO_COURSE_QUEUE"])
        _wait(url, sid, lambda sub: sub.deliveries >= 2, "the second delivery")
        service._reconcile()
        service._write_back()
        with session_scope(url) as s:
            assert s.get(AutogradedHandIn, sid).written_at == written
        assert {k: v for k, v in gradebook_rows(course).items() if k[0] == STUDENT} == ours
        # and writing the same hand-in again (the service stopped between the write and its mark) adds nothing
        with session_scope(url) as s:
            s.get(AutogradedHandIn, sid).written_at = None
        service._write_back()
        assert {k: v for k, v in gradebook_rows(course).items() if k[0] == STUDENT} == ours
        from nbgrader.api import Gradebook

        with Gradebook(f"sqlite:///{course / 'gradebook.db'}", "demo") as gb:
            assert [s.student.id for s in gb.assignment_submissions("ps1")] == [STUDENT]
    finally:
        kill_group(worker)
        broker.stop()


def _bundle(url: str) -> str:
    from hub.store.db import session_scope
    from hub.store.orm import GradingBundle

    with session_scope(url) as s:
        return s.scalar(select(GradingBundle.sha256))

