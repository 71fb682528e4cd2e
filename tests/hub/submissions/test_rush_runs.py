"""A rush of hand-ins to one competition is graded as a rush (hub/submissions/queue.py, hub/competitions/boards.py):
the run goes to a pool of several grading workers (one per core by default), its results are written in one
transaction rather than one per submission, the board takes them in one loop callback, and still every hand-in is
graded exactly once and is on the public board.

Real parts: the platform database made by ``jinguo demo --people-only``, a competition published by
hub.competitions.admin, hand-ins stored by hub.submissions.receive.receive, grading/'s sandboxed pool run by the
queue itself, and a tornado IOLoop for the board."""
from __future__ import annotations

import asyncio
import json
import os
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import event, func, select
from tornado.ioloop import IOLoop

from grading import pool_cache
from hub.competitions.admin import publish
from hub.competitions.boards import BoardCache, spec_of
from hub.store.db import engine_for, session_scope
from hub.store.orm import Competition, Grade, Member, Submission
from hub.submissions.queue import GradingQueue
from hub.submissions.receive import receive
from tests.grading.corpus import KINDS
from tests.hub.submissions.factory import answer, people_and_task
from tests.journeys.competition import spec_text

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(os.geteuid() != 0, reason="grading switches to an unprivileged uid: run as root")]
SLUG = "rush-runs-2026"
WHO = {f"worker{i:02d}": kind for i, kind in zip(range(1, 7), ["full", "partial", "wrong"] * 2)}


class CountingBoards(BoardCache):
    """The service's BoardCache, counting the loop callbacks that move scores onto the boards."""

    callbacks = 0

    def _add_incoming(self) -> None:
        self.callbacks += 1
        super()._add_incoming()


@pytest.fixture
def rush(tmp_path):
    data, db_url, course, release = people_and_task(tmp_path, SLUG)
    with session_scope(db_url) as s:
        comp, _ = publish(s, spec_text(SLUG, "冲刺批量测试赛", per_day=5, open_for=timedelta(days=1)), "spec.yaml", "test")
        ids = []
        for name, kind in WHO.items():
            member = s.scalar(select(Member).where(Member.username == name))
            ids.append(receive(s, member, filename="problem.ipynb", data=json.dumps(answer(release, KINDS[kind])).encode(),
                               competition=comp, task="task1").id)
    yield db_url, data, course, ids
    pool_cache.close_pools()


def test_a_rush_is_graded_on_several_workers_written_together_and_all_on_the_board(rush):
    # On a loop of its own, in a thread of its own: a browser test earlier in this process leaves Playwright's loop
    # registered as running in the main thread, and running (then stopping) that loop here broke the next browser
    # test in the process as well ("Event loop stopped before Future completed").
    with ThreadPoolExecutor(1) as own:
        own.submit(_rush_on_its_own_loop, *rush).result()


def _rush_on_its_own_loop(db_url, data, course, ids):
    asyncio.set_event_loop(asyncio.new_event_loop())
    loop = IOLoop.current()
    boards = CountingBoards(loop)
    queue = GradingQueue(db_url=db_url, data_dir=str(data), sandbox=True, write_every=3600.0,
                         on_graded=[boards.on_graded])
    queue._loop = loop  # retries are scheduled on it
    assert queue.processes == (os.cpu_count() or 1)  # one grading worker per core unless configured
    with session_scope(db_url) as s:  # the public board, built before the rush as a competitor's first look builds it
        comp = s.scalar(select(Competition).where(Competition.slug == SLUG))
        spec = spec_of(comp)
        lb = boards.board(s, comp, spec, "prelim", "public", datetime.now(timezone.utc))
    assert lb.size() == 0

    commits = []

    def counted(_conn) -> None:
        commits.append(1)

    engines = [engine_for(db_url), engine_for(db_url, durable=False)]  # the queue's own writes go by the second
    for engine in engines:
        event.listen(engine, "commit", counted)
    try:
        assert queue._grade_run(ids) == []  # one run: same task, six students
    finally:
        for engine in engines:
            event.remove(engine, "commit", counted)
    # the run's claim, then every result in one transaction (write_every is longer than the run): not one each
    assert len(commits) == 2, len(commits)
    # the queue's writes skip the disk sync of each commit (a lost grade is graded again); a hand-in's never do
    for engine, level in zip(engines, (2, 1)):  # FULL, NORMAL
        with engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == level

    # the run had a pool of several workers (grading/ keeps pools by course and size)
    sizes = {key[3] for key in pool_cache._POOLS if key[0] == str(course.resolve())}
    assert sizes == {min(queue.processes, len(ids))}, sizes

    with session_scope(db_url) as s:
        subs = s.scalars(select(Submission).where(Submission.id.in_(ids))).all()
        assert [(sub.status, sub.attempts) for sub in subs] == [("graded", 1)] * len(ids)  # each graded once
        assert s.scalar(select(func.count(Grade.id)).where(Grade.submission_id.in_(ids))) == len(ids)
        assert all(g.public_score is not None for g in s.scalars(select(Grade).where(Grade.submission_id.in_(ids))))

    loop.run_sync(lambda: asyncio.sleep(0.1))  # the board's callbacks run on the loop
    assert boards.callbacks == 1  # all six moved onto the board by one callback
    assert lb.size() == len(WHO)
    with session_scope(db_url) as s:
        members = dict(s.execute(select(Member.username, Member.id).where(Member.username.in_(WHO))).all())
    assert all(lb.rank_of(members[name]) is not None for name in WHO)
    loop.close(all_fds=False)
