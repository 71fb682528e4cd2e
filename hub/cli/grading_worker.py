"""``jinguo grading-worker``: a Celery worker that grades the platform's stored submissions.

Each task carries a submission id and its assignment's bundle hash; the worker reads the notebook bytes and the
bundle from the platform database (no shared disk), claims the hand-in with a lease (hub/submissions/lease.py),
grades it in the sandbox in a private scratch course cached by the bundle's hash (grading/celery_worker.py), and
writes the grade under its claim. It also serves ``jinguo grade --backend celery`` (grading/celery_app.py).
"""
from __future__ import annotations

import argparse
import logging
import os
import socket
import threading
import uuid
from pathlib import Path

from grading.celery_app import app

SCRATCH_DEFAULT = "/var/tmp/jinguo-grading"


def _settings() -> dict:
    from hub.settings import JinguoConfig

    return {"db_url": os.environ.get("JINGUO_DB_URL") or JinguoConfig().db_url,
            "scratch": os.environ.get("JINGUO_GRADING_SCRATCH", SCRATCH_DEFAULT),
            "sandbox": os.environ.get("JINGUO_GRADING_SANDBOX", "1") != "0"}


@app.task(name="jinguo.grade_stored", acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def grade_stored(submission: int, bundle: str, lease: float = 60.0, attempts: int = 3,
                 backoff: tuple[float, float] = (5.0, 300.0)) -> str:
    """One delivery of "grade submission N". Acknowledged after the grade is written (acks_late); a worker that
    dies mid-task leaves its message unacknowledged (redelivered after the broker's visibility timeout) and its
    lease running out (published again by the service's reconciler) — whichever comes first is claimed, the
    other absorbed. The claim's attempt count (in the database) ends a submission that kills workers again and
    again as ``failed``; reject_on_worker_lost (for pools with child processes) is safe only because of it. What the
    scratch course made of the hand-in (its autograded folder) is written with the grade, for the service to put
    into the course's gradebook; a platform failure is published again after ``backoff`` = (first delay, cap)."""
    from grading.celery_worker import autograded_files, grade_in_scratch, scratch_course
    from grading.results import GradeResult
    from hub.submissions import lease as leases

    cfg = _settings()
    leases.count_delivery(cfg["db_url"], submission)
    owner = f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    got = leases.claim(cfg["db_url"], submission, owner, lease, attempts)
    if got is None:
        return "absorbed"  # another delivery holds it, or it is final: nothing changes
    stop = threading.Event()

    def keep() -> None:  # the lease is the worker's heartbeat
        while not stop.wait(lease / 3):
            try:
                leases.renew(cfg["db_url"], got, lease)
            except Exception:  # the database is away a moment: the next beat tries again
                pass

    beat = threading.Thread(target=keep, daemon=True)
    beat.start()
    autograded = None
    try:
        try:
            course = scratch_course(Path(cfg["scratch"]), bundle, got.assignment,
                                    lambda: leases.bundle_bytes(cfg["db_url"], bundle))
            result = grade_in_scratch(course, got.assignment, got.student, got.files, got.received_at,
                                      sandbox=cfg["sandbox"]).to_json()
            if result["status"] in ("graded", "timeout"):  # nbgrader's Autograde ran through: its folder is this one's
                autograded = autograded_files(course, got.assignment, got.student)
        except Exception as exc:  # a platform failure: retried up to the attempt limit, never her fault
            logging.getLogger("jinguo.grading").exception("grading submission %s failed", submission)
            result = GradeResult(got.student, got.assignment, 0.0, 0.0, "error",
                                 f"评分出错 / grading failed: {exc!r}"[:400]).to_json()
        written = leases.record(cfg["db_url"], got, result["status"], result, attempts, autograded=autograded,
                                backoff=(float(backoff[0]), float(backoff[1])))
    finally:
        stop.set()
    return "graded" if written else "absorbed"


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="jinguo grading-worker",
                                description="启动 Celery 评分进程：评平台中存储的提交 / start a Celery grading worker "
                                            "for the platform's stored submissions")
    p.add_argument("--broker", help="消息队列地址 / broker URL (env JINGUO_BROKER_URL, default redis://127.0.0.1:6379/0)")
    p.add_argument("--db-url", help="平台数据库 / platform database (env JINGUO_DB_URL)")
    p.add_argument("--queues", help="逗号分隔的队列 / comma-separated queues (default: env JINGUO_COURSE_QUEUE, "
                                    "JINGUO_COMPETITION_QUEUE, JINGUO_GRADING_QUEUE or jinguo-courses,"
                                    "jinguo-competitions,jinguo-grading)")
    p.add_argument("--scratch", help=f"评分用的私有课程缓存 / private scratch courses, cached by bundle hash "
                                     f"(env JINGUO_GRADING_SCRATCH, default {SCRATCH_DEFAULT})")
    p.add_argument("--name", help="进程名 / worker name (default jinguo-grading-PID@host)")
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    for value, env in ((args.broker, "JINGUO_BROKER_URL"), (args.db_url, "JINGUO_DB_URL"),
                       (args.scratch, "JINGUO_GRADING_SCRATCH")):
        if value:
            os.environ[env] = value
    if args.broker:
        app.conf.broker_url = args.broker
    queues = args.queues or ",".join([os.environ.get("JINGUO_COURSE_QUEUE", "jinguo-courses"),
                                      os.environ.get("JINGUO_COMPETITION_QUEUE", "jinguo-competitions"),
                                      app.conf.task_default_queue])
    # One task at a time, in this process ("solo"): grading/ starts its own sandboxed pool per scratch course,
    # which Celery's daemonic prefork children may not do. For more at once, run more workers (own --scratch each).
    app.worker_main(["worker", "--loglevel=INFO", "--pool=solo", "--prefetch-multiplier=1",
                     "-Q", queues, "--without-gossip", "--without-mingle", "--without-heartbeat", "-n",
                     args.name or f"jinguo-grading-{os.getpid()}@%h"])
    return 0
