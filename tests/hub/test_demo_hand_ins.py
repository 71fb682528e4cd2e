"""The demo's hand-ins are what a learner would send: the student version with her answers written in (no solution
markers, no hidden tests), and the "partly wrong" ones lose exactly the points of the answer left undone — graded by
the real sandboxed engine."""
from __future__ import annotations

import json

from grading import autograde, store_submission
from hub import courses_admin
from hub.demo_activity import hand_in


def test_hand_ins_carry_her_answers_and_an_undone_answer_loses_its_points(tmp_path):
    info = courses_admin.catalogue_course("office-data")
    root = courses_admin._course_folder(tmp_path, info)  # as publishing lays it out (no database needed here)
    release = courses_admin.generate(tmp_path, "office-data", "sums")
    full = hand_in(root / "source" / "sums", release, undone=0)
    partly = hand_in(root / "source" / "sums", release, undone=1)
    assert list(full) == ["sums.ipynb"] == list(partly)
    for files in (full, partly):
        text = files["sums.ipynb"].decode()
        assert "BEGIN SOLUTION" not in text and "HIDDEN TESTS" not in text
        json.loads(text)  # a notebook, as the exchange stores it
    stub = "raise NotImplementedError()"  # nbgrader's stub in an answer cell (the intro text names it once)
    assert full["sums.ipynb"].decode().count(stub) == 1 and partly["sums.ipynb"].decode().count(stub) == 2

    store_submission(root, "sums", "full", full)
    store_submission(root, "sums", "partly", partly)
    scores = {r.student: (r.score, r.max_score) for r in autograde(root, "sums", ["full", "partly"], workers=1)}
    top = courses_admin.max_score(root / "source" / "sums")
    assert scores["full"] == (top, top)
    assert 0 < scores["partly"][0] < top
