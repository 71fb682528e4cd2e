"""A small nbgrader course built by code: one source assignment and submissions of many kinds,
honest and hostile, to grade with real ``nbgrader autograde`` and with ``jinguo grade`` side by side.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

BIN = Path(sys.executable).parent


def _meta(grade_id: str, *, grade: bool, solution: bool, locked: bool, points: float = 0, task=False) -> dict:
    m = {"grade": grade, "solution": solution, "locked": locked, "grade_id": grade_id, "schema_version": 3,
         "task": task}
    if grade:
        m["points"] = points
    return {"nbgrader": m}


SOLUTION = '''def 合计(values):
    """返回列表中数字的和（忽略空值 None）"""
    ### BEGIN SOLUTION
    return sum(v for v in values if v is not None)
    ### END SOLUTION'''

TEST_VISIBLE = '''assert 合计([1, 2, 3]) == 6'''
TEST_HIDDEN = '''assert 合计([]) == 0
### BEGIN HIDDEN TESTS
assert 合计([1, None, 2]) == 3
assert 合计([0.5, 0.25]) == 0.75
### END HIDDEN TESTS'''


def source_notebook() -> nbformat.NotebookNode:
    nb = new_notebook(metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}})
    nb.cells = [
        new_markdown_cell("# 求和练习\n请完成函数 `合计`。", metadata=_meta("intro", grade=False, solution=False, locked=True)),
        new_code_cell(SOLUTION, metadata=_meta("answer", grade=False, solution=True, locked=False)),
        new_code_cell(TEST_VISIBLE, metadata=_meta("test_visible", grade=True, solution=False, locked=True, points=1)),
        new_code_cell(TEST_HIDDEN, metadata=_meta("test_hidden", grade=True, solution=False, locked=True, points=2)),
        new_markdown_cell("请用一句话说明：为什么要忽略空值？\n\n### BEGIN SOLUTION\n空值表示没有数据。\n### END SOLUTION",
                          metadata=_meta("explain", grade=True, solution=True, locked=False, points=1)),
    ]
    return nb


# Answer-cell bodies of each kind of submission. Hostile ones try to read what they must not,
# reach the network, fake a pass or take the grader down.
KINDS: dict[str, str] = {
    "full": "def 合计(values):\n    return sum(v for v in values if v is not None)",
    "partial": "def 合计(values):\n    return sum(values)",  # fails on None: visible passes, hidden fails
    "wrong": "def 合计(values):\n    return 42",
    "raising": "def 合计(values):\n    raise ValueError('还没想好')",
    "missing": "# YOUR CODE HERE\nraise NotImplementedError()",
    "fake_output": "print('All tests passed! 3/3')\nclass Yes:\n    def __eq__(self, other):\n        return True\n"
                   "def 合计(values):\n    return Yes()",
    "sys_exit": "import sys\nsys.exit(0)",
    "read_source": "import os\n_found = [p for p in ('{course}/gradebook.db', '{course}/source', '{course}/submitted') if os.path.exists(p)]\n"
                   "def 合计(values):\n    assert not _found, _found\n    return sum(v for v in values if v is not None)",
    "network": "import socket\ntry:\n    socket.create_connection(('127.0.0.1', 5432), 2)\n    _net = True\nexcept OSError:\n    _net = False\n"
               "def 合计(values):\n    assert not _net, 'network reachable'\n    return sum(v for v in values if v is not None)",
    "kill_parent": "import os, signal\ntry:\n    os.kill(os.getppid(), signal.SIGKILL)\nexcept Exception:\n    pass\n"
                   "def 合计(values):\n    return sum(v for v in values if v is not None)",
}

# Submissions that try to fake a pass; each must earn nothing for its wrong answer.
HOSTILE: dict[str, str] = {
    # IPython internals patched so that test cells run as a no-op and tracebacks vanish
    "patch_ipython": "ip = get_ipython()\n_orig = ip.run_cell\n"
                     "def _rc(raw_cell, *a, **k):\n    return _orig('None', *a, **k)\n"
                     "ip.run_cell = _rc\nip.showtraceback = lambda *a, **k: None\n"
                     "def 合计(values):\n    return 42",
    # a forged verdict published in place of the test
    "fake_verdict": "from IPython.display import publish_display_data\nip = get_ipython()\n_orig = ip.run_cell\n"
                    "def _rc(raw_cell, *a, **k):\n"
                    "    for i in range(10):\n"
                    "        publish_display_data({'application/x-jinguo-verdict+json': {'cell': i, 'value': '', 'mac': '0' * 64}})\n"
                    "    return _orig('None', *a, **k)\nip.run_cell = _rc\ndef 合计(values):\n    return 42",
    # the test helper and builtins patched; then `assert` would pass on anything
    "patch_helpers": "import builtins, math\nmath.isclose = lambda *a, **k: True\nbuiltins.sum = lambda *a, **k: 6\n"
                     "import sys\nsys.modules['math'] = type(sys)('math')\ndef 合计(values):\n    return 42",
    # hunting the verdict key: gc, frames, tracing, ctypes
    "steal_key": "import gc, sys\n_log = []\n"
                 "for f in (lambda: gc.get_objects(), lambda: sys.settrace(lambda *a: None), lambda: __import__('ctypes').CDLL(None),\n"
                 "          lambda: open('/proc/self/mem', 'rb')):\n    try:\n        f()\n        _log.append('open')\n"
                 "    except Exception:\n        pass\n"
                 "def 合计(values):\n    fr = sys._getframe(1)\n    while fr:\n        for v in list(fr.f_locals.values()):\n"
                 "            if hasattr(v, 'send') and hasattr(v, 'gi_running'):\n"
                 "                print(v.send(('done', None)))\n        fr = fr.f_back\n    return 42",
    "os_exit": "import os\nos._exit(0)",
    "eq_always": "class Yes(int):\n    def __eq__(self, other):\n        return True\n    __hash__ = int.__hash__\n"
                 "def 合计(values):\n    return Yes(42)",
}


# Two more assignments of different weight (used by the side-by-side tests and bench/grading.py).
KERNEL = {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}}


def assignment(answer: str, tests: list[tuple[str, int]]) -> object:
    nb = new_notebook(metadata=KERNEL)
    nb.cells = [new_code_cell(answer, metadata=_meta("answer", grade=False, solution=True, locked=False))]
    for i, (src, pts) in enumerate(tests):
        nb.cells.append(new_code_cell(src, metadata=_meta(f"t{i}", grade=True, solution=False, locked=True, points=pts)))
    return nb


DATA = assignment(
    "import csv, io, statistics\nROWS = 'name,hours,income\\n王,8,200\\n李,10,260\\n张,6,150\\n'\n"
    "def hourly(text):\n    ### BEGIN SOLUTION\n    rows = list(csv.DictReader(io.StringIO(text)))\n"
    "    return {r['name']: round(int(r['income']) / int(r['hours']), 2) for r in rows}\n    ### END SOLUTION",
    [("assert hourly(ROWS)['王'] == 25.0", 1),
     ("### BEGIN HIDDEN TESTS\nassert hourly(ROWS) == {'王': 25.0, '李': 26.0, '张': 25.0}\n### END HIDDEN TESTS", 2)])
DATA_KINDS = {
    "full": "import csv, io\nROWS = 'name,hours,income\\n王,8,200\\n李,10,260\\n张,6,150\\n'\n"
            "def hourly(text):\n    rows = list(csv.DictReader(io.StringIO(text)))\n"
            "    return {r['name']: round(int(r['income']) / int(r['hours']), 2) for r in rows}",
    "partial": "ROWS = 'x'\ndef hourly(text):\n    return {'王': 25.0}",
    "wrong": "ROWS = 'x'\ndef hourly(text):\n    return {}",
    "raising": "ROWS = 'x'\ndef hourly(text):\n    raise KeyError('income')",
    "missing": "# YOUR CODE HERE\nraise NotImplementedError()",
}
PLOT = assignment(
    "import matplotlib\nmatplotlib.use('Agg')\nimport matplotlib.pyplot as plt\n"
    "def chart(values):\n    ### BEGIN SOLUTION\n    fig, ax = plt.subplots()\n    ax.bar(range(len(values)), values)\n"
    "    ax.set_title('income')\n    return fig\n    ### END SOLUTION",
    [("fig = chart([3, 1, 2])\nassert len(fig.axes[0].patches) == 3", 1),
     ("### BEGIN HIDDEN TESTS\nassert fig.axes[0].get_title() == 'income'\n### END HIDDEN TESTS", 1)])
PLOT_KINDS = {
    "full": "import matplotlib\nmatplotlib.use('Agg')\nimport matplotlib.pyplot as plt\ndef chart(values):\n"
            "    fig, ax = plt.subplots()\n    ax.bar(range(len(values)), values)\n    ax.set_title('income')\n    return fig",
    "partial": "import matplotlib\nmatplotlib.use('Agg')\nimport matplotlib.pyplot as plt\ndef chart(values):\n"
               "    fig, ax = plt.subplots()\n    ax.bar(range(len(values)), values)\n    return fig",
    "wrong": "import matplotlib.pyplot as plt\ndef chart(values):\n    return plt.figure()",
    "missing": "# YOUR CODE HERE\nraise NotImplementedError()",
}


def make_course(root: Path, kinds: dict[str, str] | None = None, assignment: str = "ps1",
                source: nbformat.NotebookNode | None = None) -> Path:
    """A course folder with ``assignment`` generated by nbgrader and one submission per kind."""
    kinds = kinds or KINDS
    root.mkdir(parents=True, exist_ok=True)
    if not (root / "nbgrader_config.py").exists():
        (root / "nbgrader_config.py").write_text("c = get_config()\nc.CourseDirectory.course_id = 'demo'\n")
    src = root / "source" / assignment
    src.mkdir(parents=True, exist_ok=True)
    nbformat.write(source or source_notebook(), src / "problem.ipynb")
    env = dict(os.environ, PATH=f"{BIN}{os.pathsep}{os.environ['PATH']}")
    subprocess.run([str(BIN / "nbgrader"), "generate_assignment", assignment, "--force", "--create"],
                   cwd=root, env=env, check=True, capture_output=True)
    release = nbformat.read(root / "release" / assignment / "problem.ipynb", as_version=4)
    for kind, body in kinds.items():
        nb = nbformat.from_dict(release)
        for cell in nb.cells:
            if cell.metadata.get("nbgrader", {}).get("grade_id") == "answer":
                cell.source = body.replace("{course}", str(root.resolve()))
            if cell.metadata.get("nbgrader", {}).get("grade_id") == "explain" and kind == "full":  # noqa: SIM102
                cell.source = "空值表示没有数据，不能算作 0。"
        out = root / "submitted" / kind / assignment
        out.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, out / "problem.ipynb")
        (out / "timestamp.txt").write_text("2026-11-24 10:00:00.000000 UTC")
    return root


def copy_course(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst)
    return dst


def nbgrader_autograde(root: Path, assignment: str = "ps1") -> subprocess.CompletedProcess:
    env = dict(os.environ, PATH=f"{BIN}{os.pathsep}{os.environ['PATH']}")
    return subprocess.run([str(BIN / "nbgrader"), "autograde", assignment, "--create", "--force"],
                          cwd=root, env=env, capture_output=True, text=True, timeout=600)


def scores(root: Path, assignment: str = "ps1") -> dict[str, tuple[float, float]]:
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gb:
        return {s.student.id: (s.score, s.max_score) for s in gb.assignment_submissions(assignment)}


def gradebook_rows(root: Path, assignment: str = "ps1") -> dict[tuple[str, str, str], tuple]:
    """Every grade and comment nbgrader keeps for the assignment, by (student, notebook, cell): what formgrader,
    ``nbgrader export`` and feedback read."""
    from nbgrader.api import Gradebook

    rows: dict[tuple[str, str, str], tuple] = {}
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gb:
        for sub in gb.assignment_submissions(assignment):
            for nb in sub.notebooks:
                for g in nb.grades:
                    rows[(sub.student.id, nb.name, f"grade:{g.name}")] = (
                        g.auto_score, g.manual_score, g.extra_credit, g.needs_manual_grade)
                for c in nb.comments:
                    rows[(sub.student.id, nb.name, f"comment:{c.name}")] = (c.auto_comment, c.manual_comment)
                rows[(sub.student.id, nb.name, "notebook")] = (nb.late_submission_penalty, nb.flagged)
            rows[(sub.student.id, "", "submission")] = (str(sub.timestamp), sub.total_seconds_late)
    return rows


# --- outside-compared hidden answers (grading/expected.py): tests in the forms whose EXPECTED never enters the
# sandbox, mixed with guarded ones and a partial-credit cell; honest kinds for side-by-side grading with nbgrader
OUTSIDE_ANSWER = '''import numpy as np

def 日均(values):
    """每天的平均单量"""
    ### BEGIN SOLUTION
    return sum(values) / len(values)
    ### END SOLUTION

def 汇总(orders):
    """每位骑手的总收入：{姓名: 金额}"""
    ### BEGIN SOLUTION
    total = {}
    for name, amount in orders:
        total[name] = total.get(name, 0) + amount
    return total
    ### END SOLUTION

def 加价(values):
    """每单加价 10%，numpy 数组"""
    ### BEGIN SOLUTION
    return np.array(values) * 1.1
    ### END SOLUTION'''

OUTSIDE_ORDERS = "[('王芳', 36000.5), ('李娜', 120.0), ('王芳', 37518.75)]"
OUTSIDE_TESTS = [
    ("assert 日均([3, 4, 5]) == 4.0", 1),
    ("### BEGIN HIDDEN TESTS\nimport math\nassert math.isclose(日均([0.1, 0.2]), 0.15)\n### END HIDDEN TESTS", 1),
    (f"### BEGIN HIDDEN TESTS\nexpected = {{'王芳': 73519.25, '李娜': 120.0}}\n"
     f"assert 汇总({OUTSIDE_ORDERS}) == expected, '汇总不对'\n### END HIDDEN TESTS", 2),
    ("### BEGIN HIDDEN TESTS\nnp.testing.assert_allclose(加价([10, 20]), [11.0, 22.0])\n"
     "assert abs(日均([1, 2]) - 1.5) < 1e-9\n### END HIDDEN TESTS", 1),
    # an outside assert and a guarded one in the same cell
    ("### BEGIN HIDDEN TESTS\nassert {'王芳', '李娜'} == set(汇总(" + OUTSIDE_ORDERS + "))\n"
     "assert 日均([2, 2]) in (2, 2.0)\n### END HIDDEN TESTS", 1),
    # partial credit (a guarded form): half a point per right case
    ("### BEGIN HIDDEN TESTS\nscore = 0\nfor values, want in [([1, 2, 3], 2.0), ([0.5, 0.25], 0.375)]:\n"
     "    if 日均(values) == want:\n        score += 0.5\nscore\n### END HIDDEN TESTS", 1),
    # numpy's == in an assert: ambiguous for everyone, as in Python
    ("### BEGIN HIDDEN TESTS\nassert 加价([1, 2]) == [1.1, 2.2]\n### END HIDDEN TESTS", 1),
]
OUTSIDE_FULL = ("import numpy as np\ndef 日均(values):\n    return sum(values) / len(values)\n"
        "def 汇总(orders):\n    total = {}\n    for name, amount in orders:\n        total[name] = total.get(name, 0) + amount\n"
        "    return total\ndef 加价(values):\n    return np.array(values) * 1.1")
OUTSIDE_KINDS = {
    "full": OUTSIDE_FULL,
    "int_mean": OUTSIDE_FULL.replace("return sum(values) / len(values)", "return sum(values) // len(values)"),
    "numpy_types": OUTSIDE_FULL.replace("return sum(values) / len(values)", "return np.mean(values)")
                       .replace("total.get(name, 0) + amount", "float(np.float64(total.get(name, 0)) + amount)"),
    "wrong": "import numpy as np\ndef 日均(values):\n    return 0\ndef 汇总(orders):\n    return {}\n"
             "def 加价(values):\n    return np.array(values)",
    "raising": "def 日均(values):\n    raise ValueError('还没写')\n汇总 = 加价 = 日均",
    "missing": "# YOUR CODE HERE\nraise NotImplementedError()",
    "partial": OUTSIDE_FULL.replace("return sum(values) / len(values)", "return sum(values) / len(values) if len(values) > 2 else 0.0"),
    "rounded": OUTSIDE_FULL.replace("total[name] = total.get(name, 0) + amount", "total[name] = round(total.get(name, 0) + amount)"),
}
OUTSIDE = assignment(OUTSIDE_ANSWER, OUTSIDE_TESTS)
