"""Faults while the service grades on Celery workers, for real: PostgreSQL + a Redis of its own + the service (a
real test hub, GradingQueue.backend = "celery") + three `jinguo grading-worker` processes, each as a Unix account of
its own (root of its own user namespace, sandbox on; the data folder closed to it, checked; PostgreSQL and Redis
over 127.0.0.1: bench/fault_parts.py WorkerAccounts). Hand-ins come through
the API over a window while, one after another: `kill -9` of a worker mid-task, the broker stopped for 20 s (and
restarted empty: no persistence), the service restarted, Redis flushed.

    .venv/bin/python bench/faults.py [--quick] [--hand-ins N] [--window S]

Counts: lost (a "received" answer whose submission never got a final grade), graded twice (more than one
`submission.graded` in the audit log), deliveries (task deliveries workers saw; those beyond the gradings were
absorbed by the claim), scores that differ from the local backend's for the same notebook. Recovery per fault: from
the fault's end until every submission that was waiting then is final, claimed by a live worker, or published again
(worker throughput is not counted).
Last line: `faults: lost L, graded twice D, recovery max R s`.
"""
from __future__ import annotations

import argparse
import os
import secrets
import shutil
import signal
import sys
import tempfile
import threading
import time
from collections import Counter
from datetime import datetime, timedelta, timezone
from pathlib import Path

import nbformat
import requests
from sqlalchemy import create_engine, func, select, text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.fault_parts import Broker, Database, WorkerAccounts, kill_group  # noqa: E402
from hub.testing import serve, start_hub, stop_hub  # noqa: E402

SLUG, TASK = "faults-2026", "task1"
ANSWERS = ["full", "partial", "wrong"]
FINAL = ("graded", "invalid", "timeout")
SETTINGS = {"JINGUO_GRADING_LEASE": "15", "JINGUO_RECONCILE_EVERY": "2", "JINGUO_REQUEUE_AFTER": "15"}


def notebooks(course: Path) -> dict[str, dict]:
    from tests.grading.corpus import KINDS

    out = {}
    for kind in ANSWERS:
        nb = nbformat.read(course / "release" / TASK / "problem.ipynb", as_version=4)
        for cell in nb.cells:
            if cell.metadata.get("nbgrader", {}).get("grade_id") == "answer":
                cell.source = KINDS[kind]
        out[kind] = dict(nb)
    return out


def local_scores(course: Path, books: dict[str, dict], tmp: Path) -> dict[str, float]:
    """The local backend's score of each kind: grading/ on a copy of the competition's folder, same run."""
    from grading import grade_submission

    copy = tmp / "local-reference"
    shutil.copytree(course, copy, ignore=shutil.ignore_patterns("submitted", "autograded", "feedback"))
    return {kind: grade_submission(copy, TASK, f"ref-{kind}", {"problem.ipynb": nbformat.writes(
        nbformat.from_dict(nb)).encode()}).score for kind, nb in books.items()}


class Monitor(threading.Thread):
    """Reads the submissions every 0.5 s; measures each fault's recovery (see the module's docstring)."""

    def __init__(self, db_url: str, lease: float):
        super().__init__(daemon=True)
        self.engine = create_engine(db_url)
        self.lease, self.stop_flag = lease, threading.Event()
        self.faults: list[dict] = []

    def fault_ended(self, name: str) -> None:
        self.faults.append({"name": name, "end": datetime.now(timezone.utc), "affected": None, "recovery": None})

    def run(self) -> None:
        while not self.stop_flag.wait(0.5):
            try:
                with self.engine.connect() as c:
                    rows = c.execute(text("SELECT id, status, published_at, lease_until FROM submissions")).all()
            except Exception:
                continue
            now = datetime.now(timezone.utc)
            for f in self.faults:
                if f["recovery"] is not None:
                    continue
                if f["affected"] is None:
                    f["affected"] = {r.id for r in rows if r.status not in (*FINAL, "failed")}
                lease = timedelta(seconds=self.lease)
                stuck = [r for r in rows if r.id in f["affected"] and r.status not in (*FINAL, "failed")
                         and not (r.published_at and r.published_at > f["end"])
                         and not (r.status == "grading" and r.lease_until and r.lease_until - lease > f["end"])]
                if not stuck:
                    f["recovery"] = (now - f["end"]).total_seconds()


