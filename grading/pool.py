"""A pool of long-lived worker processes for one course: each imports nbgrader once, keeps one sandboxed
zygote warm, and grades submissions one after another; a worker that dies or overruns is replaced and its
submission reported, so the rest of the run goes on."""
from __future__ import annotations

import multiprocessing as mp
import multiprocessing.util
import os
import queue
import threading
import time
import weakref
from pathlib import Path
from typing import Callable

from grading.config import SandboxLimits, limits_dict
from grading.errors import GradingError
from grading.results import GradeResult


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


def _context():
    """Workers come from a forkserver: as cheap as a fork of this process, but without inheriting its open files
    and sockets (a web service's listening port, a browser driver's pipes), which a long-lived worker would
    otherwise hold open after its parent is gone. The forkserver preloads only the light grading modules, not
    nbgrader: a worker launches its sandboxed zygote first and imports nbgrader while the zygote boots, where a
    forkserver busy importing nbgrader would hold every zygote back until it is done (issue 20: a cold run of
    one submission waited for the two one after the other)."""
    ctx = mp.get_context("forkserver")
    ctx.set_forkserver_preload(["grading.pipeline", "grading.sandbox"])
    return ctx


# Pools of this process, and whether it is leaving (see _stop_starting_workers).
_LIVE: weakref.WeakSet = weakref.WeakSet()
_SPAWN_LOCK = threading.Lock()
_LEAVING = False


def _stop_starting_workers() -> None:
    """Run as this process leaves, before multiprocessing releases the pools' named semaphores: no worker starts
    from now on, and any still alive (one the grading thread started to replace a killed worker, after the
    platform service killed them all on SIGTERM) is killed. Such a worker, still unpickling its queues when the
    semaphores went, died with a FileNotFoundError traceback from SemLock._rebuild in the service's log."""
    global _LEAVING
    with _SPAWN_LOCK:
        _LEAVING = True
        # only this process's own pools (a fork of it inherits the set, not the workers)
        procs = [proc for pool in list(_LIVE) if pool.args[3] == os.getpid() for proc in pool.procs.values()]
    for proc in procs:
        try:
            if proc.is_alive():  # polled first, as multiprocessing's own exit does: never a pid already reaped
                proc.kill()
        except (OSError, ValueError, AssertionError):  # already gone
            pass
    for proc in procs:
        try:
            proc.join(timeout=1)
        except (OSError, ValueError, AssertionError):
            pass


def _after_fork_in_child() -> None:
    global _SPAWN_LOCK  # a fork taken while another thread held the lock would otherwise never get it
    _SPAWN_LOCK = threading.Lock()


os.register_at_fork(after_in_child=_after_fork_in_child)

# Finalizers of exit priority >= 0 run at Python's exit and in the service's stop (hub/web/lifecycle.py) in falling
# priority: this one before the semaphores' own (priority 0) are unlinked.
multiprocessing.util.Finalize(None, _stop_starting_workers, exitpriority=100)


class Pool:
    """Long-lived worker processes; one that dies (or overruns its deadline) is replaced and its submission
    reported, so the rest of the run goes on."""

    def __init__(self, course: Path, limits: SandboxLimits, sandbox: bool, n: int):
        self.ctx = _context()
        self.args = (str(course), limits_dict(limits), sandbox, os.getpid())
        self.jobs, self.results = self.ctx.Queue(), self.ctx.Queue()
        self.procs: dict[int, mp.Process] = {}
        self.idle_deaths = 0  # workers that died holding no submission since one last started grading
        _LIVE.add(self)
        for _ in range(n):
            self._spawn()

    def _spawn(self) -> None:
        with _SPAWN_LOCK:
            if _LEAVING:  # the process is leaving: a worker started now could not unpickle its queues. No error
                return    # either, which the thread asking would log as a traceback in the moment left
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


_Pool = Pool  # the name it had in grading.engine
