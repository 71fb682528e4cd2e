"""The scaffolding of bench/faults.py: a Redis of the run's own, a fresh PostgreSQL database, grading workers
started and killed as process groups. Apart so that the scenario (bench/faults.py) reads as the scenario."""
from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
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
