"""Her feedback never shows a hidden test: hostile test cells that print, echo or trace their own lines, graded
for real and rendered with the learner's feedback; and the feedback is in Chinese, in Beijing time."""
from __future__ import annotations

import html
import json
import os

import pytest
from nbformat.v4 import new_code_cell

from grading import autograde, feedback_html, gradebook_result
from tests.grading.corpus import KINDS, _meta, make_course, source_notebook

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="the sandbox switches to an unprivileged uid: run as root")

# Hidden tests written as a careless or a hostile author might: each would show its own lines to a failing
# learner through nbgrader's feedback or the platform's per-cell error.
PRINTS = '''assert 合计([]) == 0
### BEGIN HIDDEN TESTS
print("期望值 SECRET-PRINTED-7731:", 合计([7, None, 7731]))
assert 合计([7, None, 7731]) == 7738
### END HIDDEN TESTS'''
TRACES = '''### BEGIN HIDDEN TESTS
def check_secret_helper_5519():
    values = [5519, None, 1]
    assert 合计(values) == 5520
check_secret_helper_5519()
### END HIDDEN TESTS'''
ECHOES = '''### BEGIN HIDDEN TESTS
assert 合计([0.5, 0.25, 4410]) == 4410.75, "合计([0.5, 0.25, 4410]) == 4410.75 SECRET-ECHOED"
### END HIDDEN TESTS'''
KIND_MESSAGE = '''### BEGIN HIDDEN TESTS
assert 合计([2, None]) == 2, "没有忽略空值 / None is not skipped"
### END HIDDEN TESTS'''
HOSTILE_TESTS = {"t_prints": PRINTS, "t_traces": TRACES, "t_echoes": ECHOES, "t_kind": KIND_MESSAGE}


def _source():
    nb = source_notebook()
    for gid, src in HOSTILE_TESTS.items():
        nb.cells.append(new_code_cell(src, metadata=_meta(gid, grade=True, solution=False, locked=True, points=1)))
    return nb


def _hidden_lines() -> list[str]:
    lines = [line.strip() for src in HOSTILE_TESTS.values() for line in src.splitlines() if "HIDDEN TESTS" not in line]
    return [line for line in lines if len(line) > 8 and line != "assert 合计([]) == 0"]  # that one is visible


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = tmp_path_factory.mktemp("fb")
    course = make_course(root / "c", {"wrong": KINDS["wrong"], "full": KINDS["full"]}, source=_source())
    # Context mode: IPython's tracebacks quote the source lines around each frame
    with open(course / "nbgrader_config.py", "a") as fh:
        fh.write("c.SandboxLimits.traceback_mode = 'Context'\n")
    results = {r.student: r for r in autograde(course, "ps1", workers=1)}
    return course, results


def test_feedback_and_results_never_hold_a_hidden_test_line(graded):
    """On the code before this fix the feedback carried the printed SECRET-PRINTED line and the per-cell error
    the echoed code; whatever a test cell printed, only its verdict and a safe message remain."""
    course, results = graded
    wrong = results["wrong"]
    assert wrong.status == "graded" and wrong.score == 0.0
    page = feedback_html(course, "ps1", "wrong")["problem"]
    answers = [json.dumps(wrong.to_json(), ensure_ascii=False),
               json.dumps(gradebook_result(course, "ps1", "wrong").to_json(), ensure_ascii=False)]
    for text in (page, html.unescape(page), *answers):
        assert "SECRET" not in text and "secret" not in text
        for line in _hidden_lines():
            assert line not in text, line
    cells = {c.cell: c for c in wrong.notebooks[0].cells}
    assert cells["t_kind"].error == "AssertionError: 没有忽略空值 / None is not skipped"  # her message is shown
    assert cells["t_echoes"].error == "AssertionError: 未通过 / failed"  # a message quoting the test is not
    assert not cells["t_prints"].passed and not cells["t_traces"].passed
    assert "没有忽略空值 / None is not skipped" in html.unescape(page)
    assert html.unescape(page).count("✘ 未通过 / failed") >= 5  # every failed test shows its verdict


def test_feedback_is_in_chinese_with_the_hand_in_time_in_beijing_time(graded):
    course, _ = graded
    page = html.unescape(feedback_html(course, "ps1", "full")["problem"])
    for words in ("总分", "测试单元", "你的答案", "得分", "✔ 通过 / passed"):
        assert words in page, words
    assert "Student's answer" not in page and "Grade cell:" not in page
    # handed in 2026-11-24 10:00 UTC (corpus timestamp.txt): 18:00 in Beijing
    assert "2026-11-24 18:00" in page and "北京时间" in page
    assert 'lang="zh-CN"' in page
