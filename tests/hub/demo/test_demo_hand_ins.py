"""The demo's hand-ins are what a learner would send: the student version with her answers written in (no solution
markers, no hidden tests), and the "partly wrong" ones lose exactly the points of the answer left undone — graded by
the real sandboxed engine."""
from __future__ import annotations

import json

import nbformat
from grading import autograde, store_submission
from hub.courses import publish as courses_admin
from hub.demo.activity import hand_in, task_release
from hub.demo.tasks import KINDS, ORDERS, DemoTask, shipped_task


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



def graded(task: DemoTask, data_dir, kinds=KINDS) -> dict[str, float]:
    """Each kind of hand-in of ``task``, graded in the sandbox in a competition folder as the demo lays it out:
    kind -> score."""
    release = nbformat.read(task_release(data_dir, "demo-test", task), 4)
    root = data_dir / "competitions" / "demo-test"
    for kind in kinds:
        data = json.dumps(task.variants[kind](release), ensure_ascii=False).encode()
        store_submission(root, task.assignment, kind, {task.notebook: data})
    return {r.student: r.score for r in autograde(root, task.assignment, list(kinds), workers=1)}


def test_each_kind_of_competition_hand_in_earns_what_it_should(tmp_path):
    scores = graded(ORDERS, tmp_path / "orders")
    assert scores == {"full": 4, "close": 3, "partial": 1, "wrong": 0}


def test_a_task_notebook_as_shipped_plugs_in(tmp_path):
    """A source notebook on disk (as competitions/examples/tasks/ ships them) makes a task whose hand-ins are its
    own solutions: all of them earn full marks, none earns nothing."""
    path = tmp_path / "shipped" / "orders" / "orders.ipynb"
    path.parent.mkdir(parents=True)
    nbformat.write(ORDERS.source, path)
    task = shipped_task(path, "网店订单合计", 4)
    assert (task.assignment, task.notebook) == ("orders", "orders.ipynb")
    scores = graded(task, tmp_path / "data", kinds=("full", "wrong"))
    assert scores == {"full": 4, "wrong": 0}