def rush(hub, api: str, tokens: dict[str, str], books: dict[str, dict], n: int, window: float) -> dict:
    """n hand-ins at random moments within ``window`` seconds; per submission the server's wait from stored to
    graded (received_at → graded_at, from the database)."""
    import random

    from hub.store.db import session_scope
    from hub.store.orm import Submission, aware
    from bench.crowd import pct

    names, got, lock = list(tokens), [], threading.Lock()
    t0 = time.monotonic()

    def one(i: int) -> None:
        time.sleep(max(0.0, t0 + random.uniform(0, window) - time.monotonic()))
        name, kind = names[i % len(names)], ANSWERS[i % len(ANSWERS)]
        r = requests.post(api, json={"task": TASK, "notebook": books[kind]},
                          headers={"Authorization": f"token {tokens[name]}"}, timeout=60)
        if r.status_code == 202:
            with lock:
                got.append(r.json()["id"])

    threads = [threading.Thread(target=one, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    deadline = time.monotonic() + 900
    while time.monotonic() < deadline:
        with session_scope(hub.db_url) as s:
            rows = list(s.scalars(select(Submission).where(Submission.id.in_(got))))
        if all(r.status in (*FINAL, "failed") for r in rows):
            break
        time.sleep(1)
    waits = [(aware(r.graded_at) - aware(r.received_at)).total_seconds() for r in rows if r.graded_at]
    return {"accepted": len(got), "graded": len(waits), "p50": pct(waits, 0.5), "p95": pct(waits, 0.95)}


def run(tmp: Path, hand_ins: int = 60, window: float = 30.0, say=print, rush_n: int = 0) -> dict:
    from bench.crowd import approved_learners
    from hub.competitions.admin import join
    from hub.store.db import session_scope
    from hub.store.orm import AuditLog, AutogradedHandIn, Competition, Grade, Member, Submission
    from tests.journeys.competition import open_competition

    broker, db = Broker(tmp), Database()
    broker.start()
    queues = {"JINGUO_COURSE_QUEUE": f"c-{secrets.token_hex(3)}",
              "JINGUO_COMPETITION_QUEUE": f"k-{secrets.token_hex(3)}"}
    saved = {k: os.environ.get(k) for k in ["JINGUO_DB_URL", "JINGUO_GRADING_BACKEND", "JINGUO_BROKER_URL",
                                             *SETTINGS, *queues]}
    os.environ.update(JINGUO_DB_URL=db.url, JINGUO_GRADING_BACKEND="celery", JINGUO_BROKER_URL=broker.url,
                      **SETTINGS, **queues)
    hub, workers, monitor, accounts = None, [], None, None
    try:
        hub = start_hub(tmp / "hub")
        course = open_competition(hub, tmp, SLUG, "故障演练赛", per_day=50, open_for=timedelta(hours=2))
        names = approved_learners(hub, 20, prefix="fault")
        with session_scope(hub.db_url) as s:
            comp = s.scalar(select(Competition).where(Competition.slug == SLUG))
            for m in s.scalars(select(Member).where(Member.username.in_(names))):
                join(s, comp, m)
        books = notebooks(course)
        reference: dict[str, float] = {}  # graded meanwhile: the local backend, same notebooks, same run
        referee = threading.Thread(target=lambda: reference.update(local_scores(course, books, tmp)))
        referee.start()
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(4) as pool:
            tokens = dict(zip(names, pool.map(hub.api_token, names)))
        env = dict(hub.env)
        accounts = WorkerAccounts(hub.unix_prefix)
        workers = [accounts.start(i, env, f"scratch{i}", tmp / f"worker{i}.log") for i in range(3)]
        # what a worker may read: the venv it runs (the probe works), never the competition's folder
        closed = {i: accounts.can_read(i, Path(sys.executable), env) and not any(
            accounts.can_read(i, p, env) for p in (course, course / "gradebook.db", course / "source" / TASK))
            for i in range(3)}
        say(f"grading workers as Unix accounts {', '.join(accounts.names)}: competition folder closed to each: "
            f"{all(closed.values())}")
        monitor = Monitor(db.url, float(SETTINGS["JINGUO_GRADING_LEASE"]))
        monitor.start()
        receipts: dict[int, str] = {}  # submission id -> kind
        lock = threading.Lock()
        api = f"{hub.url}/services/jinguo/api/competitions/{SLUG}/submissions"
        t0 = time.monotonic()

        def hand_in(i: int, at: float | None = None) -> None:
            time.sleep(max(0.0, (t0 + i * window / hand_ins if at is None else at) - time.monotonic()))
            name, kind = names[i % len(names)], ANSWERS[i % len(ANSWERS)]
            deadline = time.monotonic() + 180
            while time.monotonic() < deadline:  # the service may be restarting: she tries again
                try:
                    r = requests.post(api, json={"task": TASK, "notebook": books[kind]},
                                      headers={"Authorization": f"token {tokens[name]}"}, timeout=30)
                    if r.status_code == 202:
                        with lock:
                            receipts[r.json()["id"]] = kind
                        return
                except requests.RequestException:
                    pass
                time.sleep(0.5)
            say(f"hand-in {i} never accepted")

        senders = [threading.Thread(target=hand_in, args=(i,)) for i in range(hand_ins)]
        for t in senders:
            t.start()

        def burst(n: int) -> None:
            """n more hand-ins at once, so the next fault finds submissions waiting in the broker."""
            before = len(receipts)
            more = [threading.Thread(target=hand_in, args=(len(senders) + k, time.monotonic())) for k in range(n)]
            senders.extend(more)
            for t in more:
                t.start()
            until = time.monotonic() + 60
            while len(receipts) < before + n and time.monotonic() < until:
                time.sleep(0.1)
        # 1. kill -9 a worker while it grades
        victim, killed_sid = None, None
        deadline = time.monotonic() + 60
        while victim is None and time.monotonic() < deadline:
            with session_scope(hub.db_url) as s:
                for sid, owner in s.execute(select(Submission.id, Submission.lease_owner)
                                            .where(Submission.status == "grading")):
                    pid = int(owner.split("-")[-2]) if owner else 0
                    for w in workers:
                        try:
                            if pid and os.getpgid(pid) == w.pid:
                                victim, killed_sid = w, sid
                        except ProcessLookupError:
                            pass
            time.sleep(0.2)
        assert victim is not None, "no worker was seen grading"
        kill_group(victim, signal.SIGKILL)
        say(f"kill -9 worker {victim.pid} while it graded submission {killed_sid}")
        monitor.fault_ended("kill -9 worker")
        time.sleep(3)
        i = workers.index(victim)  # its account again, a fresh scratch folder
        workers[i] = accounts.start(i, env, "scratch-restarted", tmp / "worker-restarted.log")
        # 2. the broker away for 20 s, back empty: once the killed worker's submission is back in hand (one fault
        # at a time, so each one's recovery is its own)
        until = time.monotonic() + 60
        while monitor.faults[-1]["recovery"] is None and time.monotonic() < until:
            time.sleep(0.5)
        time.sleep(max(0.0, t0 + window * 0.25 - time.monotonic()))
        broker.stop()
        say("broker stopped for 20 s")
        time.sleep(20)
        broker.start()
        monitor.fault_ended("broker stopped 20 s")
        # 3. the service restarted
        until = time.monotonic() + 60
        while monitor.faults[-1]["recovery"] is None and time.monotonic() < until:
            time.sleep(0.5)
        burst(6)
        os.killpg(hub.proc.pid, signal.SIGTERM)
        hub.proc.wait(timeout=60)
        serve(hub)
        say("service restarted")
        monitor.fault_ended("service restarted")
        # 4. Redis flushed
        until = time.monotonic() + 60
        while monitor.faults[-1]["recovery"] is None and time.monotonic() < until:
            time.sleep(0.5)
        burst(9)
        import redis

        until = time.monotonic() + 20  # some of them published and not yet taken by a worker
        while not redis.Redis(port=broker.port).llen(queues["JINGUO_COMPETITION_QUEUE"]) and time.monotonic() < until:
            time.sleep(0.1)
        broker.flush()
        say("Redis flushed")
        monitor.fault_ended("Redis flushed")
        for t in senders:
            t.join()
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:
            with session_scope(hub.db_url) as s:
                waiting = s.scalar(select(func.count()).select_from(Submission).where(
                    Submission.status.not_in([*FINAL, "failed"])))
                unsynced = s.scalar(select(func.count()).select_from(Submission).where(
                    Submission.graded_by.is_not(None), Submission.synced_at.is_(None)))
                unwritten = s.scalar(select(func.count()).select_from(AutogradedHandIn).where(
                    AutogradedHandIn.written_at.is_(None)))
            if not waiting and not unsynced and not unwritten and all(f["recovery"] is not None for f in monitor.faults):
                break
            time.sleep(1)
        referee.join()
        with session_scope(hub.db_url) as s:
            subs = {sub.id: sub for sub in s.scalars(select(Submission))}
            grades = {g.submission_id: g for g in s.scalars(select(Grade))}
            written_back = {row.submission_id: row.written_at for row in s.scalars(select(AutogradedHandIn))}
            gradings = Counter(int(a.target_id) for a in s.scalars(
                select(AuditLog).where(AuditLog.action == "submission.graded")))
        lost = [sid for sid in receipts if sid not in subs or subs[sid].status not in FINAL or sid not in grades]
        twice = [sid for sid, n in gradings.items() if n > 1]
        wrong = [sid for sid, kind in receipts.items() if sid in grades and grades[sid].score != reference[kind]]
        deliveries = sum(sub.deliveries for sub in subs.values())
        result = {"hand_ins": len(receipts), "rows": len(subs), "data_closed_to_workers": all(closed.values()),
                  "worker_accounts": list(accounts.names), "lost": len(lost), "graded_twice": len(twice),
                  "gradings": sum(gradings.values()), "deliveries": deliveries,
                  "absorbed": deliveries - sum(gradings.values()), "wrong_scores": len(wrong),
                  "reference": reference, "killed": killed_sid,
                  "killed_deliveries": subs[killed_sid].deliveries if killed_sid in subs else None,
                  "killed_attempts": subs[killed_sid].attempts if killed_sid in subs else None,
                  "written_back": sum(1 for w in written_back.values() if w),
                  "not_written_back": sum(1 for w in written_back.values() if not w),
                  "unsynced": sum(1 for sub in subs.values() if sub.graded_by and not sub.synced_at),
                  "recovery": {f["name"]: f["recovery"] for f in monitor.faults},
                  "statuses": dict(Counter(sub.status for sub in subs.values())),
                  "messages": dict(Counter(sub.message[:300] for sub in subs.values() if sub.status not in FINAL)),
                  "elapsed": time.monotonic() - t0}
        if rush_n:  # the rush through the three Celery workers, then through the local backend: same run
            say(f"rush: {rush_n} hand-ins in 60 s through 3 Celery workers ...")
            result["rush_celery"] = rush(hub, api, tokens, books, rush_n, 60.0)
            os.killpg(hub.proc.pid, signal.SIGTERM)
            hub.proc.wait(timeout=60)
            hub.env["JINGUO_GRADING_BACKEND"] = "local"
            serve(hub)
            say(f"rush: {rush_n} hand-ins in 60 s through the local backend ...")
            result["rush_local"] = rush(hub, api, tokens, books, rush_n, 60.0)
        return result
    finally:
        if monitor:
            monitor.stop_flag.set()
        for w in workers:
            kill_group(w)
        if accounts:
            accounts.remove()
        if hub:
            stop_hub(hub)
        broker.stop()
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        db.drop()


def report(res: dict, say=print) -> None:
    say(f"hand-ins accepted {res['hand_ins']} (rows {res['rows']}), statuses {res['statuses']}, "
        f"{res['elapsed']:.0f} s; workers as accounts {res['worker_accounts']}, data folder closed to them: "
        f"{res['data_closed_to_workers']}")
    for message, n in res["messages"].items():
        say(f"  not graded ({n}): {message}")
    say(f"deliveries {res['deliveries']}, gradings {res['gradings']}, duplicates absorbed {res['absorbed']}; "
        f"killed submission {res['killed']}: deliveries {res['killed_deliveries']}, attempts {res['killed_attempts']}")
    say(f"scores differing from the local backend {res['wrong_scores']} (reference {res['reference']}); written "
        f"into the competition's gradebook by the service {res['written_back']}, waiting {res['not_written_back']}")
    for name, r in res["recovery"].items():
        say(f"recovery after {name}: {'never' if r is None else f'{r:.1f} s'}")
    worst = max((r if r is not None else float("inf")) for r in res["recovery"].values())
    for label in ("rush_celery", "rush_local"):
        if label in res:
            r = res[label]
            say(f"{label.replace('_', ' through ')}: accepted {r['accepted']}, graded {r['graded']}, "
                f"wait p50 {r['p50']:.1f} s, p95 {r['p95']:.1f} s")
    say(f"faults: lost {res['lost']}, graded twice {res['graded_twice']}, recovery max {worst:.1f} s")


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="the fault scenario alone (< 5 min)")
    p.add_argument("--hand-ins", type=int, default=None)
    p.add_argument("--window", type=float, default=30.0)
    p.add_argument("--keep", action="store_true", help="keep the run's folder (logs) for a look")
    args = p.parse_args()
    hand_ins = args.hand_ins or (60 if args.quick else 120)  # the full bench: twice the hand-ins, then the rush
    tmp = Path(tempfile.mkdtemp(prefix="jinguo-faults-"))
    os.chmod(tmp, 0o755)
    try:
        report(run(tmp, hand_ins, args.window if args.quick else max(args.window, 60.0),
                   rush_n=0 if args.quick else 200))
    finally:
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            print(f"kept {tmp}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
