"""Idle culling on one machine: a real hub with jupyterhub-idle-culler as its managed service, a short timeout set
through the platform's setting, two real JupyterLab servers. The idle one is stopped (its memory freed); the one
whose activity keeps reaching the hub stays."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import pytest
import requests

from hub.testing import culler_pids, start_hub, stop_hub

PROJECT = Path(__file__).resolve().parents[2]
TIMEOUT = 10  # seconds idle before culling; her activity is reported every 2 s, and the test waits generously
IDLE, BUSY = "worker11", "worker12"


def _server(hub, session: requests.Session, name: str) -> dict | None:
    r = session.get(f"{hub.url}/hub/api/users/{name}")
    assert r.status_code == 200, r.text
    return r.json().get("servers", {}).get("")


def _rss_kib(hub, name: str) -> int:
    """Memory held by her server: resident set of every process of her Unix account (root: one account each)."""
    r = subprocess.run(["ps", "-u", hub.unix_prefix + name, "-o", "rss="], capture_output=True, text=True)
    return sum(int(x) for x in r.stdout.split())


def _report_activity(hub, name: str, token: str, starting: bool = False) -> None:
    """What her server reports while she works (jupyterhub-singleuser posts the same to the same API)."""
    now = datetime.now(timezone.utc).isoformat().replace("+00:00", "Z")
    r = requests.post(f"{hub.url}/hub/api/users/{name}/activity", headers={"Authorization": f"token {token}"},
                      json={"last_activity": now, "servers": {"": {"last_activity": now}}}, timeout=30)
    assert r.status_code in (200, 204) or starting, r.text


@pytest.mark.slow
def test_idle_server_is_culled_and_a_busy_one_kept(tmp_path):
    config = tmp_path / "jupyterhub_config.py"
    config.write_text(f"import sys\nsys.path.insert(0, {str(PROJECT)!r})\nfrom hub.jupyterhub.config import configure\n"
                      f"c = get_config()  # noqa\nc.JinguoConfig.cull_idle_timeout = {TIMEOUT}\n"
                      "c.JinguoConfig.cull_every = 5\nconfigure(c)\n")
    hub = start_hub(tmp_path / "hub", config=str(config))
    try:
        sessions = {name: hub.session(name) for name in (IDLE, BUSY)}
        tokens = {name: hub.api_token(name) for name in sessions}
        token = tokens[BUSY]
        for name, s in sessions.items():
            hub.start_server(s, name)
        # Both are in use while they start (her browser waits on the spawn page): on a busy machine a server may
        # take longer than TIMEOUT to start, and the culler would stop it before the test begins.
        deadline = time.monotonic() + 240
        while not all(hub.server_ready(s, n) for n, s in sessions.items()):
            assert time.monotonic() < deadline, "servers did not start"
            for name in sessions:
                _report_activity(hub, name, tokens[name], starting=True)
            time.sleep(1)
        before = {name: _rss_kib(hub, name) for name in sessions}

        # She keeps working on BUSY; nobody touches IDLE. Wait (generously) for the culler to stop IDLE.
        deadline = time.monotonic() + 300
        while _server(hub, sessions[IDLE], IDLE) is not None:
            assert time.monotonic() < deadline, "the idle server was never culled"
            _report_activity(hub, BUSY, token)
            time.sleep(2)
        culled_at = time.monotonic()
        # Another full timeout and more of her activity: her server is still there, and still answers.
        while time.monotonic() < culled_at + 2 * TIMEOUT:
            _report_activity(hub, BUSY, token)
            time.sleep(2)
        assert _server(hub, sessions[BUSY], BUSY) is not None, "the busy server was culled"
        assert hub.server_ready(sessions[BUSY], BUSY)
        assert requests.get(f"{hub.url}/user/{BUSY}/api/status", headers={"Authorization": f"token {token}"},
                            timeout=30).status_code == 200  # and it still answers
        after = {name: _rss_kib(hub, name) for name in sessions}
        assert after[IDLE] == 0  # nothing of hers left running
        log = (tmp_path / "hub" / "hub.log").read_text(errors="replace")
        assert "jupyterhub-idle-culler" in log
        print(f"\nRSS of single-user servers (KiB) before culling {before}, after {after}", file=sys.stderr)

        # A hub killed outright (kill -9, OOM) takes its culler with it: JupyterHub started it in a session of its
        # own and never got to stop it, and an orphan would go on asking a hub that is gone.
        assert culler_pids(hub), "the culler runs in the hub's data folder"
        os.killpg(hub.proc.pid, signal.SIGKILL)
        deadline = time.monotonic() + 10
        while culler_pids(hub):
            assert time.monotonic() < deadline, f"the culler outlived its hub: {culler_pids(hub)}"
            time.sleep(0.2)
    finally:
        stop_hub(hub)
