"""`nbgrader autograde` against `jinguo grade` on identical copies of one course, in the same run.

    .venv/bin/python bench/grading.py [--quick] [--per-kind N]

The course has three assignments of different weight: a tiny function, a data-processing task with the
standard library, and a matplotlib plot. Submissions are honest work of several kinds (full, partial,
wrong, raising, missing). The scores of both graders must be identical; the last line is `ratio: N`
(nbgrader's seconds per submission over ours).
"""
from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from nbformat.v4 import new_code_cell, new_notebook  # noqa: E402

from grading import autograde  # noqa: E402
from tests.grading.corpus import KINDS, _meta, make_course, nbgrader_autograde, scores  # noqa: E402

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


def build(root: Path, per_kind: int) -> int:
    count = 0
    plans = [("tiny", None, {k: KINDS[k] for k in ("full", "partial", "wrong", "raising", "missing")}),
             ("data", DATA, DATA_KINDS), ("plot", PLOT, PLOT_KINDS)]
    for name, source, kinds in plans:
        many = {f"{kind}{i:03d}": body for kind, body in kinds.items() for i in range(per_kind)}
        make_course(root, many, assignment=name, source=source)
        count += len(many)
    return count


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--quick", action="store_true", help="a small run (about a minute)")
    ap.add_argument("--per-kind", type=int, help="submissions per kind and assignment")
    args = ap.parse_args()
    per_kind = args.per_kind or (3 if args.quick else 15)
    tmp = Path(tempfile.mkdtemp(prefix="jinguo-bench-grading-"))
    base = tmp / "course"
    n = build(base, per_kind)
    ref, ours = tmp / "nbgrader", tmp / "jinguo"
    shutil.copytree(base, ref)
    shutil.copytree(base, ours)
    t0 = time.perf_counter()
    for name in ("tiny", "data", "plot"):
        nbgrader_autograde(ref, name)
    t_ref = time.perf_counter() - t0
    t0 = time.perf_counter()
    statuses: dict[str, int] = {}
    for name in ("tiny", "data", "plot"):
        for r in autograde(ours, name):
            statuses[r.status] = statuses.get(r.status, 0) + 1
    t_ours = time.perf_counter() - t0
    same = all(scores(ref, a) == scores(ours, a) for a in ("tiny", "data", "plot"))
    print(f"submissions: {n}")
    print(f"nbgrader autograde: {t_ref:.1f} s, {t_ref / n:.3f} s per submission")
    print(f"jinguo grade (sandboxed): {t_ours:.1f} s, {t_ours / n:.3f} s per submission")
    print(f"identical scores: {same}; statuses: {statuses}")
    if not same:
        for a in ("tiny", "data", "plot"):
            x, y = scores(ref, a), scores(ours, a)
            print(a, {k: (x.get(k), y.get(k)) for k in sorted(set(x) | set(y)) if x.get(k) != y.get(k)})
    shutil.rmtree(tmp, ignore_errors=True)
    print(f"ratio: {t_ref / t_ours:.2f}")
    sys.exit(0 if same else 1)


if __name__ == "__main__":
    main()
