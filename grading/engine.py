"""Grading a whole assignment: check every submission, skip what is already done, grade the rest with a
pool of long-lived worker processes (local) or Celery tasks, and report one result per submission."""
from __future__ import annotations

import atexit
import json
import multiprocessing as mp
import os
import queue
import threading
import time
from collections import OrderedDict
from pathlib import Path
from typing import Callable

from grading.config import GradingSettings, SandboxLimits, load_course_config
from grading.errors import CourseError, GradingError
from grading.intake import check_submission
from grading.ledger import Ledger, digest
from grading.results import GradeResult
from grading.statuses import SubmissionStatus
from grading.sandbox import check_sandbox

FINAL = (SubmissionStatus.graded, SubmissionStatus.timeout, SubmissionStatus.invalid)  # error: tried again


def check_course(course: Path, assignment: str) -> None:
    if not any((course / "source" / assignment).glob("*.ipynb")):
        raise CourseError(f"找不到源作业 source/{assignment}（或其中没有笔记本）",
                          f"source assignment source/{assignment} not found (or it holds no notebook)")
    if not (course / "gradebook.db").exists():
        raise CourseError("找不到成绩册 gradebook.db：请先运行 nbgrader generate_assignment",
                          "gradebook.db not found: run nbgrader generate_assignment first")


