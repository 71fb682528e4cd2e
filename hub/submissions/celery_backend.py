"""The platform service's side of grading on Celery workers (``GradingQueue.backend = "celery"``).

The database is the source of truth, the broker only a doorbell. A submission is committed before she hears
"received"; it is published after that commit (an outbox: ``published_at`` marks the publish), and a reconciler
in the service publishes again what waits unclaimed longer than ``requeue_after``, what was never published (the
broker was down), and what a worker claimed but whose lease ran out (the worker died). So nothing stays "received"
forever, also when the broker lost its messages. Duplicate messages are harmless: a worker claims a row with a
compare-and-set (hub/submissions/lease.py) and a second delivery changes nothing.

Workers write the grade; the service then runs its own callbacks for it (boards, certificates) — the grade row is
the hand-over. Workers grade in private scratch courses (grading/celery_worker.py) and leave their autograded
folder beside the grade: the service, the single writer of each course's nbgrader gradebook, writes it into the
course's folder and gradebook, on each reconciler tick in a thread of its own (hub/submissions/writeback.py), so
formgrader and ``nbgrader export`` see a worker's grading as they see the local backend's. A platform failure is
published again after a delay that doubles with each attempt, up to ``retry_cap`` (the submission's ``retry_at``).
"""
from __future__ import annotations

import os
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path
from typing import Any

from kombu.exceptions import OperationalError as KombuOperationalError
from sqlalchemy import and_, or_, select, update
from tornado.ioloop import IOLoop, PeriodicCallback
from traitlets import Float, Unicode, default
from traitlets.config import LoggingConfigurable

from hub.store.db import session_scope
from hub.store.orm import Grade, GradingBundle, Submission, utcnow
from hub.submissions.lease import CLAIMABLE, interrupted_message

TASK = "jinguo.grade_stored"
FINAL = ("graded", "invalid", "timeout")


