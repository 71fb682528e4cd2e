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


def test_a_message_is_kept_unless_it_holds_a_fragment_of_the_hidden_code():
    from grading.hidden import GENERIC, fragments, hidden_code, safe_message

    average = 'assert 平均([1, 2]) == 1.5, "1 和 2 的平均应为 1.5"\n### END'
    hidden = fragments(hidden_code(PRINTS + "\n" + KIND_MESSAGE.replace("### END", average)))
    keep = ["unsupported operand type(s) for +: 'int' and 'NoneType'", "没有忽略空值 / None is not skipped",
            "name 'values' is not defined", "division by zero",
            "1 和 2 的平均应为 1.5"]  # the author's own message may carry the expected value
    for text in keep:
        assert safe_message(text, hidden) == text
    leak = ["合计([7, None, 7731]) should be 7738", "expected 7738", "期望值 SECRET-PRINTED-7731",
            "assert 平均([1,2])==1.5", "got 2, want 1.5"]
    for text in leak:
        assert safe_message(text, hidden) == GENERIC, text


def test_verdict_only_keeps_verdicts_points_and_her_own_outputs():
    import nbformat
    from nbformat.v4 import new_notebook, new_output

    from grading.feedback import VerdictOnly

    def test_cell(source, outputs, score, points):
        cell = new_code_cell(source, metadata=_meta("t", grade=True, solution=False, locked=True, points=points))
        cell.metadata.nbgrader["score"] = score
        cell.outputs = outputs
        return cell

    nb = new_notebook()
    answer = new_code_cell("print(1)", metadata=_meta("a", grade=False, solution=True, locked=False))
    answer.outputs = [new_output("stream", name="stdout", text="她自己的输出 her own output\n"),
                      new_output("stream", name="stdout", text='print("期望值 SECRET-PRINTED-7731:", 合计([7, None, 7731]))')]
    nb.cells = [answer,
                test_cell(PRINTS, [new_output("stream", name="stdout", text="SECRET-PRINTED-7731")], 1, 1),
                test_cell("### BEGIN HIDDEN TESTS\nscore = 0.5 * 2\nscore\n### END HIDDEN TESTS",
                          [new_output("execute_result", data={"text/plain": "1.0"}, execution_count=3)], 1, 2),
                test_cell(ECHOES, [new_output("error", ename="AssertionError", evalue="合计([0.5, 0.25, 4410]) SECRET",
                                              traceback=["assert 合计([0.5, 0.25, 4410]) == 4410.75"])], 0, 1)]
    out, _ = VerdictOnly().preprocess(nbformat.from_dict(nb), {})
    texts = [[o.get("text", "") for o in c.outputs] for c in out.cells]
    assert texts[0][0] == "她自己的输出 her own output\n" and "SECRET" not in texts[0][1]
    assert texts[1] == ["✔ 通过 / passed\n"]
    assert texts[2] == ["◐ 部分得分 / partly passed（1 / 2）\n"]
    assert texts[3] == ["✘ 未通过 / failed\n"]
