"""One hostile notebook that takes a whole grading run down does not take the others' hand-ins with it
(hub/submissions/queue.py): the run is graded again one hand-in at a time, so an honest competitor graded in the same
run gets her score, and only the hand-in that fails alone is left for the platform's retries.

Real parts: the platform database made by ``jinguo demo``, a competition opened by hub.competitions.admin, hand-ins
stored by hub.submissions.receive.receive, and grading/'s sandboxed pool run by the queue itself."""
from __future__ import annotations

import copy
import json
import os
from datetime import timedelta

import pytest
from sqlalchemy import select
from tornado.ioloop import IOLoop

from hub.competitions.admin import publish
from hub.store.db import session_scope
from hub.submissions.queue import GradingQueue
from hub.store.orm import Grade, Member, Submission
from hub.submissions.receive import receive
from tests.grading.corpus import KINDS
from tests.hub.submissions.factory import answer, people_and_task
from tests.journeys.competition import spec_text

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(os.geteuid() != 0, reason="grading switches to an unprivileged uid: run as root")]
SLUG = "run-isolation-2026"


def test_a_notebook_that_breaks_the_run_leaves_the_others_graded(tmp_path):
    data, db_url, course, release = people_and_task(tmp_path, SLUG)
    honest = answer(release, KINDS["full"])
    hostile = copy.deepcopy(honest)  # nbgrader metadata that is not even a mapping: today it raises in the run itself
    next(c for c in hostile["cells"] if c["metadata"].get("nbgrader", {}).get("grade_id") == "answer")[
        "metadata"]["nbgrader"] = "answer"
    with session_scope(db_url) as s:
        comp, _ = publish(s, spec_text(SLUG, "评分隔离测试赛", per_day=5, open_for=timedelta(days=1)),
                          "spec.yaml", "test")
        ids = {}
        for name, nb in (("worker01", honest), ("worker02", hostile)):
            member = s.scalar(select(Member).where(Member.username == name))
            ids[name] = receive(s, member, filename="problem.ipynb", data=json.dumps(nb).encode(), competition=comp,
                                task="task1").id

    queue = GradingQueue(db_url=db_url, data_dir=str(data), sandbox=True)
    queue._loop = IOLoop.current()  # retries are scheduled on it; this test never runs it
    assert queue._grade_run([ids["worker01"], ids["worker02"]]) == []  # one run: same task, two students

    with session_scope(db_url) as s:
        rows = {name: s.get(Submission, sid) for name, sid in ids.items()}
        honest_row, hostile_row = rows["worker01"], rows["worker02"]
        assert honest_row.status == "graded", (honest_row.status, honest_row.message)
        assert hostile_row.status != "graded", hostile_row.status
        grade = s.scalar(select(Grade).where(Grade.submission_id == honest_row.id))
        assert (grade.score, grade.max_score) == (3.0, 4.0)
