"""Limits and switches of the grading engine, as traitlets Configurables: set them in the course's
``nbgrader_config.py`` (``c.SandboxLimits.cell_timeout = 60``) or pass a traitlets Config."""
from __future__ import annotations

import os
from pathlib import Path

from traitlets import Bool, Enum, Float, Integer, List, Unicode, default
from traitlets.config import Config, Configurable
from traitlets.config.loader import PyFileConfigLoader


def load_course_config(course: Path) -> Config:
    """The course's ``nbgrader_config.py`` as traitlets reads it, without importing nbgrader: enough for the
    limits and settings, so a run can start its workers before nbgrader is loaded."""
    cfg = Config()
    path = Path(course) / "nbgrader_config.py"
    if path.exists():
        cfg.merge(PyFileConfigLoader(path.name, str(path.parent)).load_config())
    return cfg


class SandboxLimits(Configurable):
    """What one submission's kernel may use."""

    cpu_seconds = Integer(120, help="CPU seconds one notebook's kernel may use (RLIMIT_CPU).").tag(config=True)
    memory_mb = Integer(2048, help="Address space of the kernel in MiB (RLIMIT_AS).").tag(config=True)
    processes = Integer(
        256, help="Processes and threads of one sandbox uid at once (RLIMIT_NPROC): stops fork bombs."
    ).tag(config=True)
    file_size_mb = Integer(64, help="Largest file the kernel may write, in MiB (RLIMIT_FSIZE).").tag(config=True)
    disk_mb = Integer(
        256, help="Size of the sandbox's tmpfs (home, /tmp, /dev/shm together), in MiB: stops disk filling."
    ).tag(config=True)
    open_files = Integer(256, help="Open files of the kernel (RLIMIT_NOFILE).").tag(config=True)
    cell_timeout = Integer(30, help="Wall-clock seconds one cell may run before it is interrupted.").tag(config=True)
    notebook_timeout = Integer(
        180, help="Wall-clock seconds one whole notebook may run; later cells then earn nothing."
    ).tag(config=True)
    sandbox_uid = Integer(
        64100, help="First unprivileged uid for sandboxes; every worker process takes its own uid from here."
    ).tag(config=True)
    sandbox_uid_count = Integer(256, help="How many uids from sandbox_uid the workers may use.").tag(config=True)
    bwrap = Unicode("/usr/bin/bwrap", help="The bubblewrap program.").tag(config=True)
    traceback_mode = Enum(
        ["Plain", "Context", "Verbose", "Minimal"], "Plain",
        help="How a failing cell's traceback is written into the autograded notebook and the feedback (IPython's "
             "%xmode). Plain is Python's own layout and ~10x cheaper per failing cell than IPython's default Context, "
             "which adds the surrounding source lines; scores are the same either way.",
    ).tag(config=True)
    kernel_packages = List(
        Unicode(), ["widgets"],
        help="Python packages a submission may import that live outside the environment's prefix (an editable "
             "install): each package's folder is bound read-only into the sandbox.",
    ).tag(config=True)


class GradingSettings(Configurable):
    """How a grading run is organised."""

    workers = Integer(help="Submissions graded at the same time (default: the number of CPU cores).").tag(config=True)

    @default("workers")
    def _workers_default(self) -> int:
        return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)

    max_notebook_mb = Float(
        20.0, help="A submitted notebook larger than this is marked invalid without running it."
    ).tag(config=True)
    max_cells = Integer(
        2000, help="A submitted notebook with more cells than this is marked invalid without running it (no course "
                   "notebook has that many; nbgrader would spend minutes on each)."
    ).tag(config=True)
    sandbox = Bool(True, help="Run kernels in the sandbox. Turning it off is for development only.").tag(config=True)


def limits_dict(limits: SandboxLimits) -> dict:
    """The configurable limits as plain JSON, to rebuild them in a worker process or a Celery task."""
    return {n: getattr(limits, n) for n in limits.trait_names() if limits.trait_metadata(n, "config")}
