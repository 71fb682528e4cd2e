"""The sandbox, seen from outside: a slot (an unprivileged uid and a small tmpfs), a prewarmed zygote living
in bubblewrap, and the runner of one notebook, a fork of that zygote.

bubblewrap gives the zygote its own user, PID, network (none at all), IPC and UTS namespaces, a read-only
system, and only four writable folders, all on the slot's size-limited tmpfs: ``/home/student`` (the
submission's files), ``/tmp``, ``/dev/shm`` and ``/ipc`` (the runner's socket). The grader wipes them after every
notebook and the zygote kills every process left in its namespace, so nothing passes from one submission to the
next. Everything else is read-only or absent: the root and ``/dev`` (bwrap makes both as tmpfs that live as long
as the zygote), no ``/run`` or ``/var``; no POSIX message queues (RLIMIT_MSGQUEUE 0: they would outlive the
kernel in the zygote's IPC namespace), no nested user namespaces (``--disable-userns``), and no kernel keyrings
(a seccomp filter: a key added to the uid's keyring would outlive the kernel too).
"""
from __future__ import annotations

import fcntl
import json
import os
import secrets
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from grading.config import SandboxLimits
from grading.errors import SandboxUnavailable
from grading.walls import (  # noqa: F401  (names callers import from here)
    DENIED_SYSCALLS, INSIDE_IPC, INSIDE_WORK, RUNNER_FILE, ZYGOTE_FILE, bwrap_argv, check_sandbox, python_roots,
    seccomp_fd, seccomp_program)


class Slot:
    """A uid of its own and a size-limited tmpfs, held for the life of one worker process."""

    def __init__(self, limits: SandboxLimits, root: str | None = None):
        self.limits = limits
        base = Path(root or os.path.join(tempfile.gettempdir(), "jinguo-grading"))
        base.mkdir(mode=0o711, parents=True, exist_ok=True)
        os.chmod(base, 0o711)  # the sandbox's uid passes through to its slot whatever the process's umask (0o007)
        self._lock = None
        for n in range(limits.sandbox_uid_count):
            fh = open(base / f"uid-{limits.sandbox_uid + n}.lock", "w")
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                fh.close()
                continue
            self._lock, self.uid = fh, limits.sandbox_uid + n
            break
        if self._lock is None:
            raise SandboxUnavailable("没有空闲的沙箱用户编号", "no free sandbox uid: raise SandboxLimits.sandbox_uid_count")
        self.dir = base / f"slot-{self.uid}"
        if self.dir.exists():  # left behind by a worker that was killed
            subprocess.run(["umount", "-l", str(self.dir)], capture_output=True)
            shutil.rmtree(self.dir, ignore_errors=True)
        self.dir.mkdir(mode=0o711)
        os.chmod(self.dir, 0o711)  # (mkdir's mode is cut by the umask)
        r = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={limits.disk_mb}m,mode=0711,nosuid,nodev",
                            "tmpfs", str(self.dir)], capture_output=True)
        self.mounted = r.returncode == 0
        self.work, self.tmp, self.ipc, self.shm = (self.dir / d for d in ("work", "tmp", "ipc", "shm"))
        # Python roots under /tmp (a venv in a clone there) are bound onto folders bwrap makes in this slot's /tmp:
        # wiping those mount points would hide the venv from every later notebook of the worker.
        self.mount_points = {self.tmp / Path(r).relative_to("/tmp")
                             for r in python_roots(tuple(limits.kernel_packages)) if r.startswith("/tmp/")}
        self.wipe()

    def wipe(self) -> None:
        for d in (self.work, self.tmp, self.ipc, self.shm):
            if d.exists():
                _empty(d, self.mount_points)
            else:
                d.mkdir(mode=0o700)
            os.chown(d, self.uid, self.uid)
            os.chmod(d, 0o700)

    def fill(self, files: Path, notebooks: Path) -> None:
        """The files the kernel may see: the assignment's data files as nbgrader laid them out (no graded
        notebook: those hold hidden tests) and the student's own notebooks."""
        _copy_submission(files, notebooks, self.work)
        for path in [self.work, *self.work.rglob("*")]:
            os.chown(path, self.uid, self.uid, follow_symlinks=False)

    def close(self) -> None:
        if self.mounted:
            subprocess.run(["umount", "-l", str(self.dir)], capture_output=True)
        shutil.rmtree(self.dir, ignore_errors=True)
        if self._lock:
            self._lock.close()


