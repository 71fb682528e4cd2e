"""The example competition tasks shipped in competitions/examples/tasks: real nbgrader source notebooks whose
hidden tests are all written in the outside-compared form. Generated with nbgrader, graded side by side with
``nbgrader autograde`` (a right and a wrong answer each), and their expected answers never enter the sandbox.
"""
from __future__ import annotations

import ast
import os
import shutil
import subprocess
from pathlib import Path

import nbformat
import pytest
import yaml

from grading.expected import plan_cell
from tests.grading.corpus import BIN, copy_course, nbgrader_autograde, scores

TASKS = Path(__file__).resolve().parents[2] / "competitions" / "examples" / "tasks"
EXAMPLES = TASKS.parent
WRONG = {  # plausible mistakes: refunds counted, average of daily rates, the wrong peak...
    "practice-01": "import csv, io\ndef 读取(text):\n    return list(csv.DictReader(io.StringIO(text)))\n"
                   "def 总产量(rows):\n    return len(rows)\n"
                   "def 平均时产(rows):\n    return sum(float(r['产量']) / float(r['工时']) for r in rows) / max(len(rows), 1)",
    "shop-orders": "import csv, io\ndef 读取订单(text):\n    return [{**r, '数量': int(r['数量']), '单价': float(r['单价'])}"
                   " for r in csv.DictReader(io.StringIO(text))]\n"
                   "def 有效订单(rows):\n    return rows\n"
                   "def 销售额(rows):\n    return round(sum(r['数量'] * r['单价'] for r in rows), 2)\n"
                   "def 各商品销量(rows):\n    return {}\ndef 日销售额(rows):\n    return {}\ndef 退款率(rows):\n    return 0.0",
    "live-stream-data": "import csv, io\nimport numpy as np\ndef 读取直播(text):\n"
                        "    return [{'时段': r['时段'], '观看人数': int(r['观看人数']), '下单数': int(r['下单数']),"
                        " '成交额': float(r['成交额'])} for r in csv.DictReader(io.StringIO(text))]\n"
                        "def 转化率(rows):\n    return np.array([r['观看人数'] for r in rows]) / 100\n"
                        "def 峰值时段(rows):\n    return rows[0]['时段']\n"
                        "def 客单价(rows):\n    return 0.0\ndef 累计成交额(rows):\n    return np.array([r['成交额'] for r in rows])",
}


def _assignments_in(spec: str) -> list[str]:
    data = yaml.safe_load((EXAMPLES / spec).read_text())
    return [t["assignment"] for phase in data["phases"] for t in phase["tasks"]]


def test_the_example_competitions_ship_their_tasks():
    shipped = {p.name for p in TASKS.iterdir() if (p / f"{p.name}.ipynb").exists()}
    assert "practice-01" in _assignments_in("womens-digital-2026.yaml") and "practice-01" in shipped
    assert set(_assignments_in("gd-new-forms-2026.yaml")) <= shipped


def _numbers(value) -> list:
    if isinstance(value, dict):
        return [n for k, v in value.items() for n in _numbers(k) + _numbers(v)]
    if isinstance(value, (list, tuple, set)):
        return [n for v in value for n in _numbers(v)]
    return [value] if isinstance(value, (int, float, str)) and not isinstance(value, bool) else []


@pytest.mark.parametrize("task", sorted(WRONG))
def test_every_hidden_assert_is_compared_outside_and_its_answer_stays_out(task):
    nb = nbformat.read(TASKS / task / f"{task}.ipynb", as_version=4)
    tests = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade") and c.cell_type == "code"]
    assert sum(c.metadata.nbgrader.points for c in tests) == {"practice-01": 10, "shop-orders": 60,
                                                              "live-stream-data": 40}[task]  # as the YAML says
    for n, cell in enumerate(tests):
        plan = plan_cell(cell.source, [c.source for c in tests[n + 1:]])
        hidden = cell.source.split("### BEGIN HIDDEN TESTS")[1].split("### END HIDDEN TESTS")[0]
        statements = ast.parse(hidden).body
        checked = [s for s in statements if isinstance(s, ast.Assert) or (isinstance(s, ast.Expr) and "testing" in
                                                                          ast.unparse(s))]
        assert len(checked) >= 1 and len(plan.checks) >= len(checked), (task, cell.metadata.nbgrader.grade_id)
        for check in plan.checks:
            for value in _numbers(check.expected):
                text = repr(value) if not isinstance(value, str) else value
                if len(text) >= 4:
                    assert text not in plan.kernel_source, (task, text)


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    from grading import autograde

    root = tmp_path_factory.mktemp("tasks")
    ref = root / "ref"
    (ref / "source").mkdir(parents=True)
    (ref / "nbgrader_config.py").write_text("c = get_config()\nc.CourseDirectory.course_id = 'tasks'\n")
    env = dict(os.environ, PATH=f"{BIN}{os.pathsep}{os.environ['PATH']}")
    for task in WRONG:
        shutil.copytree(TASKS / task, ref / "source" / task)
        subprocess.run([str(BIN / "nbgrader"), "generate_assignment", task, "--force", "--create"], cwd=ref, env=env,
                       check=True, capture_output=True)
        source = nbformat.read(TASKS / task / f"{task}.ipynb", as_version=4)
        right = next(c.source for c in source.cells if c.metadata.nbgrader.get("grade_id") == "answer")
        right = "\n".join(l for l in right.splitlines() if "### BEGIN SOLUTION" not in l and "### END SOLUTION" not in l)
        for student, body in (("right", right), ("wrong", WRONG[task]), ("blank", None)):
            nb = nbformat.read(ref / "release" / task / f"{task}.ipynb", as_version=4)
            for cell in nb.cells:
                if cell.metadata.get("nbgrader", {}).get("grade_id") == "answer" and body is not None:
                    cell.source = body
            out = ref / "submitted" / student / task
            out.mkdir(parents=True)
            nbformat.write(nb, out / f"{task}.ipynb")
            (out / "timestamp.txt").write_text("2026-06-10 10:00:00.000000 UTC")
    ours = copy_course(ref, root / "ours")
    for task in WRONG:
        run = nbgrader_autograde(ref, task)
        assert run.returncode == 0, run.stderr[-2000:]
    results = {task: {r.student: r for r in autograde(ours, task, workers=2)} for task in WRONG}
    return ref, ours, results


@pytest.mark.skipif(os.geteuid() != 0, reason="the sandbox switches to an unprivileged uid: run as root")
@pytest.mark.parametrize("task", sorted(WRONG))
def test_right_and_wrong_answers_score_as_nbgrader_autograde(graded, task):
    ref, ours, results = graded
    expected = scores(ref, task)
    full = {"practice-01": 10.0, "shop-orders": 60.0, "live-stream-data": 40.0}[task]
    assert expected["right"] == (full, full)
    assert expected["blank"] == (0.0, full)
    assert expected["wrong"][0] < full / 2  # the visible tests may pass; the hidden answers do not
    assert scores(ours, task) == expected, [(c.cell, c.points, c.error) for r in results[task].values()
                                            for c in r.notebooks[0].cells]
    assert all(r.status == "graded" for r in results[task].values())
