"""Limits and switches of the grading engine, as traitlets Configurables (set them in nbgrader_config.py)."""
from __future__ import annotations

import os

from traitlets import Bool, Float, Integer, Unicode, default
from traitlets.config import Configurable


class SandboxLimits(Configurable):
    """What one submission's kernel may use. Every limit is per submission."""

    cpu_seconds = Integer(120, help="CPU seconds for the kernel (RLIMIT_CPU).").tag(config=True)
    memory_mb = Integer(2048, help="Address space of the kernel in MiB (RLIMIT_AS).").tag(config=True)
    processes = Integer(
        512, help="Processes and threads of the sandbox user at once (RLIMIT_NPROC): stops fork bombs."
    ).tag(config=True)
    file_size_mb = Integer(64, help="Largest file the kernel may write, in MiB (RLIMIT_FSIZE).").tag(config=True)
    open_files = Integer(256, help="Open files of the kernel (RLIMIT_NOFILE).").tag(config=True)
    cell_timeout = Integer(30, help="Wall-clock seconds one cell may run.").tag(config=True)
    notebook_timeout = Integer(180, help="Wall-clock seconds one whole notebook may run.").tag(config=True)
    sandbox_uid = Integer(65534, help="Unprivileged uid the kernel runs as (default: nobody).").tag(config=True)
    sandbox_gid = Integer(65534, help="Unprivileged gid the kernel runs as (default: nogroup).").tag(config=True)
    bwrap = Unicode("/usr/bin/bwrap", help="The bubblewrap program.").tag(config=True)
    enabled = Bool(True, help="Run kernels in the sandbox. Turning it off is for development only.").tag(config=True)


class GradingSettings(Configurable):
    """How a grading run is organised."""

    workers = Integer(
        help="Submissions graded at the same time (default: the number of CPU cores)."
    ).tag(config=True)

    @default("workers")
    def _workers_default(self) -> int:
        return os.cpu_count() or 1

    max_notebook_mb = Float(
        20.0, help="A submitted notebook larger than this is marked invalid without running it."
    ).tag(config=True)