class CeleryGrading(LoggingConfigurable):
    """Publishes stored submissions to Celery and reconciles the database with what the workers did."""

    broker_url = Unicode(help="Celery broker. Env: JINGUO_BROKER_URL. Default redis://127.0.0.1:6379/0."
                         ).tag(config=True)
    course_queue = Unicode(help="Queue of course submissions. Env: JINGUO_COURSE_QUEUE. Default jinguo-courses."
                           ).tag(config=True)
    competition_queue = Unicode(help="Queue of competition submissions (its own, so a competition's last hour never "
                                     "starves courses, nor the other way). Env: JINGUO_COMPETITION_QUEUE. Default "
                                     "jinguo-competitions.").tag(config=True)
    lease = Float(help="Seconds a worker's claim on a submission lasts unless renewed (workers renew it every third "
                       "of it while grading): a dead worker's submission is published again this long after it "
                       "stopped renewing. Env: JINGUO_GRADING_LEASE. Default 60.").tag(config=True)
    reconcile_every = Float(help="Seconds between two reconciler passes. Env: JINGUO_RECONCILE_EVERY. Default 5."
                            ).tag(config=True)
    retry_cap = Float(help="Longest delay, in seconds, before a submission the platform failed to grade is published "
                           "again: the first waits GradingQueue.retry_delay, each further one twice as long, at most "
                           "this (within GradingQueue.retry_limit attempts). Env: JINGUO_RETRY_CAP. Default 300."
                      ).tag(config=True)
    requeue_after = Float(help="Seconds a published submission may wait unclaimed before it is published again "
                               "(the broker may have lost it). Env: JINGUO_REQUEUE_AFTER. Default 120."
                         ).tag(config=True)

    @default("broker_url")
    def _broker(self) -> str:
        return os.environ.get("JINGUO_BROKER_URL", "redis://127.0.0.1:6379/0")

    @default("course_queue")
    def _cq(self) -> str:
        return os.environ.get("JINGUO_COURSE_QUEUE", "jinguo-courses")

    @default("competition_queue")
    def _kq(self) -> str:
        return os.environ.get("JINGUO_COMPETITION_QUEUE", "jinguo-competitions")

    @default("lease")
    def _lease(self) -> float:
        return float(os.environ.get("JINGUO_GRADING_LEASE", "60"))

    @default("reconcile_every")
    def _every(self) -> float:
        return float(os.environ.get("JINGUO_RECONCILE_EVERY", "5"))

    @default("retry_cap")
    def _cap(self) -> float:
        return float(os.environ.get("JINGUO_RETRY_CAP", "300"))

    @default("requeue_after")
    def _requeue(self) -> float:
        return float(os.environ.get("JINGUO_REQUEUE_AFTER", "120"))

    def __init__(self, queue: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.queue = queue  # the GradingQueue: db_url, data_dir, retry_limit, on_graded
        self._bundles: dict[tuple[str, str], tuple[tuple, str]] = {}
        self._busy = threading.Lock()
        self._pending = threading.Event()
        self._writing = threading.Event()

    def connect(self) -> None:
        """The Celery app that publishes (no loop needed: ``_publish`` and ``_reconcile`` run in the caller)."""
        from celery import Celery

        self.app = Celery("jinguo-service", broker=self.broker_url)
        self.app.conf.update(broker_transport_options={"socket_connect_timeout": 3, "socket_timeout": 10},
                             task_serializer="json", accept_content=["json"])

    def start(self) -> None:
        self.connect()
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="jinguo-outbox")  # never blocks the web loop
        self._writer = ThreadPoolExecutor(1, thread_name_prefix="jinguo-gradebook")
        IOLoop.current().add_callback(self.reconcile)
        PeriodicCallback(self.reconcile, self.reconcile_every * 1000).start()
        self.log.info("grading on Celery workers through %s", self.broker_url)

    def stop(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
        self._writer.shutdown(wait=False, cancel_futures=True)

    def publish(self, submission_id: int) -> None:
        """After the commit that stored it (the caller's): a failed publish is retried by the reconciler."""
        self._pool.submit(self._publish, [submission_id])

    def reconcile(self) -> None:
        if not self._pending.is_set():  # one pass waiting at most: a slow pass (broker down) builds no backlog
            self._pending.set()
            self._pool.submit(self._reconcile)
        if not self._writing.is_set():  # the gradebooks in a thread of their own: a rush's write-backs never
            self._writing.set()         # hold up the publishing of new hand-ins
            self._writer.submit(self._write_back)

    # --- in the outbox thread ---------------------------------------------------------------------------------

    def _bundle(self, s: Any, folder: Path, assignment: str) -> str:
        """The sha256 of the assignment's bundle, stored in the database once; rebuilt when its files change."""
        from grading.celery_worker import bundle_sha, make_bundle

        files = [folder / "nbgrader_config.py", *sorted((folder / "source" / assignment).rglob("*"))]
        mark = tuple((str(p), p.stat().st_mtime_ns, p.stat().st_size) for p in files if p.is_file())
        known = self._bundles.get((str(folder), assignment))
        if known and known[0] == mark:
            return known[1]
        data = make_bundle(folder, assignment)
        sha = bundle_sha(data)
        if s.get(GradingBundle, sha) is None:
            s.add(GradingBundle(sha256=sha, data=data))
            s.commit()
        self._bundles[(str(folder), assignment)] = (mark, sha)
        return sha

    def _publish(self, ids: list[int]) -> int:
        from hub.submissions.lease import course_of

        sent = 0
        for sid in ids:
            try:
                with session_scope(self.queue.db_url) as s:
                    sub = s.get(Submission, sid)
                    if sub is None or sub.status in (*FINAL, "failed"):
                        continue
                    kind, slug, assignment = course_of(s, sub)
                    folder = Path(self.queue.data_dir) / ("competitions" if kind == "competition" else "courses") / slug
                    sha = self._bundle(s, folder, assignment)
                self.app.send_task(TASK, kwargs={"submission": sid, "bundle": sha, "lease": self.lease,
                                                 "attempts": self.queue.retry_limit,
                                                 "backoff": [self.queue.retry_delay, self.retry_cap]},
                                   queue=self.competition_queue if kind == "competition" else self.course_queue,
                                   retry=False)
            except (OSError, ConnectionError, socket.error, KombuOperationalError) as exc:
                self.log.warning("评分任务未能发出（稍后重发）/ could not publish grading of %s (will retry): %r", sid, exc)
                return sent  # the broker is down: the rest waits for the next pass
            except Exception:
                self.log.exception("could not publish grading of submission %s", sid)
                continue
            with session_scope(self.queue.db_url) as s:
                s.execute(update(Submission).where(Submission.id == sid).values(published_at=utcnow()))
            sent += 1
        return sent

    def _reconcile(self) -> None:
        if not self._busy.acquire(blocking=False):
            return
        self._pending.clear()
        try:
            self._fail_exhausted()
            due = self._due()
            if due:
                sent = self._publish(due)
                self.log.info("评分对账：重新发出 %d/%d 份 / reconciler published %d of %d waiting submissions",
                              sent, len(due), sent, len(due))
            self._sync()
        except Exception:
            self.log.exception("grading reconciler pass failed")
        finally:
            self._busy.release()

    def _fail_exhausted(self) -> None:
        """A submission whose worker died on it ``retry_limit`` times: failed, with a clear message, never looped."""
        now, limit = utcnow(), self.queue.retry_limit
        with session_scope(self.queue.db_url) as s:
            s.execute(update(Submission).where(Submission.status == "grading", Submission.lease_until < now,
                                               Submission.attempts >= limit)
                      .values(status="failed", lease_owner=None, lease_until=None,
                              message=interrupted_message(limit)))

    def _due(self) -> list[int]:
        now = utcnow()
        stale = now - timedelta(seconds=self.requeue_after)
        with session_scope(self.queue.db_url) as s:
            return list(s.scalars(select(Submission.id).where(or_(
                and_(Submission.status.in_(CLAIMABLE),
                     or_(Submission.published_at.is_(None), Submission.published_at < stale),
                     or_(Submission.retry_at.is_(None), Submission.retry_at <= now)),  # a retry waits its delay
                and_(Submission.status == "grading", Submission.lease_until.is_not(None),
                     Submission.lease_until < now,
                     or_(Submission.published_at.is_(None), Submission.published_at < Submission.lease_until,
                         Submission.published_at < stale)),
                # left "grading" by the local backend (no lease) before a switch to Celery
                and_(Submission.status == "grading", Submission.lease_until.is_(None),
                     Submission.published_at.is_(None)))).order_by(Submission.id)))

    def _sync(self) -> None:
        """Graded by a worker, not yet taken in by the service: run the service's callbacks in one transaction
        each (the public score on the boards, certificates)."""
        with session_scope(self.queue.db_url) as s:
            ids = list(s.scalars(select(Submission.id).where(Submission.graded_by.is_not(None),
                                                             Submission.synced_at.is_(None),
                                                             Submission.status.in_(FINAL)).order_by(Submission.id)))
        for sid in ids:
            with session_scope(self.queue.db_url) as s:
                sub = s.get(Submission, sid)
                grade = s.scalar(select(Grade).where(Grade.submission_id == sid))
                if grade is not None:
                    for callback in self.queue.on_graded:
                        callback(s, sub, grade)
                sub.synced_at = utcnow()

    def _write_back(self) -> None:
        """The workers' autograded hand-ins into the courses' folders and gradebooks (this service alone writes
        them), under the grading queue's per-student lock that feedback and the manual-grade sync take too."""
        from hub.submissions.writeback import write_back

        self._writing.clear()
        t0 = time.monotonic()
        try:
            written = write_back(self.queue.db_url, self.queue.data_dir,
                                 lock=lambda folder, assignment, student: self.queue._lock((str(folder), assignment,
                                                                                             student)),
                                 seal=self.queue._seal)
        except Exception:
            self.log.exception("gradebook write-back pass failed")
            return
        if written:
            took = time.monotonic() - t0
            self.log.info("写入成绩册 %d 份，%.1f 秒 / wrote %d graded hand-ins into their gradebooks in %.1f s",
                          written, took, written, took)
