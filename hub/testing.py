"""A real Jinguo hub on free ports, for tests and benchmarks (like jupyterhub's tests/mocking.py)."""
from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable

import requests

from hub.settings import running_as_root, venv_bin_on_path

VENV_BIN = Path(sys.executable).parent
DEMO_PASSWORD = "jinguo-demo-2026"


def free_base_port() -> int:
    """A base port p with p, p+1, p+2 and p+10 all free (proxy, hub, proxy API, service)."""
    # Below Linux's ephemeral range (32768+), where any outgoing connection may take a port between our check and
    # the proxy's bind; and a range of its own for each pytest-xdist process, so parallel test hubs never race.
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw")
    lane = int(worker) % 3 if worker.isdigit() else 0
    for _ in range(200):
        base = 20000 + lane * 4000 + secrets.randbelow(3980)
        ok = True
        for port in (base, base + 1, base + 2, base + 10):
            with socket.socket() as s:
                try:
                    s.bind(("127.0.0.1", port))
                except OSError:
                    ok = False
                    break
        if ok:
            return base
    raise RuntimeError("no free ports")


def xsrf(session: requests.Session, path: str = "/hub/") -> str | None:
    """The _xsrf cookie for one path (the hub and the service each set their own)."""
    found = [c for c in session.cookies if c.name == "_xsrf" and path.startswith(c.path.rstrip("/") + "/")]
    found.sort(key=lambda c: len(c.path), reverse=True)
    return found[0].value if found else None


class Hub:
    """A running hub: its URL, data folder and helpers to log in as someone."""

    def __init__(self, data_dir: Path, port: int, env: dict[str, str], proc: subprocess.Popen | None = None,
                 config: str | None = None):
        self.data_dir, self.port, self.env, self.proc, self.config = data_dir, port, env, proc, config
        self.url = f"http://127.0.0.1:{port}"
        self.unix_prefix = env["JINGUO_UNIX_PREFIX"]
        self.home_root = Path(env["JINGUO_HOME_ROOT"])

    @property
    def db_url(self) -> str:
        return self.env.get("JINGUO_DB_URL") or f"sqlite:///{self.data_dir / 'jinguo.sqlite'}"

    @property
    def hub_db_url(self) -> str:
        return f"sqlite:///{self.data_dir / 'jupyterhub.sqlite'}"

    def session(self, username: str | None = None, password: str = DEMO_PASSWORD) -> requests.Session:
        s = requests.Session()
        if username:
            s.get(f"{self.url}/hub/login")
            r = s.post(f"{self.url}/hub/login?next=", data={
                "username": username, "password": password, "_xsrf": xsrf(s)})
            assert r.status_code == 200, f"login of {username} failed: {r.status_code}"
        return s

    def start_server(self, session: requests.Session, username: str) -> None:
        """Ask the hub's REST API to start her server, as the 进入我的笔记本 button does."""
        # The token bound to the logged-in session is in the page, as the hub's own JavaScript reads it.
        page = session.get(f"{self.url}/hub/home").text
        token = page.split('xsrf_token: "', 1)[1].split('"', 1)[0]
        r = session.post(f"{self.url}/hub/api/users/{username}/server", json={}, headers={"X-XSRFToken": token})
        assert r.status_code in (201, 202), f"{r.status_code} {r.text}"

    def server_ready(self, session: requests.Session, username: str) -> bool:
        r = session.get(f"{self.url}/hub/api/users/{username}")
        return r.status_code == 200 and bool(r.json().get("servers", {}).get("", {}).get("ready"))

    def api_token(self, username: str, note: str = "test") -> str:
        """A fresh API token of hers from the hub's own token API (as her server's token works)."""
        s = self.session(username)
        r = s.post(f"{self.url}/hub/api/users/{username}/tokens", json={"note": note},
                   headers={"X-XSRFToken": xsrf(s, "/hub/home")})
        if r.status_code not in (200, 201):
            raise RuntimeError(f"no token for {username}: HTTP {r.status_code} {r.text[:200]}")
        return r.json()["token"]

    def jinguo(self, *args: str, input: str | None = None) -> subprocess.CompletedProcess:
        return subprocess.run([str(VENV_BIN / "jinguo"), *args], env=self.env, capture_output=True,
                              text=True, input=input, timeout=120)


