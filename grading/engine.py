"""Grading a whole assignment: check every submission, skip what is already done, grade the rest with a
pool of long-lived worker processes (local, grading.pool and grading.pool_cache) or Celery tasks
(grading.celery_app), and report one result per submission. This module only orchestrates; it is the one
that imports the others (grading.celery_app imports nothing of it)."""
from __future__ import annotations

from pathlib import Path
from typing import Callable

from grading.checks import FINAL, check_course, graded_in_gradebook
from grading.config import GradingSettings, SandboxLimits, limits_dict, load_course_config
from grading.errors import GradingError
from grading.intake import check_submission
from grading.ledger import Ledger, digest
from grading.pool_cache import PoolStarter, close_pools, keep_pool, warm_up
from grading.results import GradeResult
from grading.sandbox import check_sandbox

# Names other modules and older callers import from here.
__all__ = ["autograde", "warm_up", "close_pools", "check_course", "limits_dict", "FINAL"]


def autograde(course_dir: str | Path, assignment: str, students: list[str] | None = None, *,
              workers: int | None = None, timeout: float | None = None, sandbox: bool = True,
              backend: str = "local", progress: bool | Callable[[GradeResult], None] = False,
              limits: SandboxLimits | None = None, settings: GradingSettings | None = None) -> list[GradeResult]:
    """Grade every submission of ``assignment`` (or only ``students``): one result per submission, in
    student order. Results go to the course's gradebook and ``autograded/`` as ``nbgrader autograde`` writes
    them. Raises GradingError when the run as a whole cannot work (no source assignment, no sandbox)."""
    course = Path(course_dir).resolve()
    if backend not in ("local", "celery"):
        raise GradingError("未知的评分后端（可选 local 或 celery）", f"unknown backend {backend!r} (local or celery)")
    check_course(course, assignment)
    if limits is None or settings is None:
        cfg = load_course_config(course)
        limits = limits or SandboxLimits(config=cfg)
        settings = settings or GradingSettings(config=cfg)
    if timeout is not None:
        limits.notebook_timeout = int(timeout)
    if sandbox:
        check_sandbox(limits.bwrap)
    submitted = course / "submitted"
    if students:  # only their folders: listing all of submitted/ (a folder per competitor) took 24 ms a run of 1000
        wanted = sorted(s for s in set(students) if _plain(s) and (submitted / s / assignment).is_dir())
    else:
        wanted = sorted(p.parent.name for p in submitted.glob(f"*/{assignment}") if p.is_dir())
    starter = None
    if backend == "local" and wanted:
        starter = PoolStarter(course, limits, sandbox, max(1, min(workers or settings.workers, len(wanted))))
    results: dict[str, GradeResult] = {}
    digests: dict[str, str] = {}
    todo: list[str] = []
    ledger = Ledger(course)
    in_gradebook = graded_in_gradebook(course, assignment)
    for student in wanted:
        digests[student] = digest(course, assignment, student)
        previous = ledger.finished(assignment, student, digests[student])
        if previous and (previous.status == "invalid" or student in in_gradebook):
            results[student] = previous
            continue
        bad = check_submission(course, submitted / student / assignment, student, assignment,
                               settings.max_notebook_mb, settings.max_cells)
        if bad:
            results[student] = bad
            if bad.status in FINAL:  # an ``error`` (the disk) is tried again next run
                ledger.record(bad, digests[student])
        else:
            ledger.forget(assignment, student)
            todo.append(student)
    bar = None
    if progress is True:
        from tqdm import tqdm

        bar = tqdm(total=len(wanted), initial=len(wanted) - len(todo), unit="份", desc=f"评分 {assignment}")

    def done(res: GradeResult) -> None:
        results[res.student] = res
        if res.status in FINAL:
            ledger.record(res, digests[res.student])
        if bar:
            bar.update(1)
        if callable(progress):
            progress(res)

    n_notebooks = max(1, len(list((course / "source" / assignment).glob("*.ipynb"))))
    deadline_each = (limits.notebook_timeout + 30) * n_notebooks + 60
    try:
        if backend == "celery" and todo:
            from grading.celery_app import grade_many

            grade_many(course, assignment, todo, limits, sandbox, deadline_each, done)
        elif starter is not None:
            pool = starter.take()
            try:
                if todo:
                    pool.run(assignment, todo, deadline_each, done)
            except BaseException:
                pool.close()
                raise
            keep_pool(pool, starter.key)
    finally:
        if bar:
            bar.close()
        ledger.close()
    return [results[s] for s in wanted]


def _plain(name: str) -> bool:
    """A student's name that is one folder of submitted/, as listing the folder would find it."""
    return bool(name) and Path(name).name == name and name not in (".", "..")

