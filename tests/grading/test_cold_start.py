"""What a cold run does first (issue 20): the coordinator never imports nbgrader, and a worker launches its
sandboxed zygote before it imports nbgrader (lean: without nbgrader's Jupyter server extensions or setuptools),
so the two boot side by side. Each check runs in a fresh process, where nothing is imported yet; no timings."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.grading.corpus import KINDS, make_course

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="the sandbox switches to an unprivileged uid: run as root")

ROOT = Path(__file__).resolve().parents[2]


def fresh_python(code: str) -> dict:
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert run.returncode == 0, run.stderr[-3000:]
    return json.loads(run.stdout.strip().splitlines()[-1])


def test_the_coordinator_of_a_run_never_imports_nbgrader(tmp_path):
    course = make_course(tmp_path / "c", {"full": KINDS["full"], "wrong": KINDS["wrong"]})
    seen = fresh_python(f"""
import json, sys
from grading import autograde
if __name__ == "__main__":
    first = {{r.student: (r.status, r.score) for r in autograde({str(course)!r}, "ps1", workers=1)}}
    again = {{r.student: (r.status, r.score) for r in autograde({str(course)!r}, "ps1", workers=1)}}
    print(json.dumps({{"first": first, "again": again, "nbgrader": sorted(m for m in sys.modules if m.startswith("nbgrader"))}}))
""")
    assert seen["first"] == {"full": ["graded", 3.0], "wrong": ["graded", 0.0]}
    assert seen["again"] == seen["first"]  # the gradebook, read with sqlite3, says both are graded already
    assert seen["nbgrader"] == []


def test_a_worker_launches_its_zygote_before_importing_nbgrader_and_skips_what_it_never_runs(tmp_path):
    course = make_course(tmp_path / "c", {"full": KINDS["full"]})
    seen = fresh_python(f"""
import json, sys
import grading.sandbox as sandbox
loaded_at_launch = []
launch = sandbox.Zygote.__init__
def recording(self, *args, **kwargs):
    loaded_at_launch.append(sorted(m for m in sys.modules if m.startswith("nbgrader")))
    launch(self, *args, **kwargs)
sandbox.Zygote.__init__ = recording
from grading import SandboxLimits
from grading.pipeline import Worker
worker = Worker({str(course)!r}, SandboxLimits())
result = worker.grade("ps1", "full")
worker.close()
import nbgrader
print(json.dumps({{"at_launch": loaded_at_launch, "score": [result.status, result.score],
                  "unused": [m for m in ("jupyter_server", "setuptools") if m in sys.modules],
                  "version": nbgrader.__version__, "extension": nbgrader._jupyter_server_extension_points()}}))
""")
    assert seen["at_launch"] == [[]]
    assert seen["score"] == ["graded", 3.0]
    assert seen["unused"] == []
    # the package is still whole for whoever asks: its version, and its __init__'s names on first use
    assert seen["version"] and seen["extension"] == [{"module": "nbgrader"}]


def test_the_ledger_records_without_an_fsync_each_and_stays_crash_safe(tmp_path):
    from grading.ledger import Ledger
    from grading.results import GradeResult

    ledger = Ledger(tmp_path)
    try:
        assert ledger.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"  # never corrupted by a crash
        assert ledger.db.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL: no fsync per record
        ledger.record(GradeResult("alice", "ps1", 3.0, 4.0, "graded"), "d1")
        assert ledger.finished("ps1", "alice", "d1").score == 3.0
    finally:
        ledger.close()