def _empty(folder: Path, keep: set[Path]) -> None:
    """Delete everything in ``folder`` but the folders in ``keep`` and the way down to them."""
    for child in folder.iterdir():
        if child in keep:
            continue
        if any(child in k.parents for k in keep):
            _empty(child, keep)
        elif child.is_dir() and not child.is_symlink():
            shutil.rmtree(child, ignore_errors=True)
        else:
            child.unlink(missing_ok=True)


def _copy_submission(files: Path, notebooks: Path, dest: Path) -> None:
    """Regular files only: a symlink (or a fifo, a device) is never followed into the sandbox, where it could
    carry a file the submission must not read. The engine refuses such submissions before grading; this is the
    second wall."""
    by_name = shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__", "*.ipynb")

    def skip(folder: str, names: list[str]) -> set[str]:
        odd = {n for n in names if os.path.islink(os.path.join(folder, n))
               or not (os.path.isfile(os.path.join(folder, n)) or os.path.isdir(os.path.join(folder, n)))}
        return set(by_name(folder, names)) | odd

    if files.is_dir() and not files.is_symlink():
        shutil.copytree(files, dest, dirs_exist_ok=True, symlinks=True, ignore=skip)
    for nb in notebooks.glob("*.ipynb"):
        if nb.is_file() and not nb.is_symlink():
            shutil.copyfile(nb, dest / nb.name, follow_symlinks=False)


class Zygote:
    """One prewarmed, sandboxed kernel factory; serves one notebook at a time."""

    def __init__(self, limits: SandboxLimits, sandbox: bool = True, wait: bool = True):
        """``wait=False`` returns as soon as the zygote is launched: its ~1.5 s of prewarming (IPython, numpy,
        pandas, matplotlib) then runs beside whatever the caller does next (a worker importing nbgrader), and
        the first request waits for it (``wait_ready``)."""
        self.limits, self.sandbox = limits, sandbox
        self.slot = Slot(limits) if sandbox else None
        self.proc: subprocess.Popen | None = None
        self._booting = False  # launched, its "ready" line not read yet
        self._used = True  # anything run or copied in since the last reset: start clean
        self.start(wait)

    def start(self, wait: bool = True) -> None:
        fds: tuple[int, ...] = ()
        if self.slot:
            fds = (seccomp_fd(),)
            argv = bwrap_argv(self.slot, self.limits, seccomp=fds[0])
        else:
            self._plain = tempfile.mkdtemp(prefix="jg-nosandbox-")
            for d in ("work", "ipc"):
                os.makedirs(os.path.join(self._plain, d))
            argv = [sys.executable, "-I", str(ZYGOTE_FILE)]
        try:
            self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                         stderr=subprocess.DEVNULL, pass_fds=fds,
                                         cwd=str(self.slot.work) if self.slot else self._plain)
        finally:
            for fd in fds:
                os.close(fd)
        self._booting = True
        if wait:
            self.wait_ready()

    def wait_ready(self) -> None:
        """Block until the zygote has prewarmed and said so; at once when it already has."""
        if not self._booting:
            return
        self._booting = False
        assert self.proc and self.proc.stdout
        if not self.proc.stdout.readline():
            raise SandboxUnavailable("沙箱中的内核工厂无法启动", "the sandboxed kernel factory did not start")

    @property
    def work(self) -> Path:
        return self.slot.work if self.slot else Path(self._plain, "work")

    @property
    def ipc_outside(self) -> Path:
        return self.slot.ipc if self.slot else Path(self._plain, "ipc")

    @property
    def ipc_inside(self) -> str:
        return INSIDE_IPC if self.slot else str(self.ipc_outside)

    @property
    def work_inside(self) -> str:
        return INSIDE_WORK if self.slot else str(self.work)

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def ask(self, req: dict, then: bytes | None = None) -> dict:
        self.wait_ready()
        assert self.proc and self.proc.stdin and self.proc.stdout
        self.proc.stdin.write((json.dumps(req) + "\n").encode())
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if then is not None and line:
            self.proc.stdin.write(then + b"\n")
            self.proc.stdin.flush()
            line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError("zygote ended")
        return json.loads(line)

    def fork_runner(self, req: dict, secret: str) -> dict:
        """Ask for one notebook's runner; ``secret`` (verdict key and tests) is sent only after the fork."""
        self._used = True
        data = secret.encode()
        return self.ask({**req, "secret_bytes": len(data)}, then=data)

    def prepare(self, files: Path, notebooks: Path) -> None:
        """Fresh folders holding a copy of this submission's files."""
        self.reset()
        self._used = True
        if self.slot:
            self.slot.wipe()
            self.slot.fill(files, notebooks)
        else:
            for d in (self.work, self.ipc_outside):
                shutil.rmtree(d, ignore_errors=True)
                d.mkdir()
            _copy_submission(files, notebooks, self.work)

    def reset(self) -> None:
        """Kill everything the last kernel left; restart the zygote if it is gone. Nothing to do when nothing
        ran or was copied in since the last reset."""
        if not self._used and self.alive():
            return
        self._used = False
        try:
            if self.alive():
                self.ask({"op": "reset"})
        except (RuntimeError, OSError, ValueError):
            pass
        if not self.alive():
            self.close(keep_slot=True)
            self.start()
        if self.slot:
            self.slot.wipe()

    def close(self, keep_slot: bool = False) -> None:
        if self.proc:
            try:
                self.proc.kill()
                self.proc.wait(timeout=10)
            except Exception:
                pass
            for f in (self.proc.stdin, self.proc.stdout):
                try:
                    f.close()
                except Exception:
                    pass
            self.proc = None
            self._booting = False
        if not keep_slot and self.slot:
            self.slot.close()


