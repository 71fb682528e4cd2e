"""Quiz answers stored in the notebook are graded by hidden tests when the notebook runs headless.

Two roads: a plain nbclient run (what `jupyter execute` does) and the real grading engine
(nbgrader's Autograde with the kernel in the bubblewrap sandbox), with answers written by
widgets.testing.record_answers exactly where JupyterLab saves them.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from widgets.testing import read_answers, record_answers

QUIZ_CELL = '''from widgets import Quiz
q1 = Quiz("rights/q1", "女职工生育享受多少天产假？", ["90 天", "98 天", "128 天"])
q2 = Quiz("rights/q2", "哺乳期内单位应当怎么做？", ["每天 1 小时哺乳时间", "安排夜班", "不延长劳动时间"], multiple=True)
display(q1, q2)'''
HIDDEN = '''assert q1.value is not None, "还没有回答第 1 题"
### BEGIN HIDDEN TESTS
assert q1.value == "B"
### END HIDDEN TESTS'''
HIDDEN2 = '''### BEGIN HIDDEN TESTS
assert q2.value == ("A", "C")
### END HIDDEN TESTS'''
ANSWERS = {"rights/q1": "B", "rights/q2": ("A", "C")}


def _meta(grade_id: str, *, grade: bool, points: float = 0) -> dict:
    m = {"grade": grade, "solution": False, "locked": True, "grade_id": grade_id, "schema_version": 3, "task": False}
    if grade:
        m["points"] = points
    return {"nbgrader": m}


def quiz_notebook() -> nbformat.NotebookNode:
    nb = new_notebook(metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}})
    nb.cells = [new_markdown_cell("# 普法小测验", metadata=_meta("intro", grade=False)),
                new_code_cell(QUIZ_CELL, metadata=_meta("quiz", grade=False)),
                new_code_cell(HIDDEN, metadata=_meta("test_q1", grade=True, points=1)),
                new_code_cell(HIDDEN2, metadata=_meta("test_q2", grade=True, points=1))]
    return nb


def run(nb: nbformat.NotebookNode, folder: Path) -> nbformat.NotebookNode:
    """Execute headless in ``folder`` (the notebook's own folder, as graders do), no platform reachable."""
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, folder / "lesson.ipynb")
    nb = nbformat.read(folder / "lesson.ipynb", as_version=4)
    NotebookClient(nb, timeout=60, kernel_name="python3", resources={"metadata": {"path": str(folder)}}).execute()
    return nb


def test_hidden_test_reads_the_answers_saved_in_the_notebook(offline, tmp_path):
    nb = quiz_notebook()
    for cell in nb.cells[2:]:  # the student's copy runs the full hidden tests here
        cell.source = cell.source.replace("### BEGIN HIDDEN TESTS\n", "").replace("\n### END HIDDEN TESTS", "")
    done = run(nbformat.from_dict(record_answers(nb, ANSWERS)), tmp_path / "answered")
    # Executing keeps the answers in the notebook (nbclient rewrites the widget state it saw).
    assert read_answers(done) == {"rights/q1": "B", "rights/q2": ("A", "C")}
    with pytest.raises(CellExecutionError, match="还没有回答第 1 题"):
        run(nb, tmp_path / "blank")
    wrong = record_answers(nb, {"rights/q1": "A", "rights/q2": ("A",)})
    with pytest.raises(CellExecutionError, match="AssertionError"):
        run(nbformat.from_dict(wrong), tmp_path / "wrong")


@pytest.mark.slow
@pytest.mark.skipif(os.geteuid() != 0, reason="the grading sandbox switches to an unprivileged uid: run as root")
def test_the_grading_engine_scores_saved_answers(tmp_path):
    # Only the sandboxed engine: its --no-sandbox mode must not be used in tests (see the report).
    from grading import autograde

    course = tmp_path / "course"
    (course / "source" / "quiz").mkdir(parents=True)
    (course / "nbgrader_config.py").write_text("c = get_config()\nc.CourseDirectory.course_id = 'rights'\n")
    nbformat.write(quiz_notebook(), course / "source" / "quiz" / "lesson.ipynb")
    bin_dir = Path(sys.executable).parent
    env = dict(os.environ, PATH=f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    subprocess.run([str(bin_dir / "nbgrader"), "generate_assignment", "quiz", "--create", "--force"],
                   cwd=course, env=env, check=True, capture_output=True)
    release = nbformat.read(course / "release" / "quiz" / "lesson.ipynb", as_version=4)
    assert "HIDDEN" not in nbformat.writes(release) and '"B"' not in release.cells[2].source
    for student, answers in {"right": ANSWERS, "half": {"rights/q1": "B", "rights/q2": ("C",)},
                             "blank": {}}.items():
        folder = course / "submitted" / student / "quiz"
        folder.mkdir(parents=True)
        nbformat.write(nbformat.from_dict(record_answers(release, answers)), folder / "lesson.ipynb")
        (folder / "timestamp.txt").write_text("2026-11-24 10:00:00.000000 UTC")
    results = {r.student: r for r in autograde(course, "quiz", workers=2)}
    assert {s: (r.status, r.score, r.max_score) for s, r in results.items()} == {
        "right": ("graded", 2.0, 2.0), "half": ("graded", 1.0, 2.0), "blank": ("graded", 0.0, 2.0)}
