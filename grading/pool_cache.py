"""Worker pools kept between runs in one process, keyed by course, limits and size, so the next submission
of a course finds its workers booted (nbgrader imported, zygotes prewarmed) instead of waiting ~3 s."""
from __future__ import annotations

import atexit
import json
import threading
from collections import OrderedDict
from pathlib import Path

from grading.config import SandboxLimits, limits_dict, load_course_config
from grading.pool import Pool
from grading.sandbox import check_sandbox


# Pools kept between runs of the same course in one process (the platform grades one submission at a time;
# a pool costs ~1.2 s of prewarming per worker). A pool is taken out while in use, so callers never share one.
_POOLS: OrderedDict[tuple, Pool] = OrderedDict()
_POOLS_LOCK = threading.Lock()
KEEP_POOLS = 4


def pool_key(course: Path, limits: SandboxLimits, sandbox: bool, n: int) -> tuple:
    config = course / "nbgrader_config.py"
    return (str(course), json.dumps(limits_dict(limits), sort_keys=True), sandbox, n,
            config.stat().st_mtime_ns if config.exists() else 0)


def take_pool(course: Path, limits: SandboxLimits, sandbox: bool, n: int) -> Pool:
    """A kept pool for this course and these limits, or a new one."""
    with _POOLS_LOCK:
        pool = _POOLS.pop(pool_key(course, limits, sandbox, n), None)
    if pool is None or not pool.healthy():
        if pool is not None:
            pool.close()
        pool = Pool(course, limits, sandbox, n)
    return pool


def keep_pool(pool: Pool, key: tuple) -> None:
    with _POOLS_LOCK:
        replaced = _POOLS.pop(key, None)  # two callers of one course each had a pool: keep one, stop the other
        _POOLS[key] = pool
        evicted = [_POOLS.popitem(last=False)[1] for _ in range(max(0, len(_POOLS) - KEEP_POOLS))]
    if replaced is not None and replaced is not pool:
        evicted.append(replaced)
    for old in evicted:
        old.close()


class PoolStarter(threading.Thread):
    """Takes or starts the pool in the background: its workers boot (nbgrader imported, sandboxed zygotes
    prewarmed, ~3 s) while the caller checks the submissions."""

    def __init__(self, course: Path, limits: SandboxLimits, sandbox: bool, n: int):
        super().__init__(daemon=True, name="jinguo-pool-start")
        self.args, self.key = (course, limits, sandbox, n), pool_key(course, limits, sandbox, n)
        self.pool: Pool | None = None
        self.error: BaseException | None = None
        self.start()

    def run(self) -> None:
        try:
            self.pool = take_pool(*self.args)
        except BaseException as exc:  # raised again in the caller's thread by take()
            self.error = exc

    def take(self) -> Pool:
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
    keep_pool(take_pool(course, limits, sandbox, workers), pool_key(course, limits, sandbox, workers))


@atexit.register
def close_pools() -> None:
    """Stop every kept pool (also called by long-running callers when they shut down)."""
    with _POOLS_LOCK:
        pools = list(_POOLS.values())
        _POOLS.clear()
    for pool in pools:
        pool.close()
