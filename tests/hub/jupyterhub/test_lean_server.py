"""Workers' servers start lean (issue 20: a whole competition starts its servers in the same minute).

A learner's server starts through hub/jupyterhub/singleuser/lean.py and does not load nbgrader's Assignments panel
until she opens it; then the panel answers as before. An instructor's server loads formgrader at start, as before.
What a server has loaded is read from its memory map: nbgrader's exchange brings rapidfuzz's compiled modules, and
cryptography's Fernet its Rust bindings, which no other part of the server loads."""
from __future__ import annotations

import os
import pwd
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="each server runs as its own Unix account only as root")

NBGRADER_EXCHANGE = "/rapidfuzz/"  # imported by nbgrader.exchange (the Assignments panel, formgrader)
FERNET = "/cryptography/hazmat/bindings/"  # jupyterhub.crypto: the hub's encrypted auth state, never the server's


def running(hub, name: str):
    """Her logged-in session with her server ready (started now unless another test already did)."""
    s = hub.session(name)
    if not hub.server_ready(s, name):
        hub.start_server(s, name)
        deadline = time.monotonic() + 120
        while not hub.server_ready(s, name) and time.monotonic() < deadline:
            time.sleep(0.3)
    assert hub.server_ready(s, name), f"{name}'s server is not ready"
    assert s.get(f"{hub.url}/user/{name}/lab").status_code == 200  # her browser logs in to it (the hub's OAuth)
    return s


def server_pid(hub, name: str) -> int:
    """Her server: the process of her account that the hub started (its parent is not hers)."""
    uid = pwd.getpwnam(hub.unix_prefix + name).pw_uid
    for proc in Path("/proc").iterdir():
        try:
            if proc.name.isdigit() and proc.stat().st_uid == uid:
                parent = (proc / "stat").read_text().rsplit(")", 1)[1].split()[1]
                if Path(f"/proc/{parent}").stat().st_uid != uid:
                    return int(proc.name)
        except OSError:  # gone meanwhile
            pass
    raise AssertionError(f"no server process of {name}")


def mapped(pid: int, part: str) -> bool:
    return any(part in line for line in Path(f"/proc/{pid}/maps").read_text().splitlines())


def test_learners_server_starts_lean_and_loads_the_assignments_panel_when_she_opens_it(hub):
    name = "worker20"
    s = running(hub, name)
    pid = server_pid(hub, name)
    assert b"hub.jupyterhub.singleuser.lean" in Path(f"/proc/{pid}/cmdline").read_bytes()
    assert not mapped(pid, NBGRADER_EXCHANGE), "nbgrader's panel was loaded before she opened it"
    assert not mapped(pid, FERNET)

    # what the panel asks first when she opens it: the courses, then the assignments of one
    r = s.get(f"{hub.url}/user/{name}/courses")
    assert r.status_code == 200, r.text[:500]
    assert "success" in r.json()
    r = s.get(f"{hub.url}/user/{name}/assignments", params={"course_id": "office-data"})
    assert r.status_code == 200 and "success" in r.json(), r.text[:500]
    assert mapped(pid, NBGRADER_EXCHANGE)
    assert s.get(f"{hub.url}/user/{name}/assignments/no-such-action").status_code == 404


def test_instructors_server_loads_formgrader_at_start(hub):
    name = "teacher2"
    s = running(hub, name)
    pid = server_pid(hub, name)
    assert mapped(pid, NBGRADER_EXCHANGE), "formgrader (and nbgrader's exchange) should load with her server"
    r = s.get(f"{hub.url}/user/{name}/formgrader")
    assert r.status_code == 200, r.text[:500]


LEAN_PROBE = """
import subprocess, sys
started = []
popen = subprocess.Popen.__init__
subprocess.Popen.__init__ = lambda self, args, *a, **k: started.append(args) or popen(self, args, *a, **k)
from hub.jupyterhub.singleuser.lean import lean
lean()
import jupyterhub.singleuser, jupyter_server.serverapp, jupyterlab.labapp
assert not started, f"the server started {started}"  # JupyterLab's yarn (Node.js) configuration, before
left_out = sorted(m for m in ("lark", "rfc3987_syntax", "mako", "alembic.runtime", "alembic.ddl")
                  if sys.modules.get(m) is not None)
import jupyterhub.orm as orm  # what the hub's database upgrade uses still works when asked for
assert orm.ScriptDirectory.from_config and orm.alembic.config.Config and orm.alembic.command.upgrade
import alembic.ddl.base  # and any other part of alembic imported meanwhile
print(left_out)
"""


def test_lean_start_leaves_out_the_hubs_own_modules_yet_they_work_when_used():
    import subprocess
    import sys

    r = subprocess.run([sys.executable, "-c", LEAN_PROBE], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr[-2000:]
    assert r.stdout.strip() == "[]", r.stdout
