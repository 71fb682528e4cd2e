"""Grading at scale: the same work as Celery tasks, one submission per task.

Workers see the course folder at the same path as the caller (one machine, or a shared volume); a task
that needs the submission's bytes from a database can call ``grading.grade_submission`` instead. Tasks are
acknowledged only after the grade is written (``acks_late``), a worker process takes one task at a time
(prefetch 1), and a task run twice writes the same grade once (nbgrader's gradebook keeps one row per
student and assignment), so a lost worker loses nothing and duplicates nothing.
"""
from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Callable

from celery import Celery

from grading.config import SandboxLimits, limits_dict
from grading.results import GradeResult


def make_app() -> Celery:
    broker = os.environ.get("JINGUO_BROKER_URL", "redis://127.0.0.1:6379/0")
    queue = os.environ.get("JINGUO_GRADING_QUEUE", "jinguo-grading")
    app = Celery("jinguo-grading", broker=broker, backend=os.environ.get("JINGUO_RESULT_URL", broker))
    app.conf.update(
        task_acks_late=True,
        # a task whose worker process died goes back to the queue only where an attempt limit bounds it: the
        # platform's task (hub/cli/grading_worker.py) sets reject_on_worker_lost with the limit kept in the database
        task_reject_on_worker_lost=False,
        worker_prefetch_multiplier=1,
        task_default_queue=queue,
        task_serializer="json", result_serializer="json", accept_content=["json"],
        result_expires=24 * 3600,
        # the unacknowledged task of a worker that vanished is delivered again after this many seconds
        broker_transport_options={"visibility_timeout": int(os.environ.get("JINGUO_VISIBILITY_TIMEOUT", "3600")),
                                  "socket_connect_timeout": 3, "socket_timeout": 10},
        broker_connection_retry_on_startup=True,
        broker_connection_max_retries=None,  # a worker outlives a broker restart: it reconnects, however long
        worker_hijack_root_logger=False,
    )
    return app


app = make_app()
_workers: dict = {}


@app.task(name="jinguo.grade_submission", acks_late=True)
def grade_task(course_dir: str, assignment: str, student: str, limits: dict, sandbox: bool) -> dict:
    """One submission, in this worker process's long-lived Worker (nbgrader imported, zygote warm)."""
    from grading.pipeline import Worker

    key = (course_dir, sandbox)
    if key not in _workers:
        _workers[key] = Worker(course_dir, SandboxLimits(**limits), sandbox=sandbox)
    try:
        return _workers[key].grade(assignment, student).to_json()
    except Exception as exc:
        _workers.pop(key).close()
        return GradeResult(student, assignment, 0.0, 0.0, "error", f"评分出错 / grading failed: {exc!r}"[:400]).to_json()


def grade_many(course: Path, assignment: str, students: list[str], limits: SandboxLimits, sandbox: bool,
               deadline_each: float, done: Callable[[GradeResult], None]) -> None:
    sent = {s: grade_task.apply_async((str(course), assignment, s, limits_dict(limits), sandbox)) for s in students}
    deadline = time.monotonic() + deadline_each * len(students)
    while sent:
        for student, handle in list(sent.items()):
            if handle.ready():
                try:
                    res = GradeResult.from_json(handle.get(timeout=10))
                except Exception as exc:
                    res = GradeResult(student, assignment, 0.0, 0.0, "error", f"评分任务失败 / grading task failed: {exc!r}"[:300])
                del sent[student]
                done(res)
        if time.monotonic() > deadline:
            for student in list(sent):
                done(GradeResult(student, assignment, 0.0, 0.0, "error",
                                 "评分任务超时（是否有 jinguo grading-worker 在运行？）/ grading tasks timed out "
                                 "(is a jinguo grading-worker running?)"))
                del sent[student]
        time.sleep(0.1)