class Runner:
    """One notebook's runner, a fork of the zygote: cells go in, their outputs come back, one JSON line each.
    Hidden tests and the verdict key reach it through the zygote at fork time, never through this socket."""

    max_reply = 64 * 1024 * 1024

    def __init__(self, zygote: Zygote, tests: dict, verdict_key: bytes, job: str):
        self.zygote = zygote
        lim = zygote.limits
        path = zygote.ipc_outside / "runner.sock"
        req = {"op": "run", "cwd": zygote.work_inside, "socket": f"{zygote.ipc_inside}/runner.sock", "job": job,
               "xmode": lim.traceback_mode,
               "limits": {"cpu_seconds": lim.cpu_seconds, "memory_mb": lim.memory_mb,
                          "file_size_mb": lim.file_size_mb, "open_files": lim.open_files}}
        answer = zygote.fork_runner(req, json.dumps({"key": verdict_key.hex(), "tests": tests}))
        if not answer.get("ok"):
            raise RuntimeError("the sandboxed runner did not start")
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(str(path))
        self._buf = b""

    def run(self, index: int, code: str, timeout: float) -> dict:
        """The reply for cell ``index``; TimeoutError when none came in time, EOFError when the runner is gone."""
        self.sock.sendall((json.dumps({"cell": index, "code": code}) + "\n").encode())
        return self.reply(index, time.monotonic() + timeout)

    def reply(self, index: int, deadline: float) -> dict:
        while True:
            line = self._line(deadline)
            try:
                reply = json.loads(line)
            except ValueError:
                continue  # a line the submission wrote on the socket itself: not a reply
            if isinstance(reply, dict) and reply.get("cell") == index and isinstance(reply.get("outputs"), list):
                return reply

    def _line(self, deadline: float) -> bytes:
        while b"\n" not in self._buf:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not select.select([self.sock], [], [], remaining)[0]:
                raise TimeoutError
            chunk = self.sock.recv(1 << 20)
            if not chunk:
                raise EOFError
            self._buf += chunk
            if len(self._buf) > self.max_reply:
                raise EOFError  # a runner that floods the socket is treated as one that died
        line, _, self._buf = self._buf.partition(b"\n")
        return line

    def interrupt(self) -> None:
        if self.zygote.alive():
            self.zygote.ask({"op": "signal", "sig": int(signal.SIGINT)})

    def close(self) -> None:
        try:
            self.sock.close()
        except OSError:
            pass


def new_verdict_key() -> bytes:
    return secrets.token_bytes(32)
