"""The platform service's life: it stops within a moment of SIGTERM/SIGINT, and it leaves a pid file by which the
next ``jinguo serve`` finds a service that a crashed hub left running.

Why stopping is abrupt. JupyterHub stops its managed service with SIGINT and waits up to 30 s before SIGTERM. A
grading thread inside nbgrader cannot be interrupted, and Python joins the grading threads at exit, so a service
that merely returned from its loop waited for the submission being graded (and for a pool still booting) before it
died — the ~30 s of `make demo` stopping. Nothing in this process needs saving: the database is the truth, a
submission being graded stays "grading" and is graded again at the next start (GradingQueue.start), and grading/
is built to be killed midway. So on a signal the service stops listening, kills its grading workers (their
sandboxes die with them: bwrap --die-with-parent) and leaves at once with os._exit, skipping the joins.

Why a pid file. After ``kill -9`` of the hub, its service lives on (JupyterHub starts it in a session of its own),
holding the service port: the next hub's service died with "Address already in use" while the orphan went on
serving, managed by nobody. The pid file names the process and its port, so ``jinguo serve`` stops exactly that
process — after checking that the pid is still our service on our port — never anything found by name.
"""
from __future__ import annotations

import asyncio
import json
import logging
import multiprocessing
import multiprocessing.util
import os
import signal
import sys
import time
from pathlib import Path
from typing import Callable, Iterable

PID_FILE_NAME = "jinguo-service.pid"
SERVICE_MODULE = "hub.web"


def pid_file_for(data_dir: str | Path) -> Path:
    return Path(data_dir) / PID_FILE_NAME


def write_pid_file(path: Path, port: int) -> None:
    """Written once the port is ours: {"pid": ..., "port": ...}; private to the hub's account."""
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps({"pid": os.getpid(), "port": port}), encoding="utf-8")
    tmp.chmod(0o600)
    tmp.replace(path)


def remove_pid_file(path: Path) -> None:
    """Removed only by the process it names (a new service may already have written its own)."""
    try:
        if json.loads(path.read_text(encoding="utf-8")).get("pid") == os.getpid():
            path.unlink()
    except (OSError, ValueError):
        pass


def stop_on_signals(log: logging.Logger, stop_parts: Iterable[Callable[[], None]], pid_file: Path,
                    signals: tuple[int, ...] = (signal.SIGTERM, signal.SIGINT)) -> None:
    """On any of ``signals`` (run on the event loop): stop each part, kill the grading workers, exit 0."""
    loop = asyncio.get_event_loop()
    parts = list(stop_parts)

    def stop(signum: int) -> None:
        started = time.monotonic()
        log.info("收到 %s，平台服务停止；正在评分的提交将在下次启动时重新评分 / %s received: stopping; submissions "
                 "being graded are graded again at the next start", signal.Signals(signum).name,
                 signal.Signals(signum).name)
        for part in parts:
            try:
                part()
            except Exception:  # stopping goes on: what is left undone, the next start redoes
                log.warning("could not stop %r cleanly", part, exc_info=True)
        killed = kill_grading_workers()
        remove_pid_file(pid_file)
        log.info("平台服务已停止（%.2f 秒，结束评分进程 %d 个）/ service stopped in %.2f s (%d grading workers ended)",
                 time.monotonic() - started, killed, time.monotonic() - started, killed)
        logging.shutdown()  # flush the log before leaving without Python's exit handlers
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)

    for signum in signals:
        loop.add_signal_handler(signum, stop, signum)


def kill_grading_workers() -> int:
    """SIGKILL every worker process this service started (grading/'s pools, through multiprocessing): a worker in
    the middle of a submission would otherwise grade on for as long as the submission runs."""
    children = multiprocessing.active_children()
    for child in children:
        try:
            child.kill()
        except (OSError, ValueError):  # already gone
            pass
    for child in children:
        child.join(timeout=1)
    # The pools' queues and locks are named semaphores: release them now, as Python's exit would have (else
    # multiprocessing's resource tracker unlinks them itself and warns of "leaked semaphore objects" in the log).
    # Only finalizers of priority >= 0 run: none of them waits for a thread.
    try:
        multiprocessing.util._run_finalizers(0)
    except Exception:  # tidiness only: the resource tracker still unlinks them
        pass
    return len(children)


def _cmdline(pid: int) -> list[str]:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().decode("utf-8", "replace").split("\0")
    except OSError:
        return []


def _listens_on(pid: int, port: int) -> bool:
    """Whether ``pid`` holds a listening TCP socket on ``port`` (its socket inodes against /proc/net/tcp{,6})."""
    try:
        inodes = {os.readlink(f"/proc/{pid}/fd/{fd}")[8:-1] for fd in os.listdir(f"/proc/{pid}/fd")
                  if os.readlink(f"/proc/{pid}/fd/{fd}").startswith("socket:[")}
    except OSError:
        return False
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            # local address "0100007F:1F90", state 0A = LISTEN, inode in column 10
            if fields[3] == "0A" and int(fields[1].rsplit(":", 1)[1], 16) == port and fields[9] in inodes:
                return True
    return False


def leftover_service(pid_file: Path, port: int) -> int | None:
    """The pid of a service a dead hub left running on ``port``, per its pid file; None when there is none. A pid
    file whose process is gone, or is no longer our service on our port (the pid was reused), names nobody."""
    try:
        recorded = json.loads(pid_file.read_text(encoding="utf-8"))
        pid, recorded_port = int(recorded["pid"]), int(recorded["port"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    cmdline = _cmdline(pid)
    ours = "-m" in cmdline and SERVICE_MODULE in cmdline and recorded_port == port
    return pid if ours and _listens_on(pid, port) else None


def stop_leftover_service(pid_file: Path, port: int, say: Callable[[str], None], timeout: float = 10.0) -> int | None:
    """Stop the service a crashed hub left (SIGTERM, which it obeys at once; SIGKILL if it does not within
    ``timeout``), so the new hub's own service can take the port. Returns its pid, or None if there was none."""
    pid = leftover_service(pid_file, port)
    if pid is None:
        pid_file.unlink(missing_ok=True)
        return None
    say(f"发现上次未正常退出留下的平台服务（进程 {pid}，端口 {port}），正在停止 / stopping the platform service "
        f"left by a hub that did not exit cleanly (pid {pid}, port {port})")
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and Path(f"/proc/{pid}").exists() and _cmdline(pid):
        time.sleep(0.1)
    if _cmdline(pid):  # still there (a zombie has an empty cmdline): no more waiting
        os.kill(pid, signal.SIGKILL)
    pid_file.unlink(missing_ok=True)
    return pid
