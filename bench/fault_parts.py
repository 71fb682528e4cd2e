"""The scaffolding of bench/faults.py: a Redis of the run's own, a fresh PostgreSQL database, grading workers
started and killed as process groups, each as a Unix account of its own. Apart so that the scenario
(bench/faults.py) reads as the scenario."""
from __future__ import annotations

import os
import pwd
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from sqlalchemy import create_engine, text

from hub.testing import VENV_BIN


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Broker:
    """A Redis of this run's own (stopping the machine's would stop everyone's), without persistence."""

    def __init__(self, tmp: Path):
        self.port, self.tmp, self.proc = free_port(), tmp, None
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.proc = subprocess.Popen(["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                                      "--appendonly", "no", "--dir", str(self.tmp)],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        import redis

        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                redis.Redis(port=self.port).ping()
                return
            except redis.ConnectionError:
                time.sleep(0.1)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=20)

    def flush(self) -> None:
        import redis

        redis.Redis(port=self.port).flushall()


class Database:
    """A fresh PostgreSQL database on 127.0.0.1:5432 for the platform."""

    def __init__(self):
        self.name = f"jinguo_faults_{secrets.token_hex(4)}"
        self.admin = create_engine("postgresql+psycopg://postgres@127.0.0.1:5432/postgres",
                                   isolation_level="AUTOCOMMIT")
        with self.admin.connect() as c:
            c.execute(text(f'CREATE DATABASE "{self.name}"'))
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{self.name}"

    def drop(self) -> None:
        from hub.store.db import engine_for

        engine_for(self.url).dispose()
        with self.admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)'))
        self.admin.dispose()


def start_worker(env: dict, scratch: Path, log: Path) -> subprocess.Popen:
    return subprocess.Popen([str(VENV_BIN / "jinguo"), "grading-worker", "--scratch", str(scratch)], env=env,
                            stdout=open(log, "ab"), stderr=subprocess.STDOUT, start_new_session=True)


def kill_group(proc: subprocess.Popen, sig: int = signal.SIGTERM) -> None:
    try:
        os.killpg(proc.pid, sig)
    except ProcessLookupError:
        pass
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)


class WorkerAccounts:
    """Each grading worker as a Unix account of its own (the test hub's prefix), in a user namespace of its own.

    The sandbox needs root for each slot's uid and tmpfs (grading/sandbox.py), so a worker runs as root of its own
    user namespace, mapped onto its account: as in the Kubernetes pod (deploy/kubernetes/grading-worker.yaml,
    hostUsers: false). Outside, it is that account: the data folder (root's) is closed to it, and PostgreSQL and
    Redis are reached over 127.0.0.1 like anyone's. The namespace maps 0 to the account and 1..65535 (the sandbox
    uids among them) to a range no account uses; this process (root) writes the maps, no newuidmap needed."""

    WAIT = 'while [ -z "$(cat /proc/self/uid_map)" ]; do sleep 0.05; done; exec "$@"'

    def __init__(self, prefix: str):
        self.prefix, self.names = prefix, []
        # homes and scratch folders in a folder of their own that every account can pass (pytest's temp root cannot)
        self.root = Path(tempfile.mkdtemp(prefix="jinguo-workers-"))
        os.chmod(self.root, 0o755)

    def account(self, i: int) -> tuple[str, int, int]:
        name = f"{self.prefix}gw{i}"
        try:
            pw = pwd.getpwnam(name)
        except KeyError:
            subprocess.run(["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin",
                            "--user-group", name], check=True, capture_output=True)
            self.names.append(name)
            pw = pwd.getpwnam(name)
        return name, pw.pw_uid, pw.pw_gid

    def _own(self, folder: Path, uid: int, gid: int, mode: int = 0o700) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        os.chown(folder, uid, gid)
        os.chmod(folder, mode)
        return folder

    def popen(self, i: int, argv: list[str], env: dict, **kw) -> subprocess.Popen:
        """``argv`` as worker ``i``'s account, root of its own user and mount namespaces."""
        name, uid, gid = self.account(i)
        # its TMPDIR too, which holds the sandbox's slots: the sandbox uids pass through it (as /tmp's 1777)
        home = self._own(self.root / f"home-{name}", uid, gid, 0o711)
        proc = subprocess.Popen(["setpriv", f"--reuid={uid}", f"--regid={gid}", "--clear-groups", "--",
                                 "unshare", "--user", "--mount", "--", "sh", "-c", self.WAIT, "sh", *argv],
                                env=dict(env, HOME=str(home), TMPDIR=str(home)), start_new_session=True, **kw)
        mine, deadline = os.readlink("/proc/self/ns/user"), time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                if os.readlink(f"/proc/{proc.pid}/ns/user") != mine:
                    break
            except OSError:
                pass
            time.sleep(0.02)
        else:
            kill_group(proc, signal.SIGKILL)
            raise RuntimeError(f"worker {name} did not enter its user namespace")
        base = 1_000_000 + (uid % 4096) * 65536  # outside every account's uid
        for kind, outer in (("uid", uid), ("gid", gid)):
            Path(f"/proc/{proc.pid}/{kind}_map").write_text(f"0 {outer} 1\n1 {base + 1} 65535\n")
        return proc

    def start(self, i: int, env: dict, scratch: str, log: Path) -> subprocess.Popen:
        _, uid, gid = self.account(i)
        scratch = self._own(self.root / scratch, uid, gid)
        return self.popen(i, [str(VENV_BIN / "jinguo"), "grading-worker", "--scratch", str(scratch)], env,
                          stdout=open(log, "ab"), stderr=subprocess.STDOUT)

    def can_read(self, i: int, path: Path, env: dict) -> bool:
        """Whether worker ``i`` (as it runs: its account, root of its namespace) can list or read ``path``."""
        proc = self.popen(i, ["sh", "-c", 'ls "$1" >/dev/null 2>&1 || cat "$1" >/dev/null 2>&1', "sh", str(path)],
                          env)
        return proc.wait(timeout=30) == 0

    def remove(self) -> None:
        for name in self.names:
            subprocess.run(["pkill", "-KILL", "-u", name], capture_output=True)
            subprocess.run(["userdel", name], capture_output=True)
        self.names = []
        shutil.rmtree(self.root, ignore_errors=True)
