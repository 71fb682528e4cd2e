"""Fixtures shared by every area: a real JupyterHub with the Jinguo service, on free ports."""
from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

PROJECT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
ARTIFACTS = PROJECT / "test-artifacts"
DEMO_PASSWORD = "jinguo-demo-2026"


def free_base_port() -> int:
    """A base port p with p, p+1, p+2 and p+10 all free (proxy, hub, proxy API, service)."""
    for _ in range(200):
        base = secrets.randbelow(20000) + 20000
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

    def __init__(self, data_dir: Path, port: int, env: dict[str, str], proc: subprocess.Popen):
        self.data_dir, self.port, self.env, self.proc = data_dir, port, env, proc
        self.url = f"http://127.0.0.1:{port}"
        self.unix_prefix = env["JINGUO_UNIX_PREFIX"]
        self.home_root = Path(env["JINGUO_HOME_ROOT"])

    @property
    def db_url(self) -> str:
        return f"sqlite:///{self.data_dir / 'jinguo.sqlite'}"

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

    def jinguo(self, *args: str, input: str | None = None) -> subprocess.CompletedProcess:
        return subprocess.run([str(VENV_BIN / "jinguo"), *args], env=self.env, capture_output=True,
                              text=True, input=input, timeout=120)


def start_hub(tmp: Path) -> Hub:
    port = free_base_port()
    tag = secrets.token_hex(2)
    env = dict(os.environ, JINGUO_DATA_DIR=str(tmp / "data"), JINGUO_PORT=str(port),
               JINGUO_HOME_ROOT=f"/home/jinguo-test-{tag}", JINGUO_UNIX_PREFIX=f"jt{tag}-",
               PATH=f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}")
    tmp.mkdir(parents=True, exist_ok=True)
    os.chmod(tmp, 0o755)
    seeded = subprocess.run([str(VENV_BIN / "jinguo"), "demo"], env=env, capture_output=True, text=True)
    assert seeded.returncode == 0, seeded.stderr
    log = open(tmp / "hub.log", "wb")
    proc = subprocess.Popen([str(VENV_BIN / "jinguo"), "serve"], env=env, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)
    hub = Hub(tmp / "data", port, env, proc)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError((tmp / "hub.log").read_text(errors="replace")[-3000:])
        try:
            if requests.get(f"{hub.url}/services/jinguo/api/openapi.json", timeout=2).status_code == 200:
                return hub
        except requests.ConnectionError:
            pass
        time.sleep(0.3)
    raise RuntimeError("hub did not start: " + (tmp / "hub.log").read_text(errors="replace")[-3000:])


def stop_hub(hub: Hub) -> None:
    try:
        os.killpg(hub.proc.pid, signal.SIGTERM)
        hub.proc.wait(timeout=20)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        try:
            os.killpg(hub.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    if os.geteuid() == 0:
        for line in Path("/etc/passwd").read_text().splitlines():
            name = line.split(":", 1)[0]
            if name.startswith(hub.unix_prefix):
                subprocess.run(["pkill", "-KILL", "-u", name], capture_output=True)
                subprocess.run(["userdel", "-r", name], capture_output=True)
    shutil.rmtree(hub.home_root, ignore_errors=True)


@pytest.fixture(scope="session")
def hub(tmp_path_factory) -> Hub:
    """One real hub (demo data seeded) shared by the tests that only read or add new people."""
    h = start_hub(tmp_path_factory.mktemp("hub"))
    yield h
    stop_hub(h)


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium driven by Playwright (no browser download)."""
    if not Path("/usr/bin/chromium").exists():
        pytest.fail("Chromium missing: run `make install` (it installs Debian's chromium package)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--no-first-run", "--disable-sync"])
        yield b
        b.close()