def _owner_gone(owner: int) -> bool:
    try:
        os.kill(owner, 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # alive, another user's (cannot be: the owner started us)
        return False
    return False


def _worker_loop(course: str, limits: dict, sandbox: bool, owner: int, jobs, results) -> None:
    """A worker process: nbgrader imported once, one zygote, submissions one after another, until the pool is
    closed or ``owner`` (the process that started the pool) is gone."""
    import logging
    import warnings

    warnings.filterwarnings("ignore")
    logging.getLogger("traitlets").setLevel(logging.ERROR)
    from grading.pipeline import Worker

    worker = Worker(course, SandboxLimits(**limits), sandbox=sandbox)
    try:
        while True:
            try:
                job = jobs.get(timeout=1.0)
            except queue.Empty:
                # Our parent is the forkserver, and it outlives the pool's owner as long as we do (every worker
                # holds the forkserver's "alive" pipe open): so watch the owner itself, or a service killed without
                # closing its pools would leave its workers and their sandboxes running for good.
                if _owner_gone(owner):
                    return
                continue
            if job is None:
                return
            assignment, student = job
            results.put(("start", os.getpid(), student))
            try:
                res = worker.grade(assignment, student)
            except Exception as exc:  # never lose the submission: report it
                res = GradeResult(student, assignment, 0.0, 0.0, "error", f"评分出错 / grading failed: {exc!r}"[:400])
            results.put(("done", os.getpid(), res.to_json()))
    finally:
        worker.close()


def limits_dict(limits: SandboxLimits) -> dict:
    return {n: getattr(limits, n) for n in limits.trait_names() if limits.trait_metadata(n, "config")}


def _context():
    """Workers come from a forkserver that has imported nbgrader and the pipeline once: as cheap as a fork of
    this process, but without inheriting its open files and sockets (a web service's listening port, a browser
    driver's pipes), which a long-lived worker would otherwise hold open after its parent is gone."""
    ctx = mp.get_context("forkserver")
    ctx.set_forkserver_preload(["grading.pipeline", "nbgrader.converters", "nbgrader.preprocessors"])
    return ctx


class _Pool:
    """Long-lived worker processes; one that dies (or overruns its deadline) is replaced and its submission
    reported, so the rest of the run goes on."""

    def __init__(self, course: Path, limits: SandboxLimits, sandbox: bool, n: int):
        self.ctx = _context()
        self.args = (str(course), limits_dict(limits), sandbox, os.getpid())
        self.jobs, self.results = self.ctx.Queue(), self.ctx.Queue()
        self.procs: dict[int, mp.Process] = {}
        self.idle_deaths = 0  # workers that died holding no submission since one last started grading
        for _ in range(n):
            self._spawn()

    def _spawn(self) -> None:
        p = self.ctx.Process(target=_worker_loop, args=(*self.args, self.jobs, self.results), daemon=True)
        p.start()
        self.procs[p.pid] = p

    def run(self, assignment: str, students: list[str], deadline_each: float, done: Callable[[GradeResult], None]):
        for s in students:
            self.jobs.put((assignment, s))
        busy: dict[int, tuple[str, float]] = {}
        left = set(students)
        while left:
            try:
                kind, pid, payload = self.results.get(timeout=0.5)
            except queue.Empty:
                kind = None
            if kind == "start":
                busy[pid] = (payload, time.monotonic() + deadline_each)
                self.idle_deaths = 0
            elif kind == "done":
                busy.pop(pid, None)
                res = GradeResult.from_json(payload)
                if res.student in left:
                    left.discard(res.student)
                    done(res)
            for pid, proc in list(self.procs.items()):
                job = busy.get(pid)
                overdue = job is not None and time.monotonic() > job[1]
                if proc.is_alive() and not overdue:
                    continue
                if proc.is_alive():
                    proc.kill()
                proc.join()
                del self.procs[pid]
                if job is None:
                    self._count_idle_death(proc.exitcode)
                self._spawn()
                if job and job[0] in left:
                    busy.pop(pid, None)
                    left.discard(job[0])
                    status = "timeout" if overdue else "error"
                    done(GradeResult(job[0], assignment, 0.0, 0.0, status,
                                     "评分进程超时或意外退出，已停止 / the grading process overran or died and was stopped"))

    def _count_idle_death(self, exitcode: int | None) -> None:
        """Workers that keep dying before they take a submission would be replaced forever: stop the run (the
        caller closes the pool). Called with the dead worker already removed, so the pool holds len + 1."""
        self.idle_deaths += 1
        if self.idle_deaths >= 3 * (len(self.procs) + 1):
            raise GradingError(
                f"评分进程反复启动失败（退出码 {exitcode}）。若从自己的 Python 脚本调用评分，请把调用写在 "
                "if __name__ == '__main__': 之下",
                f"grading workers keep failing to start (exit code {exitcode}). When calling the engine from your "
                "own Python script, put the call under if __name__ == '__main__':")

    def healthy(self) -> bool:
        return bool(self.procs) and all(p.is_alive() for p in self.procs.values())

    def close(self) -> None:
        for _ in self.procs:
            self.jobs.put(None)
        for p in self.procs.values():
            p.join(timeout=10)
            if p.is_alive():
                p.kill()


# Pools kept between runs of the same course in one process (the platform grades one submission at a time;
# a pool costs ~1.2 s of prewarming per worker). A pool is taken out while in use, so callers never share one.
_POOLS: OrderedDict[tuple, _Pool] = OrderedDict()
_POOLS_LOCK = threading.Lock()
KEEP_POOLS = 4


def _pool_key(course: Path, limits: SandboxLimits, sandbox: bool, n: int) -> tuple:
    config = course / "nbgrader_config.py"
    return (str(course), json.dumps(limits_dict(limits), sort_keys=True), sandbox, n,
            config.stat().st_mtime_ns if config.exists() else 0)


def _take_pool(course: Path, limits: SandboxLimits, sandbox: bool, n: int) -> _Pool:
    """A kept pool for this course and these limits, or a new one."""
    with _POOLS_LOCK:
        pool = _POOLS.pop(_pool_key(course, limits, sandbox, n), None)
    if pool is None or not pool.healthy():
        if pool is not None:
            pool.close()
        pool = _Pool(course, limits, sandbox, n)
    return pool


def _keep_pool(pool: _Pool, key: tuple) -> None:
    with _POOLS_LOCK:
        replaced = _POOLS.pop(key, None)  # two callers of one course each had a pool: keep one, stop the other
        _POOLS[key] = pool
        evicted = [_POOLS.popitem(last=False)[1] for _ in range(max(0, len(_POOLS) - KEEP_POOLS))]
    if replaced is not None and replaced is not pool:
        evicted.append(replaced)
    for old in evicted:
        old.close()


class _PoolStarter(threading.Thread):
    """Takes or starts the pool in the background: its workers boot (nbgrader imported, sandboxed zygotes
    prewarmed, ~3 s) while the caller checks the submissions."""

    def __init__(self, course: Path, limits: SandboxLimits, sandbox: bool, n: int):
        super().__init__(daemon=True, name="jinguo-pool-start")
        self.args, self.key = (course, limits, sandbox, n), _pool_key(course, limits, sandbox, n)
        self.pool: _Pool | None = None
        self.error: BaseException | None = None
        self.start()

    def run(self) -> None:
        try:
            self.pool = _take_pool(*self.args)
        except BaseException as exc:  # raised again in the caller's thread by take()
            self.error = exc

    def take(self) -> _Pool:
        self.join()
        if self.error is not None:
            raise self.error
        assert self.pool is not None
        return self.pool


def warm_up(course_dir: str | Path, *, workers: int = 1, sandbox: bool = True,
            limits: SandboxLimits | None = None) -> None:
    """Start the worker pool the course's next run of ``workers`` would take (nbgrader loaded, sandboxed zygotes
    booting) and keep it, so the first submission of a rush does not wait for it. The workers finish booting in
    the background; a pool already kept for the course is left as it is."""
    course = Path(course_dir).resolve()
    limits = limits or SandboxLimits(config=load_course_config(course))
    if sandbox:
        check_sandbox(limits.bwrap)
    _keep_pool(_take_pool(course, limits, sandbox, workers), _pool_key(course, limits, sandbox, workers))


@atexit.register
def close_pools() -> None:
    """Stop every kept pool (also called by long-running callers when they shut down)."""
    with _POOLS_LOCK:
        pools = list(_POOLS.values())
        _POOLS.clear()
    for pool in pools:
        pool.close()


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
    found = sorted(p.parent.name for p in submitted.glob(f"*/{assignment}") if p.is_dir())
    wanted = [s for s in found if not students or s in students]
    starter = None
    if backend == "local" and wanted:
        starter = _PoolStarter(course, limits, sandbox, max(1, min(workers or settings.workers, len(wanted))))
    results: dict[str, GradeResult] = {}
    digests: dict[str, str] = {}
    todo: list[str] = []
    ledger = Ledger(course)
    in_gradebook = _graded_in_gradebook(course, assignment)
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
            _keep_pool(pool, starter.key)
    finally:
        if bar:
            bar.close()
        ledger.close()
    return [results[s] for s in wanted]


def _graded_in_gradebook(course: Path, assignment: str) -> set[str]:
    from nbgrader.api import Gradebook, MissingEntry

    try:
        with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
            return {s.student.id for s in gb.assignment_submissions(assignment)}
    except (MissingEntry, Exception):
        return set()
