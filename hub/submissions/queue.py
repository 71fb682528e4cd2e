"""The local grading queue inside the platform service: every stored submission is graded once by grading/,
its result written once, and nothing sits "received" forever — submissions left unfinished by a crash are
picked up again at start, and ones the platform failed to grade are retried with a growing delay.

Only a platform failure (grading/'s status ``error``, or the whole run failing) is retried and frees her place
under a competition's limits; what her submission caused (``invalid``, ``timeout``) is final and counts
(competitions.model.HER_FAULT). A run that fails as a whole is graded again one hand-in at a time, so one
hostile notebook that takes a run down cannot turn the others' hand-ins into platform failures with it.

A competition's folder is sealed to root before its submissions are written into it (seal_competition_folder in
hub/store/data_folder.py, with the data folder's whole model)."""
from __future__ import annotations

import math
import os
import threading
import time
from collections import deque
from datetime import timedelta
from contextlib import ExitStack
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Callable

from sqlalchemy import select
from tornado.ioloop import IOLoop, PeriodicCallback
from traitlets import Bool, Float, Integer, List, Unicode, default
from traitlets.config import LoggingConfigurable

from hub.competitions.boards import spec_of
from hub.settings import competition_folder, competitions_root
from hub.store.data_folder import seal_competition_folder, seal_data_dir
from hub.store.db import session_scope
from hub.store.audit import audit
from hub.store.orm import Competition, Grade, Member, Submission, aware, utcnow
from grading.statuses import WAITING, SubmissionStatus
from hub.submissions.grades import course_dir_for, hand_in_siblings, notebook_share, retry_delay, write_grade

OnGraded = Callable[[Any, Submission, Grade], None]


