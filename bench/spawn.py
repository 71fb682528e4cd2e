"""Time and memory of notebook-server starts through the hub's REST API: one alone, then 10 at once.

    .venv/bin/python bench/spawn.py [--concurrent 10]

Starts a real hub (demo data, temporary folders), logs workers in, asks the API to start their servers
and waits until the hub reports them ready. Memory is the resident size of each server process tree.
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from hub.testing import start_hub, stop_hub


def rss_mb(user: str) -> float:
    out = subprocess.run(["ps", "-o", "rss=", "-u", user], capture_output=True, text=True).stdout
    return sum(int(x) for x in out.split()) / 1024


def start_and_wait(hub, name: str) -> float:
    s = hub.session(name)
    t0 = time.perf_counter()
    hub.start_server(s, name)
    while not hub.server_ready(s, name):
        time.sleep(0.05)
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--concurrent", type=int, default=10)
    args = ap.parse_args()
    if os.geteuid() != 0:
        print("note: not root, servers run in single-account demo mode")
    hub = start_hub(Path(tempfile.mkdtemp(prefix="jinguo-bench-")))
    try:
        one = start_and_wait(hub, "worker01")
        mem_one = rss_mb(hub.unix_prefix + "worker01") if os.geteuid() == 0 else float("nan")
        names = [f"worker{i:02d}" for i in range(2, 2 + args.concurrent)]
        t0 = time.perf_counter()
        with ThreadPoolExecutor(args.concurrent) as pool:
            each = list(pool.map(lambda n: start_and_wait(hub, n), names))
        wall = time.perf_counter() - t0
        mems = [rss_mb(hub.unix_prefix + n) for n in names] if os.geteuid() == 0 else []
        print(f"one server: {one:.2f} s to ready, {mem_one:.0f} MB resident")
        print(f"{args.concurrent} at once: {wall:.2f} s until all ready; per server median "
              f"{statistics.median(each):.2f} s, max {max(each):.2f} s")
        if mems:
            print(f"{args.concurrent} at once: {statistics.mean(mems):.0f} MB resident each, {sum(mems):.0f} MB total")
        print(f"ratio: {wall / one:.2f}  (10 at once vs one alone, wall clock)")
    finally:
        stop_hub(hub)


if __name__ == "__main__":
    main()
