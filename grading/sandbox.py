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
import importlib.util
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
from functools import lru_cache
from pathlib import Path

from grading.config import SandboxLimits
from grading.errors import SandboxUnavailable

ZYGOTE_FILE = Path(__file__).with_name("_zygote.py")
RUNNER_FILE = Path(__file__).with_name("_runner.py")
INSIDE_WORK, INSIDE_IPC = "/home/student", "/ipc"
_SYSTEM = ("/usr", "/etc/alternatives", "/etc/fonts", "/etc/ssl", "/etc/matplotlibrc", "/etc/localtime")


def python_roots(packages: list[str] | tuple[str, ...] = ()) -> list[str]:
    """Folders the kernel's Python needs, read-only: the interpreter's prefix and the venv, wherever it is
    (bound explicitly, so a venv under /tmp is not hidden by the private /tmp), and the folders of
    ``packages`` installed in editable mode from elsewhere."""
    roots = {sys.prefix, sys.base_prefix, str(Path(sys.executable).resolve().parent.parent)}
    for name in packages:
        spec = importlib.util.find_spec(name)
        if spec is not None and spec.submodule_search_locations:
            roots.update(str(Path(loc).resolve()) for loc in spec.submodule_search_locations)
    roots = sorted(r for r in roots if not r.startswith("/usr") and r != "/")
    return [r for r in roots if not any(r != o and r.startswith(o + "/") for o in roots)]


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


# Syscalls a submission never needs whose effects outlive its kernel: the uid's keyring in the zygote's user
# namespace keeps what one notebook put there for the next one.
DENIED_SYSCALLS = ("add_key", "request_key", "keyctl")


@lru_cache(maxsize=1)
def seccomp_program() -> bytes:
    """The BPF program bubblewrap installs (``--seccomp FD``): every syscall allowed but ``DENIED_SYSCALLS``,
    which fail with EPERM. Compiled by libseccomp (a dependency of systemd and apt, present on any Debian),
    which also refuses the calls through the other ABIs of this machine."""
    import ctypes
    import ctypes.util

    try:
        lib = ctypes.CDLL(ctypes.util.find_library("seccomp") or "libseccomp.so.2", use_errno=True)
    except OSError as exc:
        raise SandboxUnavailable("找不到 libseccomp：请以 root 执行 apt-get install libseccomp2",
                                 f"libseccomp not found: run apt-get install libseccomp2 as root ({exc})") from exc
    lib.seccomp_init.restype = ctypes.c_void_p
    lib.seccomp_init.argtypes = [ctypes.c_uint32]
    lib.seccomp_rule_add.argtypes = [ctypes.c_void_p, ctypes.c_uint32, ctypes.c_int, ctypes.c_uint]
    lib.seccomp_syscall_resolve_name.argtypes = [ctypes.c_char_p]
    lib.seccomp_export_bpf.argtypes = [ctypes.c_void_p, ctypes.c_int]
    lib.seccomp_release.argtypes = [ctypes.c_void_p]
    allow, deny_eperm = 0x7FFF0000, 0x00050000 | 1  # SCMP_ACT_ALLOW, SCMP_ACT_ERRNO(EPERM)
    ctx = lib.seccomp_init(allow)
    if not ctx:
        raise SandboxUnavailable("libseccomp 无法初始化", "libseccomp could not be initialised")
    fd = os.memfd_create("jinguo-seccomp", os.MFD_CLOEXEC)
    try:
        for name in DENIED_SYSCALLS:
            number = lib.seccomp_syscall_resolve_name(name.encode())
            if number < 0 or lib.seccomp_rule_add(ctx, deny_eperm, number, 0) != 0:
                raise SandboxUnavailable(f"无法生成 seccomp 规则（{name}）", f"cannot build the seccomp rule for {name}")
        if lib.seccomp_export_bpf(ctx, fd) != 0:
            raise SandboxUnavailable("无法导出 seccomp 程序", "cannot export the seccomp program")
        os.lseek(fd, 0, os.SEEK_SET)
        return os.read(fd, 1 << 20)
    finally:
        os.close(fd)
        lib.seccomp_release(ctx)


def seccomp_fd() -> int:
    """A fresh file descriptor holding the seccomp program, to hand to one bwrap (which reads it whole)."""
    fd = os.memfd_create("jinguo-seccomp", 0)
    os.write(fd, seccomp_program())
    os.lseek(fd, 0, os.SEEK_SET)
    return fd


