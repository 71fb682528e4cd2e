"""A class rush: N enrolled learners hand in the same assignment within one minute, through the exchange API of a
real hub (the road of DESIGN.md §3: stored and committed before the 202, queued, graded in the sandbox by grading/).

    .venv/bin/python bench/course_rush.py [--quick] [--learners N] [--window S] [--poll S]

For every hand-in it measures the time from her 202 "received" to her score being visible through the API
(GET /exchange/submissions/ID, polled every --poll seconds, so this is an upper bound by up to one poll), and
the same on the server's clock (grade written − received_at). Prints p50/p95/max and the issue's target:
p95 ≤ 10 s from "received" for a class of 100 in the same minute. Last line: `ratio: N` (target over p95).
"""
from __future__ import annotations

import argparse
import random
import shutil
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone
from pathlib import Path

import requests
from sqlalchemy import select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.crowd import approved_learners, pct  # noqa: E402
from hub.courses.publish import publish_course, release_assignment  # noqa: E402
from hub.store.db import session_scope  # noqa: E402
from hub.store.orm import Grade, Submission, aware  # noqa: E402
from hub.testing import start_hub, stop_hub  # noqa: E402
from tests.hub.lab.courses import enrol, release_nb, solved  # noqa: E402

TARGET_P95 = 10.0
COURSE, ASSIGNMENT = "office-data", "sums"
WAITING = ("received", "queued", "grading", "retrying")


def make_class(hub, n: int) -> list[str]:
    """N approved learners of the demo's unions, enrolled in the course; the demo's own workers first."""
    names = approved_learners(hub, n)
    with session_scope(hub.db_url) as s:
        publish_course(s, str(hub.data_dir), COURSE, "teacher1")
        s.flush()
        release_assignment(s, str(hub.data_dir), COURSE, ASSIGNMENT, "teacher1",
                           due_at=datetime.now(timezone.utc) + timedelta(days=7))
    enrol(hub, COURSE, names)
    return names


def hand_in(api: str, token: str, notebook: dict, at: float, poll: float, out: list, lock: threading.Lock) -> None:
    """Wait for her moment, submit, then poll until her score is visible."""
    time.sleep(max(0.0, at - time.monotonic()))
    auth = {"Authorization": f"token {token}"}
    with requests.Session() as http:
        r = http.post(f"{api}/exchange/courses/{COURSE}/assignments/{ASSIGNMENT}/submissions",
                      json={"notebooks": {f"{ASSIGNMENT}.ipynb": notebook}}, headers=auth, timeout=120)
        received = time.monotonic()
        if r.status_code != 202:
            with lock:
                out.append({"status": f"HTTP {r.status_code}", "latency": None, "id": None})
            return
        sid = r.json()["submissions"][0]["id"]
        time.sleep(poll * random.random())  # the class does not poll in lockstep
        while True:
            data = http.get(f"{api}/exchange/submissions/{sid}", headers=auth, timeout=120).json()
            if data["status"] not in WAITING:
                break
            time.sleep(poll)
        with lock:
            out.append({"status": data["status"], "latency": time.monotonic() - received, "id": sid,
                        "score": data["score"]})


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="20 learners within 10 s (about a minute and a half)")
    ap.add_argument("--learners", type=int, help="learners in the class (default 100)")
    ap.add_argument("--window", type=float, help="seconds over which they hand in (default 60: the same minute)")
    ap.add_argument("--poll", type=float, default=0.5, help="seconds between her score checks")
    args = ap.parse_args()
    n = args.learners or (20 if args.quick else 100)
    window = args.window if args.window is not None else (10.0 if args.quick else 60.0)

    tmp = Path(tempfile.mkdtemp(prefix="jinguo-bench-rush-"))
    hub = start_hub(tmp)
    try:
        t0 = time.perf_counter()
        names = make_class(hub, n)
        with ThreadPoolExecutor(8) as pool:
            tokens = list(pool.map(lambda name: hub.api_token(name, "course rush"), names))
        full = solved(hub, COURSE, ASSIGNMENT)  # a class: most solve it, some half, some hand in the blank
        half = solved(hub, COURSE, ASSIGNMENT, {"answer11": "def 平均(表格):\n    return 0\n"})
        blank = release_nb(hub, COURSE, ASSIGNMENT)
        kinds = [full] * 6 + [half] * 3 + [blank]
        print(f"setup: {n} learners enrolled in {COURSE}, {ASSIGNMENT} released ({time.perf_counter() - t0:.0f} s)")

        api, out, lock = f"{hub.url}/services/jinguo/api", [], threading.Lock()
        start = time.monotonic() + 1.0
        moments = sorted(start + random.uniform(0, window) for _ in names)
        t0 = time.perf_counter()
        with ThreadPoolExecutor(n) as pool:
            for i, (token, at) in enumerate(zip(tokens, moments)):
                pool.submit(hand_in, api, token, kinds[i % len(kinds)], at, args.poll, out, lock)
        wall = time.perf_counter() - t0

        with session_scope(hub.db_url) as s:  # the same on the server's clock
            server = [(aware(g.graded_at) - aware(sub.received_at)).total_seconds() for sub, g in s.execute(
                select(Submission, Grade).join(Grade, Grade.submission_id == Submission.id))]
        lat = [o["latency"] for o in out if o["latency"] is not None]
        statuses: dict[str, int] = {}
        for o in out:
            statuses[o["status"]] = statuses.get(o["status"], 0) + 1
        p95 = pct(lat, 0.95) if lat else float("inf")
        print(f"hand-ins: {len(out)} within {window:.0f} s; statuses: {statuses}; all done after {wall:.1f} s")
        print(f"{'received → score':<34}{'p50':>8}{'p95':>8}{'max':>8}")
        if lat:
            print(f"{'through the API (poll ' + format(args.poll, 'g') + ' s)':<34}{pct(lat, .5):>7.2f}s"
                  f"{p95:>7.2f}s{max(lat):>7.2f}s")
        if server:
            print(f"{'server clock (graded − received)':<34}{pct(server, .5):>7.2f}s{pct(server, .95):>7.2f}s"
                  f"{max(server):>7.2f}s")
        met = len(lat) == n and statuses.get("graded", 0) == n and p95 <= TARGET_P95
        print(f"target: every score back, p95 ≤ {TARGET_P95:g} s — {'met' if met else 'NOT met'}")
        print(f"ratio: {TARGET_P95 / p95:.2f}")
        sys.exit(0 if met else 1)
    finally:
        stop_hub(hub)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
