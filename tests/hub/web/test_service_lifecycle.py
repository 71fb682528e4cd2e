"""The hub's life on one data folder, with a real `jinguo serve`, real grading and real signals:
- SIGTERM to the hub: the whole process tree (hub, proxy, platform service, grading workers, sandboxes) is gone
  soon, with no traceback in the log; the submission that was being graded is graded after the next start.
- kill -9 of the hub: `jinguo serve` again on the same folder and ports stops what the dead hub left (by pid files),
  and the platform is the new hub's own: its service answers, the orphans are gone, a submission is graded.
Bounds are generous (the machine is shared); the measured times are printed."""
from __future__ import annotations


import json
import os
import signal
import time
from datetime import timedelta
from pathlib import Path

import nbformat
import pytest
import requests

from hub.testing import serve, start_hub, stop_hub
from tests.conftest import platform_client
from tests.grading.corpus import KINDS
from tests.journeys.competition import open_competition

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(os.geteuid() != 0, reason="grading switches to an unprivileged uid: run as root")]
SLUG = "lifecycle-2026"
# The answer takes a while, so the hub is stopped (or killed) while it is being graded; full marks once graded.
SLOW_ANSWER = "import time\ntime.sleep(12)\n" + KINDS["full"]


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    h = start_hub(tmp_path_factory.mktemp("lifecycle"))
    open_competition(h, tmp_path_factory.mktemp("spec"), SLUG, "重启测试赛", per_day=10, open_for=timedelta(days=1))
    yield h
    stop_hub(h)


def slow_notebook(hub) -> dict:
    nb = nbformat.read(hub.data_dir / "competitions" / SLUG / "release" / "task1" / "problem.ipynb", as_version=4)
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == "answer":
            cell.source = SLOW_ANSWER
    return dict(nb)


def wait_status(hub, sid: int, wanted: tuple[str, ...], timeout: float = 240, user: str = "worker01") -> dict:
    deadline, last = time.monotonic() + timeout, None
    client = platform_client(hub, user)
    while time.monotonic() < deadline:
        try:
            last = client.submission(SLUG, sid)
            if last["status"] in wanted:
                return last
        except requests.ConnectionError:
            pass
        time.sleep(0.5)
    raise AssertionError(f"submission {sid} never reached {wanted}: {last}")


def alive(pid: int) -> bool:
    """Running (a zombie, dead but not yet reaped by init, counts as gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return False
    return fields[0] != "Z"


def descendants(pid: int) -> set[int]:
    """Every process below ``pid`` (children in other sessions too: the proxy, the service, the sandboxes)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def service_pid(hub) -> int:
    """The hub's platform service: its child running ``-m hub.web`` (found from outside, not from the pid file
    the fix writes)."""
    found = [p for p in descendants(hub.proc.pid)
             if b"hub.web" in Path(f"/proc/{p}/cmdline").read_bytes().split(b"\0") and parent(p) == hub.proc.pid]
    assert len(found) == 1, f"the hub's service process was not found: {found}"
    return found[0]


def parent(pid: int) -> int | None:
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return None


def submit_and_wait_grading(hub) -> int:
    sid = platform_client(hub, "worker01").submit(SLUG, "task1", slow_notebook(hub))["id"]
    wait_status(hub, sid, ("grading",))
    return sid


def test_a_second_serve_beside_a_live_hub_is_refused_and_touches_nothing(hub):
    service = service_pid(hub)
    again = hub.jinguo("serve")
    assert again.returncode == 1
    assert "平台已在运行" in again.stderr and "already running" in again.stderr
    assert alive(hub.proc.pid) and service_pid(hub) == service  # the running platform is left alone


def test_a_crashed_hub_comes_back_whole(hub):
    sid = submit_and_wait_grading(hub)
    old_proxy = int((hub.data_dir / "jupyterhub-proxy.pid").read_text())
    old_service = service_pid(hub)
    assert alive(old_proxy) and alive(old_service)

    os.kill(hub.proc.pid, signal.SIGKILL)  # the hub crashes; what it started lives on
    hub.proc.wait(timeout=30)
    time.sleep(1)
    assert alive(old_proxy) and alive(old_service), "the orphans this test is about did not outlive the hub"

    started = time.monotonic()
    serve(hub, timeout=120)  # same data folder, same ports
    print(f"back after a crash in {time.monotonic() - started:.1f} s")
    assert not alive(old_proxy) and not alive(old_service)
    new_service = service_pid(hub)  # a child of the new hub: its own
    assert new_service != old_service
    assert json.loads((hub.data_dir / "jinguo-service.pid").read_text()) == {"pid": new_service, "port": hub.port + 10}
    log = (hub.data_dir.parent / "hub.log").read_text(errors="replace")
    assert "Address already in use" not in log
    assert "left by a hub that did not exit cleanly" in log

    # the submission the orphan was grading is graded by the new service, and a new one works too
    assert wait_status(hub, sid, ("graded",))["score"] == 3.0
    fresh = platform_client(hub, "worker02").submit(SLUG, "task1", slow_notebook(hub))["id"]
    assert wait_status(hub, fresh, ("graded",), user="worker02")["score"] == 3.0


def test_sigterm_stops_the_whole_tree_soon_and_nothing_is_lost(hub):
    sid = submit_and_wait_grading(hub)
    tree = descendants(hub.proc.pid) | {hub.proc.pid}
    service = service_pid(hub)
    assert service in tree and len(tree) >= 4  # hub, proxy, service, at least the grading forkserver or a worker
    log_before = (hub.data_dir.parent / "hub.log").stat().st_size

    started = time.monotonic()
    os.kill(hub.proc.pid, signal.SIGTERM)  # as `kill`, systemd or Ctrl-C (SIGINT) stop `make demo`
    hub.proc.wait(timeout=10)
    hub_gone = time.monotonic() - started
    while any(alive(p) for p in tree) and time.monotonic() - started < 10:
        time.sleep(0.05)
    all_gone = time.monotonic() - started
    print(f"hub exited {hub_gone:.2f} s after SIGTERM; its whole process tree {all_gone:.2f} s")
    assert not [p for p in tree if alive(p)], "processes outlived the hub"
    with open(hub.data_dir.parent / "hub.log", "rb") as f:
        f.seek(log_before)
        stopping_log = f.read().decode(errors="replace")
    # every traceback fails it, also a grading worker's that was still starting when the service released the
    # semaphores of its queues (grading/pool.py stops such workers first; tests/grading/test_pool_shutdown.py)
    assert "Traceback" not in stopping_log and "AttributeError" not in stopping_log, stopping_log[-3000:]
    assert "leaked semaphore" not in stopping_log  # the grading pools' semaphores were released, not left behind
    assert "service stopped in" in stopping_log  # the service said it stopped, and did not wait for grading
    assert not (hub.data_dir / "jinguo-service.pid").exists()

    serve(hub, timeout=120)
    graded = wait_status(hub, sid, ("graded",))
    assert graded["score"] == 3.0