def bwrap_argv(slot: Slot, limits: SandboxLimits, seccomp: int | None = None) -> list[str]:
    # Every place a submission can write is on the slot's tmpfs (wiped after each notebook) or read-only; a
    # POSIX message queue lives in the zygote's IPC namespace past the kernel that made it, so none may be made.
    argv = ["prlimit", f"--nproc={limits.processes}", "--core=0", "--msgqueue=0", "--",
            "setpriv", f"--reuid={slot.uid}", f"--regid={slot.uid}", "--clear-groups", "--inh-caps=-all", "--",
            limits.bwrap, "--unshare-all", "--unshare-user", "--disable-userns", "--as-pid-1", "--die-with-parent",
            "--new-session", "--proc", "/proc", "--dev", "/dev",
            "--symlink", "usr/lib", "/lib", "--symlink", "usr/lib64", "/lib64",
            "--symlink", "usr/bin", "/bin", "--symlink", "usr/sbin", "/sbin"]
    for d in _SYSTEM:
        if os.path.exists(d):
            argv += ["--ro-bind", d, d]
    argv += ["--bind", str(slot.tmp), "/tmp"]
    for root in python_roots(tuple(limits.kernel_packages)):
        argv += ["--ro-bind", root, root]
    argv += ["--bind", str(slot.work), INSIDE_WORK, "--bind", str(slot.ipc), INSIDE_IPC,
             "--bind", str(slot.shm), "/dev/shm", "--ro-bind", str(ZYGOTE_FILE), "/opt/jinguo/zygote.py",
             "--ro-bind", str(RUNNER_FILE), "/opt/jinguo/_runner.py",
             # bwrap's own root and its /dev are tmpfs that live as long as the worker's zygote: left writable,
             # one submission's files there would meet the next student's, outside the disk limit (/dev/shm is
             # the slot's, mounted above; device nodes stay usable on a read-only mount)
             "--remount-ro", "/dev", "--remount-ro", "/",
             "--chdir", INSIDE_WORK, "--clearenv"]
    if seccomp is not None:
        argv += ["--seccomp", str(seccomp)]
    env = {"PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin", "LANG": "C.UTF-8", "HOME": INSIDE_WORK,
           "TMPDIR": "/tmp", "MPLBACKEND": "module://matplotlib_inline.backend_inline", "MPLCONFIGDIR": "/tmp/.mpl",
           "PYTHONDONTWRITEBYTECODE": "1", "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1",
           "PYDEVD_DISABLE_FILE_VALIDATION": "1"}
    for k, v in env.items():
        argv += ["--setenv", k, v]
    return argv + ["--", sys.executable, "-I", "/opt/jinguo/zygote.py"]


@lru_cache(maxsize=4)
def check_sandbox(bwrap: str = "/usr/bin/bwrap") -> None:
    """Raise SandboxUnavailable, saying why and what to do, unless bubblewrap can run here."""
    if not Path(bwrap).exists():
        raise SandboxUnavailable("未安装 bubblewrap：请以 root 执行 apt-get install bubblewrap",
                                 "bubblewrap is not installed: run apt-get install bubblewrap as root")
    if os.geteuid() != 0:
        raise SandboxUnavailable(
            "评分沙箱需要以 root 启动（以便切换到无特权用户）；请用 root 运行，开发时可加 --no-sandbox（不安全）",
            "the grading sandbox must be started as root (to switch to an unprivileged user); run as root, "
            "or use --no-sandbox for development only")
    help_text = subprocess.run([bwrap, "--help"], capture_output=True, text=True).stdout
    if "--disable-userns" not in help_text:
        raise SandboxUnavailable(
            "bubblewrap 版本过旧：评分沙箱需要 --disable-userns（bubblewrap 0.8 及以上，Debian 12 起自带）",
            "bubblewrap is too old: the grading sandbox needs --disable-userns (bubblewrap 0.8 or later, "
            "shipped since Debian 12), or a submission could create user namespaces of its own")
    seccomp_program()  # raises SandboxUnavailable, saying what to install, when libseccomp is missing
    r = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--", bwrap,
                        "--unshare-all", "--unshare-user", "--disable-userns", "--ro-bind", "/", "/", "--",
                        "/bin/true"], capture_output=True, text=True)
    if r.returncode != 0:
        raise SandboxUnavailable(
            "bubblewrap 无法运行（用户命名空间被禁用？请执行 sysctl -w kernel.unprivileged_userns_clone=1 或 "
            f"user.max_user_namespaces=10000）：{r.stderr.strip()}",
            f"bubblewrap cannot run (user namespaces disabled? set kernel.unprivileged_userns_clone=1 or "
            f"user.max_user_namespaces): {r.stderr.strip()}")


class Zygote:
    """One prewarmed, sandboxed kernel factory; serves one notebook at a time."""

    def __init__(self, limits: SandboxLimits, sandbox: bool = True):
        self.limits, self.sandbox = limits, sandbox
        self.slot = Slot(limits) if sandbox else None
        self.proc: subprocess.Popen | None = None
        self._used = True  # anything run or copied in since the last reset: start clean
        self.start()

    def start(self) -> None:
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
        hello = self.proc.stdout.readline()
        if not hello:
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
