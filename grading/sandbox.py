"""Kernels in a bubblewrap sandbox: unprivileged uid, no network, read-only system, private /tmp,
only the submission's own copy of its folder visible, resource limits.

nbgrader's Execute step asks its kernel manager for a kernel; ours launches that kernel through
``prlimit → setpriv → bwrap`` and talks to it over Unix sockets in the private folder, since the
sandbox has no network at all. Hidden tests and scoring stay in the grader's process, outside.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from functools import lru_cache
from pathlib import Path

from jupyter_client.manager import AsyncKernelManager
from traitlets import Instance, default

from grading.config import SandboxLimits
from grading.errors import SandboxUnavailable

_SYSTEM_DIRS = ("/usr", "/etc/alternatives", "/etc/fonts", "/etc/ssl", "/etc/matplotlibrc")


def python_roots() -> list[str]:
    """Folders the kernel's Python needs, read-only: the interpreter's prefix and the venv."""
    roots = {sys.prefix, sys.base_prefix, str(Path(sys.executable).resolve().parent.parent)}
    return sorted(r for r in roots if not r.startswith("/usr"))


def sandbox_prefix(workdir: str, limits: SandboxLimits) -> list[str]:
    mb = 1024 * 1024
    argv = [
        "prlimit", f"--cpu={limits.cpu_seconds}", f"--as={limits.memory_mb * mb}",
        f"--nproc={limits.processes}", f"--fsize={limits.file_size_mb * mb}", f"--nofile={limits.open_files}",
        "--core=0", "--",
        "setpriv", f"--reuid={limits.sandbox_uid}", f"--regid={limits.sandbox_gid}", "--clear-groups",
        "--inh-caps=-all", "--",
        limits.bwrap, "--unshare-all", "--die-with-parent", "--new-session",
        "--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp",
        "--symlink", "usr/lib", "/lib", "--symlink", "usr/lib64", "/lib64",
        "--symlink", "usr/bin", "/bin", "--symlink", "usr/sbin", "/sbin",
    ]
    for d in _SYSTEM_DIRS:
        if os.path.exists(d):
            argv += ["--ro-bind", d, d]
    for root in python_roots():
        argv += ["--ro-bind", root, root]
    # A clean environment: nothing of the grader's (tokens, URLs, JPY_PARENT_PID) reaches the kernel.
    argv += ["--bind", workdir, workdir, "--chdir", workdir, "--clearenv",
             "--setenv", "PATH", f"{Path(sys.executable).parent}:/usr/bin:/bin", "--setenv", "LANG", "C.UTF-8",
             "--setenv", "HOME", workdir, "--setenv", "TMPDIR", "/tmp", "--setenv", "MPLBACKEND", "Agg",
             "--setenv", "PYTHONDONTWRITEBYTECODE", "1", "--"]
    return argv


@lru_cache(maxsize=1)
def check_sandbox(bwrap: str = "/usr/bin/bwrap", uid: int = 65534) -> None:
    """Raise SandboxUnavailable, saying why and what to do, unless a sandboxed process can run here."""
    if not Path(bwrap).exists():
        raise SandboxUnavailable("未安装 bubblewrap：请以 root 执行 apt-get install bubblewrap",
                                 "bubblewrap is not installed: run apt-get install bubblewrap as root")
    if os.geteuid() != 0:
        raise SandboxUnavailable(
            "评分沙箱需要以 root 启动（以便切换到无特权用户）；开发时可加 --no-sandbox（不安全）",
            "the grading sandbox must be started as root (to switch to an unprivileged user); "
            "--no-sandbox is for development only")
    with tempfile.TemporaryDirectory(prefix="jg-check-") as tmp:
        os.chown(tmp, uid, uid)
        limits = SandboxLimits(bwrap=bwrap, sandbox_uid=uid, sandbox_gid=uid)
        r = subprocess.run(sandbox_prefix(tmp, limits) + [sys.executable, "-c", "print('ok')"],
                           capture_output=True, text=True, timeout=30)
    if r.returncode != 0 or r.stdout.strip() != "ok":
        raise SandboxUnavailable(
            f"bubblewrap 无法运行（是否禁用了用户命名空间？sysctl kernel.unprivileged_userns_clone=1）：{r.stderr.strip()}",
            f"bubblewrap cannot run (user namespaces disabled?): {r.stderr.strip()}")


class SandboxKernelManager(AsyncKernelManager):
    """A kernel manager whose kernel lives in a fresh sandbox with a private copy of its folder."""

    limits = Instance(SandboxLimits)

    @default("limits")
    def _limits_default(self) -> SandboxLimits:
        return SandboxLimits(parent=self)

    @default("transport")
    def _transport_default(self) -> str:
        return "ipc"  # the sandbox has no network, not even loopback shared with us

    async def _async_pre_start_kernel(self, **kw):
        source = Path(kw.pop("cwd", None) or os.getcwd())
        # A short path: Unix socket names are limited to 108 bytes.
        self._workdir = tempfile.mkdtemp(prefix="jg-", dir="/tmp")
        work = Path(self._workdir)
        shutil.copytree(source, work, dirs_exist_ok=True,
                        ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
        self.ip = str(work / "k")
        self.connection_file = str(work / "kernel.json")
        kernel_cmd, kw = await super()._async_pre_start_kernel(**kw)
        for path in [work, *work.rglob("*")]:
            os.chown(path, self.limits.sandbox_uid, self.limits.sandbox_gid, follow_symlinks=False)
        os.chmod(work, 0o700)
        kw["cwd"] = str(work)
        # The kernel's own chatter is not the grader's output; what a cell prints is read from iopub.
        kw["stdout"] = kw["stderr"] = subprocess.DEVNULL
        return sandbox_prefix(str(work), self.limits) + kernel_cmd, kw

    async def _async_shutdown_kernel(self, now: bool = False, restart: bool = False):
        try:
            await super()._async_shutdown_kernel(now=now, restart=restart)
        finally:
            if not restart and getattr(self, "_workdir", None):
                shutil.rmtree(self._workdir, ignore_errors=True)
