"""The sandbox's walls: the bubblewrap command line one zygote starts with (namespaces, read-only system, the
slot's writable folders), the seccomp filter it carries, and the check that bubblewrap can run here at all.
Split from sandbox.py (issue 17), which keeps the live parts: the slot, the zygote and the runner."""
from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
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


def bwrap_argv(slot, limits: SandboxLimits, seccomp: int | None = None) -> list[str]:
    """The command that starts one zygote in ``slot`` (a sandbox.Slot: its uid and its tmpfs folders)."""
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