def start_hub(tmp: Path, config: str | None = None, demo_activity: bool = False) -> Hub:
    """A hub on a fresh data folder seeded with the demo members; with ``demo_activity`` the whole living demo
    (courses, competitions, rounds, ...) as `make demo` leaves it, its progress kept in demo.log."""
    venv_bin_on_path()  # the caller may publish courses itself: nbgrader runs alembic from PATH
    port = free_base_port()
    tag = secrets.token_hex(2)
    env = dict(os.environ, JINGUO_DATA_DIR=str(tmp / "data"), JINGUO_PORT=str(port),
               JINGUO_HOME_ROOT=f"/home/jinguo-test-{tag}", JINGUO_UNIX_PREFIX=f"jt{tag}-",
               PATH=f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}")
    tmp.mkdir(parents=True, exist_ok=True)
    os.chmod(tmp, 0o755)
    # The service's own settings file, as an admin would write it: look for phases to warm, and for manual grades
    # given in formgrader, every 2 s (not every 60 and 30).
    (tmp / "jinguo_config.py").write_text("c = get_config()  # noqa\nc.GradingQueue.warm_every = 2\n"
                                          "c.ManualGradeSync.interval = 2\n")
    env["JINGUO_CONFIG"] = str(tmp / "jinguo_config.py")
    seeded = subprocess.run([str(VENV_BIN / "jinguo"), "demo", *([] if demo_activity else ["--people-only"])],
                            env=env, capture_output=True, text=True)
    (tmp / "demo.log").write_text(seeded.stdout + seeded.stderr, encoding="utf-8")
    assert seeded.returncode == 0, seeded.stderr[-3000:]
    return serve(Hub(tmp / "data", port, env, config=config))


def serve(hub: Hub, timeout: float = 60) -> Hub:
    """`jinguo serve` for ``hub`` (again, after a stop or a crash: same data folder, same ports), once its platform
    service answers. Its output is appended to hub.log beside the data folder."""
    tmp = hub.data_dir.parent
    log = open(tmp / "hub.log", "ab")
    extra = ["--config", hub.config] if hub.config else []
    proc = subprocess.Popen([str(VENV_BIN / "jinguo"), *extra, "serve"], env=hub.env, stdout=log,
                            stderr=subprocess.STDOUT, start_new_session=True)
    hub.proc = proc
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError((tmp / "hub.log").read_text(errors="replace")[-3000:])
        try:
            # ready: the service answers, and it is this hub's own (after a crash, an orphan might answer)
            service = _service_pid(hub)
            if (requests.get(f"{hub.url}/services/jinguo/api/openapi.json", timeout=2).status_code == 200
                    and (service is None or _parent_of(service) == proc.pid)):
                return hub
        except (requests.ConnectionError, requests.Timeout):  # not listening yet, or busy starting
            pass
        time.sleep(0.3)
    raise RuntimeError("hub did not start: " + (tmp / "hub.log").read_text(errors="replace")[-3000:])


def _service_pid(hub: Hub) -> int | None:
    """The platform service's pid, from the pid file it writes once it listens (hub/web/lifecycle.py)."""
    try:
        return int(json.loads((hub.data_dir / "jinguo-service.pid").read_text())["pid"])
    except (OSError, ValueError, KeyError):
        return None


def _parent_of(pid: int | None) -> int | None:
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return None


def _processes(match: Callable[[Path], bool]) -> list[int]:
    """Pids of the processes (not this one) whose /proc folder ``match`` accepts; one gone meanwhile, or not ours
    to read, is left out."""
    pids = []
    for proc in Path("/proc").iterdir():
        try:
            if proc.name.isdigit() and int(proc.name) != os.getpid() and match(proc):
                pids.append(int(proc.name))
        except OSError:
            pass
    return pids


def culler_pids(hub: Hub) -> list[int]:
    """This hub's idle-culler processes: JupyterHub starts its managed services in the hub's data folder, each in
    a session of its own (so a signal to the hub's process group does not reach them)."""
    return _processes(lambda proc: b"idle_cull" in (proc / "cmdline").read_bytes()
                      and Path(os.readlink(proc / "cwd")) == hub.data_dir)


def left_behind(hub: Hub) -> list[int]:
    """Processes of this hub still running once it is gone: a hub killed outright (kill -9) leaves its proxy and its
    platform service, which JupyterHub starts in sessions of their own (``jinguo serve`` takes over from them after a
    crash). Known by the data folder the hub gave them, never by name."""
    mine = f"JINGUO_DATA_DIR={hub.data_dir}".encode()
    return _processes(lambda proc: mine in (proc / "environ").read_bytes().split(b"\0"))


def stop_hub(hub: Hub) -> None:
    try:
        os.killpg(hub.proc.pid, signal.SIGTERM)
        hub.proc.wait(timeout=20)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        try:
            os.killpg(hub.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    # A hub that did not stop cleanly leaves its culler behind for a moment (it ends itself within a second of
    # the hub: hub/jupyterhub/idle_culling.py); one still there after that is ended here, by pid, never by name.
    deadline = time.monotonic() + 5
    while culler_pids(hub) and time.monotonic() < deadline:
        time.sleep(0.2)
    for pid in culler_pids(hub) + left_behind(hub):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    if running_as_root():
        for line in Path("/etc/passwd").read_text().splitlines():
            name = line.split(":", 1)[0]
            if name.startswith(hub.unix_prefix):
                subprocess.run(["pkill", "-KILL", "-u", name], capture_output=True)
                subprocess.run(["userdel", "-r", name], capture_output=True)
        for line in Path("/etc/group").read_text().splitlines():  # course groups (hub/jupyterhub/unix_groups.py)
            name = line.split(":", 1)[0]
            if name.startswith(hub.unix_prefix):
                subprocess.run(["groupdel", name], capture_output=True)
    shutil.rmtree(hub.home_root, ignore_errors=True)
