"""A process leaving while a grading worker is still being started: the platform service, on SIGTERM, kills its
workers, releases multiprocessing's named semaphores and exits (hub/web/lifecycle.py), while its grading thread
may just be replacing a killed worker. That worker must not be left unpickling queues whose semaphores are gone
(it died with a FileNotFoundError traceback from SemLock._rebuild in the service's log)."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.grading.corpus import KINDS, make_course

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="the sandbox switches to an unprivileged uid: run as root")

ROOT = Path(__file__).resolve().parents[2]

LEAVE_WHILE_STARTING = """
import multiprocessing, multiprocessing.util, os, sys
from pathlib import Path
from grading import SandboxLimits
from grading.pool import Pool

if __name__ == "__main__":
    pool = Pool(Path(sys.argv[1]), SandboxLimits(), True, 1)
    for child in multiprocessing.active_children():  # the service's stop: every worker killed ...
        child.kill()
    for _ in range(4):  # ... while the grading thread replaces them
        pool._spawn()
    multiprocessing.util._run_finalizers(0)  # the semaphores released, then out without Python's exit
    os._exit(0)
"""


def group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def test_a_worker_started_as_its_process_leaves_is_stopped_before_the_semaphores_go(tmp_path):
    course = make_course(tmp_path / "c", {"full": KINDS["full"]})
    with open(tmp_path / "stderr", "w+") as err:
        proc = subprocess.Popen([sys.executable, "-c", LEAVE_WHILE_STARTING, str(course)], stdout=subprocess.DEVNULL,
                                stderr=err, cwd=ROOT, start_new_session=True)
        try:
            assert proc.wait(timeout=120) == 0
            deadline = time.monotonic() + 60  # its workers: gone at once, or dead of the traceback, or left to kill
            while group_alive(proc.pid) and time.monotonic() < deadline:
                time.sleep(0.2)
        finally:
            if group_alive(proc.pid):
                os.killpg(proc.pid, signal.SIGKILL)
        err.seek(0)
        said = err.read()
    assert "Traceback" not in said and "SemLock" not in said, said[-3000:]
