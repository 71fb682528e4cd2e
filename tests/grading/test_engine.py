"""The grading engine against real nbgrader, real bubblewrap, and hostile submissions."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from grading import SandboxLimits, autograde
from tests.grading.corpus import KINDS, copy_course, make_course, nbgrader_autograde, scores

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="the sandbox switches to an unprivileged uid: run as root")

HONEST = ["full", "partial", "wrong", "raising", "missing", "sys_exit"]
JINGUO = str(Path(sys.executable).parent / "jinguo")


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """The same course graded by `nbgrader autograde` (a) and by the engine (b)."""
    base = make_course(tmp_path_factory.mktemp("corpus") / "course")
    a = copy_course(base, base.parent / "a")
    b = copy_course(base, base.parent / "b")
    honest_only = {k: v for k, v in KINDS.items() if k in HONEST}
    ref = make_course(base.parent / "ref", honest_only)
    nbgrader_autograde(ref)
    results = {r.student: r for r in autograde(b, "ps1", workers=2)}
    return {"ref": scores(ref), "ours": scores(b), "results": results, "a": a}


def test_honest_scores_equal_nbgrader(graded):
    ours = {k: v for k, v in graded["ours"].items() if k in HONEST}
    assert ours == graded["ref"]
    assert graded["ref"]["full"] == (3.0, 4.0)  # the manually graded answer waits for a person
    assert graded["ref"]["partial"] == (1.0, 4.0)


def test_every_submission_gets_a_status_and_cells(graded):
    res = graded["results"]
    assert set(res) == set(KINDS)
    assert all(r.status == "graded" for r in res.values())
    full = res["full"]
    assert {c.cell: c.passed for c in full.cells} == {"test_visible": True, "test_hidden": True}


def test_fake_equality_and_printed_passes_earn_nothing(graded):
    # nbgrader alone gives this submission 3 of 4 points; the engine gives none.
    assert graded["results"]["fake_output"].score == 0.0


def test_no_network_no_course_files_and_the_grader_survives(graded):
    res = graded["results"]
    assert res["network"].score == 3.0, "the submission reached the network"
    assert res["read_source"].score == 3.0, "the submission saw the gradebook or other submissions"
    assert res["kill_parent"].score == 3.0 and res["wrong"].status == "graded"


def test_nbgrader_alone_is_taken_down_by_a_submission_that_kills_its_parent(graded):
    run = nbgrader_autograde(graded["a"])
    assert run.returncode != 0 or len(scores(graded["a"])) < len(KINDS)


def test_endless_loop_and_fork_bomb_are_stopped_and_others_graded(tmp_path):
    kinds = {"loop": "def 合计(values):\n    while True:\n        pass",
             "forkbomb": "import os\nfor _ in range(10000):\n    try:\n        os.fork()\n    except OSError:\n        break\n"
                         "def 合计(values):\n    return sum(v for v in values if v is not None)",
             "full": KINDS["full"]}
    course = make_course(tmp_path / "c", kinds)
    res = {r.student: r for r in autograde(course, "ps1", workers=2,
                                          limits=SandboxLimits(cell_timeout=3, processes=200))}
    assert res["loop"].score == 0.0 and res["loop"].status == "timeout" and "超过 3 秒" in res["loop"].message
    assert res["forkbomb"].status in ("graded", "error", "timeout")
    assert res["full"].score == 3.0


def test_bad_notebooks_are_invalid_with_a_reason_and_the_rest_graded(tmp_path):
    course = make_course(tmp_path / "c", {"full": KINDS["full"], "json": "", "notnb": "", "gbk": "", "big": ""})
    sub = course / "submitted"
    (sub / "json" / "ps1" / "problem.ipynb").write_text("{ not json")
    (sub / "notnb" / "ps1" / "problem.ipynb").write_text('{"hello": "world"}')
    (sub / "gbk" / "ps1" / "problem.ipynb").write_bytes('{"cells": "你好"}'.encode("gbk"))
    with open(sub / "big" / "ps1" / "problem.ipynb", "wb") as fh:
        fh.truncate(101 * 1024 * 1024)
    out = tmp_path / "r.json"
    run = subprocess.run([JINGUO, "grade", "ps1", "--course-dir", str(course), "--json", str(out)],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    rows = {r["student"]: r for r in json.loads(out.read_text())}
    assert rows["full"]["status"] == "graded" and rows["full"]["score"] == 3.0
    assert {"student", "assignment", "score", "max_score", "status", "message"} <= set(rows["full"])
    expected = {"json": "不是有效的 JSON", "notnb": "不是有效的笔记本", "gbk": "不是 UTF-8", "big": "超过"}
    for student, words in expected.items():
        assert rows[student]["status"] == "invalid" and words in rows[student]["message"], rows[student]
        assert " / " in rows[student]["message"]  # Chinese and English


def test_missing_source_assignment_fails_the_run_clearly(tmp_path):
    course = make_course(tmp_path / "c", {"full": KINDS["full"]})
    run = subprocess.run([JINGUO, "grade", "nope", "--course-dir", str(course)], capture_output=True, text=True)
    assert run.returncode == 2 and "找不到源作业" in run.stderr and "not found" in run.stderr


def test_results_work_with_nbgrader_export_and_feedback(graded, tmp_path):
    course = make_course(tmp_path / "c", {"full": KINDS["full"], "partial": KINDS["partial"]})
    autograde(course, "ps1")
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}:{os.environ['PATH']}")
    bin_ = str(Path(sys.executable).parent / "nbgrader")
    exp = subprocess.run([bin_, "export"], cwd=course, env=env, capture_output=True, text=True)
    assert exp.returncode == 0, exp.stderr
    assert "partial" in (course / "grades.csv").read_text()
    fb = subprocess.run([bin_, "generate_feedback", "ps1"], cwd=course, env=env, capture_output=True, text=True)
    assert fb.returncode == 0, fb.stderr
    assert (course / "feedback" / "full" / "ps1" / "problem.html").exists()