class GradingQueue(LoggingConfigurable):
    """Grades submissions in worker threads (each runs grading/'s sandboxed pool), off the web loop."""

    workers = Integer(2, help="Grading threads: this many courses or competitions graded at the same time (each "
                              "grades one run at a time, see batch and processes).").tag(config=True)
    batch = Integer(64, help="Most submissions of one course graded in one run of grading/'s worker pool: in a "
                             "rush, what lines up while a run is graded goes in the next run. Each run has a fixed "
                             "cost (the course's settings, gradebook and ledger read, the pool taken and given back), "
                             "so when a rush outruns the graders, fewer larger runs grade more per second.").tag(config=True)
    processes = Integer(help="Worker processes of grading/'s pool for a run of several submissions (default: the "
                             "CPU cores). grading/ keeps a pool per size: a course with more than 1 keeps two warm "
                             "pools, one of 1 for a lone hand-in and one of this many for a run of several; both are "
                             "warmed ahead (warm_ahead).").tag(config=True)
    write_every = Float(0.25, help="Seconds between two writes of the results a run has graded so far: each write "
                                   "is one transaction for all of them (and one board update), not one per "
                                   "submission; the rest are written when the run ends.").tag(config=True)
    retry_limit = Integer(
        3, help="Attempts for a submission the platform failed to grade (status error) before it is marked "
                "failed; such attempts never count against the competitor's limits.").tag(config=True)
    retry_delay = Float(5.0, help="Seconds before the first retry; doubled for each further one.").tag(config=True)
    sandbox = Bool(True, help="Grade in the bubblewrap sandbox. Only for development may this be off.").tag(config=True)
    db_url = Unicode(help="The platform database.").tag(config=True)
    data_dir = Unicode(help="Folder holding courses/<slug> and competitions/<slug> nbgrader folders.").tag(config=True)
    warm_ahead = Float(
        900.0, help="Seconds before a competition's phase opens when its grading pool is started (nbgrader loaded, "
                    "sandbox booted), so the first hand-ins of a rush are not kept waiting for it; phases open when "
                    "the service starts are warmed at once. 0 turns it off.").tag(config=True)
    warm_every = Float(60.0, help="Seconds between two looks for phases about to open (see warm_ahead).").tag(config=True)
    on_graded = List(help="Callables (session, submission, grade) run in the grade's transaction.")
    backend = Unicode(help='"local": graded in this service\'s threads; "celery": handed to Celery grading workers '
                           "(jinguo grading-worker; hub/submissions/celery_backend.py). Env: JINGUO_GRADING_BACKEND. "
                           'Default "local".').tag(config=True)

    @default("processes")
    def _processes_default(self) -> int:
        return os.cpu_count() or 1

    @default("backend")
    def _backend_default(self) -> str:
        return os.environ.get("JINGUO_GRADING_BACKEND", "local")

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._locks: dict[tuple, threading.Lock] = {}
        self._locks_guard = threading.Lock()
        self._configs: dict[tuple, Any] = {}  # (course, its nbgrader_config.py's mtime) -> the config read
        self._sealed: set[str] = set()  # competition folders sealed by this process (then its umask keeps them)

    def start(self) -> None:
        self._loop = IOLoop.current()
        if self.backend == "celery":
            from hub.submissions.celery_backend import CeleryGrading

            seal_data_dir(self.data_dir)
            self._celery = CeleryGrading(self, parent=self)
            self._celery.start()
            return
        if self.backend != "local":
            raise ValueError(f"GradingQueue.backend must be local or celery, not {self.backend!r}")
        self._pool = ThreadPoolExecutor(self.workers, thread_name_prefix="jinguo-grading")
        self._lines: dict[str, deque[int]] = {}  # course folder -> submissions waiting behind the one grading
        seal_data_dir(self.data_dir)
        with session_scope(self.db_url) as s:
            for slug in s.scalars(select(Competition.slug)):
                self._pool.submit(self._seal, competition_folder(self.data_dir, slug))
        with session_scope(self.db_url) as s:
            waiting = s.scalars(select(Submission.id).where(Submission.status.in_(WAITING))
                                .order_by(Submission.id)).all()
        for sid in waiting:  # left by a stop or a crash: graded now, once
            self.enqueue(sid)
        if waiting:
            self.log.info("re-queued %d unfinished submissions", len(waiting))
        self._warmed: set[str] = set()
        if self.warm_ahead > 0:
            self._loop.add_callback(self._warm_due)
            PeriodicCallback(self._warm_due, self.warm_every * 1000).start()

    def _warm_due(self) -> None:
        """Open competitions whose phase is open or opens within ``warm_ahead``: warm each one's pool once."""
        now, ahead = utcnow(), timedelta(seconds=self.warm_ahead)
        with session_scope(self.db_url) as s:
            due = [row.slug for row in s.scalars(select(Competition).where(Competition.status == "open"))
                   if any(aware(ph.opens_at) - ahead <= now < aware(ph.closes_at) for ph in spec_of(row).phases)]
        for slug in due:
            folder = str(competition_folder(self.data_dir, slug))
            if folder not in self._warmed and Path(folder, "gradebook.db").exists():
                self._warmed.add(folder)
                self._pool.submit(self._warm, folder)

    def _seal(self, folder: Path) -> None:
        """A competition's folder to root alone (hub/store/data_folder.py), once per folder and process: an organizer
        may have put the task in place with her shell's umask; what this process writes later keeps its umask."""
        if folder.parent != competitions_root(self.data_dir) or str(folder) in self._sealed:
            return
        try:
            seal_competition_folder(self.data_dir, folder.name)
            self._sealed.add(str(folder))
        except OSError:
            self.log.exception("无法封闭竞赛文件夹 %s / could not seal the competition folder %s", folder, folder)

    def _warm(self, folder: str) -> None:
        """Warm the course's pool as if it were a run: hand-ins arriving meanwhile line up behind it (never a second,
        cold pool beside it), and are graded on it right after."""
        from grading import warm_up

        self._seal(Path(folder))
        if not self._claim(folder):
            return  # being graded: its pool is warm
        try:
            for size in sorted({1, max(1, self.processes)}):  # a lone hand-in's run takes a pool of one; a rush's, more
                warm_up(folder, workers=size, sandbox=self.sandbox)
            self.log.info("grading pool warmed for %s", folder)
        except Exception:  # an optimisation only: her hand-in still boots a pool when it comes
            self.log.warning("could not warm the grading pool for %s", folder, exc_info=True)
        self._work_through(folder, [])

    def stop(self) -> None:
        if self.backend == "celery":
            return self._celery.stop()
        self._pool.shutdown(wait=False, cancel_futures=True)

    def enqueue(self, submission_id: int, delay: float = 0.0) -> None:
        if self.backend == "celery":
            self._celery.publish(submission_id)
        elif delay > 0:
            self._loop.call_later(delay, self.enqueue, submission_id)
        else:
            self._pool.submit(self._grade, submission_id)

    def _lock(self, key: tuple) -> threading.Lock:
        with self._locks_guard:
            return self._locks.setdefault(key, threading.Lock())

    def _grade(self, submission_id: int) -> None:
        """Grade it now, or line it up behind the run of its course being graded.

        One run of a course at a time: grading/ keeps warm worker pools per course and lends each to one
        caller; a second caller of the same course meanwhile boots a cold pool (seconds; in a rush, for every
        other submission) and, on return, one of the two pools is dropped with its workers still running. The
        thread grading a course takes what has lined up meanwhile as its next run (up to ``batch``), so a rush
        is graded in runs over one warm pool, and no thread ever waits on a busy course while submissions of
        other courses wait for a thread."""
        try:
            with session_scope(self.db_url) as s:
                sub = s.get(Submission, submission_id)
                if sub is None or sub.status not in WAITING:
                    return
                course = str(course_dir_for(self.data_dir, sub, s)[0])
        except Exception:  # never lose it: the next start picks it up again
            self.log.exception("grading submission %s failed", submission_id)
            return
        if self._claim(course, submission_id):
            self._work_through(course, [submission_id])

    def _claim(self, course: str, submission_id: int | None = None) -> bool:
        """True when this thread now works on the course; else the submission waits in the course's line, for
        the thread already working on it."""
        with self._locks_guard:
            if course in self._lines:
                if submission_id is not None:
                    self._lines[course].append(submission_id)
                return False
            self._lines[course] = deque()
            return True

    def _work_through(self, course: str, run: list[int]) -> None:
        """Grade ``run``, then what lined up meanwhile, in runs of up to ``batch``, until the line is empty."""
        line = self._lines[course]
        while True:
            try:
                later = self._grade_run(run) if run else []
            except Exception:  # never lose them: the next start picks them up again
                self.log.exception("grading submissions %s failed", run)
                later = []
            with self._locks_guard:
                line.extendleft(reversed(later))
                if not line:
                    del self._lines[course]
                    return
                run = [line.popleft() for _ in range(min(self.batch, len(line)))]

    def _grade_run(self, ids: list[int]) -> list[int]:
        """Grade submissions of one course in one run of grading/'s pool; returns those left for a later run
        (another assignment, or a second one of the same student: one folder per student and assignment)."""
        from grading import autograde, store_submission

        jobs, later, course, assignment = self._claim_run(ids)
        recorded: set[str] = set()
        pending: list[tuple[int, str, dict]] = []  # results graded but not yet written, written together
        written = [time.monotonic()]

        def flush() -> None:
            if pending:
                batch = pending[:]
                pending.clear()
                self._record_many(batch)
            written[0] = time.monotonic()

        def done(result: Any) -> None:
            if result.student in jobs and result.student not in recorded:
                recorded.add(result.student)
                parts, whole = jobs[result.student][0], result.to_json()
                for i, (sid, filename) in enumerate(parts):
                    pending.append((sid, result.status, notebook_share(whole, filename, first=i == 0)))
                if time.monotonic() - written[0] >= self.write_every:
                    flush()

        if course is not None:
            self._seal(Path(course))

        def grade(students: list[str]) -> None:
            for student in students:
                _parts, files, received_at = jobs[student]
                store_submission(course, assignment, student, files, timestamp=received_at)
            # results taken from grading/'s ledger come back without a progress call: all of them
            limits, settings = self._course_settings(course)
            try:
                for result in autograde(course, assignment, students, workers=min(self.processes, len(students)),
                                        sandbox=self.sandbox, progress=done, limits=limits, settings=settings):
                    done(result)
            finally:  # what was graded before a failure is kept
                flush()

        with ExitStack() as held:  # their folders' locks, which others take to read them (course_exchange.queue_lock)
            for student in jobs:
                held.enter_context(self._lock((str(course), assignment, student)))
            try:
                if jobs:
                    grade(list(jobs))
            except Exception as exc:
                self.log.exception("grading run of %s %s failed", course, assignment)
                left = [student for student in jobs if student not in recorded]
                if len(jobs) == 1:
                    left, failed = [], {student: exc for student in left}
                else:  # the run failed as a whole: one by one, so only a hand-in that fails alone is an error
                    failed = {}
                for student in left:
                    try:
                        grade([student])
                    except Exception as alone:
                        self.log.exception("grading %s %s of %s alone failed", course, assignment, student)
                        failed[student] = alone
                self._record_many([(sid, SubmissionStatus.error, {"message": f"评分出错 / grading failed: {why!r}"[:500]})
                                   for student, why in failed.items() if student not in recorded
                                   for sid, _filename in jobs[student][0]])
        return later

    def _course_settings(self, course: Any) -> tuple[Any, Any]:
        """The course's grading limits and settings from its nbgrader_config.py, read again only when the file
        changes (not once per run). Fresh copies each time: autograde may change the limits it is given."""
        from grading.config import GradingSettings, SandboxLimits, load_course_config

        config = Path(course) / "nbgrader_config.py"
        key = (str(course), config.stat().st_mtime_ns if config.exists() else 0)
        with self._locks_guard:
            cfg = self._configs.get(key)
        if cfg is None:
            cfg = load_course_config(Path(course))
            with self._locks_guard:
                self._configs[key] = cfg
        return SandboxLimits(config=cfg), GradingSettings(config=cfg)

    def _claim_run(self, ids: list[int]) -> tuple[dict[str, tuple[list[tuple[int, str]], dict[str, bytes], Any]],
                                                   list[int], Any, Any]:
        """Mark the run's submissions "grading" in one transaction: per student her hand-in's (submission id,
        notebook file) pairs, files and moment received; the ids left for a later run; the course and assignment."""
        jobs: dict[str, tuple[list[tuple[int, str]], dict[str, bytes], Any]] = {}
        later: list[int] = []
        claimed: set[int] = set()
        course = assignment = None
        with session_scope(self.db_url, durable=False) as s:  # lost to a power cut, it is graded again
            subs = {sub.id: sub for sub in s.scalars(select(Submission).where(Submission.id.in_(ids)))}
            names = dict(s.execute(select(Member.id, Member.username).where(
                Member.id.in_({sub.member_id for sub in subs.values()}))).all())
            for sid in ids:
                sub = subs.get(sid)
                if sub is None or sub.status not in WAITING or sid in claimed:  # graded meanwhile (queued twice)
                    continue
                where, task = course_dir_for(self.data_dir, sub, s)
                student = names[sub.member_id]
                if (assignment is not None and task != assignment) or student in jobs:
                    later.append(sid)
                    continue
                course, assignment = where, task
                handin = [sub, *hand_in_siblings(s, sub)]
                for one in handin:
                    one.status = SubmissionStatus.grading
                    one.attempts += 1
                    claimed.add(one.id)
                jobs[student] = ([(one.id, one.filename) for one in handin], {one.filename: one.notebook for one in handin},
                                 aware(sub.received_at))
        return jobs, later, course, assignment

    def grade_now(self, ids: list[int]) -> list[int]:
        """Grade these waiting submissions of one course in this thread, as one run of the queue's own (no loop
        needed while none fails); returns those left for a later run. ``jinguo demo`` grades this way."""
        return self._grade_run(ids)

    def _retry_later(self, submission_id: int, delay: float) -> None:
        """A submission the platform failed to grade, graded again after ``delay`` (hub/demo/grading.py, which
        grades through this queue without a loop, stops instead)."""
        self._loop.add_callback(self.enqueue, submission_id, delay)

    def _record(self, submission_id: int, status: str, payload: dict) -> None:
        self._record_many([(submission_id, status, payload)])

    def _record_many(self, results: list[tuple[int, str, dict]]) -> None:
        """Write results (submission id, status, payload) in one transaction: a rush's run writes its results
        together, not a transaction (and a disk sync) per submission."""
        if not results:
            return
        ids = [sid for sid, _status, _payload in results]
        with session_scope(self.db_url, durable=False) as s:  # lost to a power cut, it is graded again
            subs = {sub.id: sub for sub in s.scalars(select(Submission).where(Submission.id.in_(ids)))}
            grades = {g.submission_id: g for g in s.scalars(select(Grade).where(Grade.submission_id.in_(ids)))}
            for sid, status, payload in results:
                self._write(s, subs[sid], grades.get(sid), status, payload)

    def _write(self, s: Any, sub: Submission, grade: Grade | None, status: str, payload: dict) -> None:
        sub.message = payload.get("message", "")
        if status == SubmissionStatus.error:
            if sub.attempts < self.retry_limit:
                sub.status = SubmissionStatus.retrying
                self._retry_later(sub.id, retry_delay(sub.attempts, self.retry_delay, math.inf))
            else:
                sub.status = SubmissionStatus.failed
            return
        if grade is None:
            grade = Grade(submission_id=sub.id)
        elif grade.score != float(payload["score"]):  # a rescore changed it
            audit(s, "grader", "grade.rescored", "submission", sub.id, before={"score": grade.score},
                  after={"score": float(payload["score"])})
        write_grade(grade, payload)
        s.add(grade)
        sub.status = status
        sub.graded_at = grade.graded_at
        s.flush()
        for callback in self.on_graded:
            callback(s, sub, grade)
