"""The demo's competition task: a small nbgrader source notebook built in code, and the answers competitors hand in.

The shipped competition tasks (competitions/examples/tasks/, being added) can take its place: ``shipped_task(path,
title, max_score)`` makes a DemoTask of any source notebook, and ``task_folder`` lays it out the way ``jinguo
competition open`` expects to find it (competitions/<slug>/source/<task>/<file>.ipynb).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

KERNEL = {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}}


def without_markers(text: str) -> str:
    """A source cell as someone who answered right would have written it: nbgrader's solution markers gone."""
    return "\n".join(line for line in text.splitlines()
                     if line.strip() not in ("### BEGIN SOLUTION", "### END SOLUTION"))


def fill_from_source(release: nbformat.NotebookNode, source: nbformat.NotebookNode,
                     undone: int = 0) -> nbformat.NotebookNode:
    """The student version with the source's answers written in, its last ``undone`` code answers left as released
    (so their tests fail)."""
    src = {c.metadata.get("nbgrader", {}).get("grade_id"): c for c in source.cells}
    nb = nbformat.from_dict(release)
    answers = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("solution")]
    code = [c for c in answers if c.cell_type == "code"]
    skipped = {id(c) for c in code[max(0, len(code) - undone):]} if undone else set()
    for cell in answers:
        gid = cell.metadata["nbgrader"]["grade_id"]
        if gid in src and id(cell) not in skipped:
            cell.source = without_markers(src[gid].source)
    return nb


def _meta(grade_id: str, *, grade: bool, solution: bool, locked: bool, points: float = 0) -> dict:
    m = {"grade": grade, "solution": solution, "locked": locked, "grade_id": grade_id, "schema_version": 3}
    if grade:
        m["points"] = points
    return {"nbgrader": m}


ANSWER = '''def 订单合计(订单):
    """返回订单金额的合计（忽略没有金额的订单 None），保留两位小数"""
    ### BEGIN SOLUTION
    return round(sum(x for x in 订单 if x is not None), 2)
    ### END SOLUTION'''

# Three graded test cells, so that the public board (a share of the cells) and the private board (all) differ.
TESTS = [
    ("test_basic", "assert 订单合计([12.5, 30, 7.5]) == 50", 1),
    ("test_empty", "assert 订单合计([]) == 0\n### BEGIN HIDDEN TESTS\nassert 订单合计([0.1, 0.2]) == 0.3\n"
                   "### END HIDDEN TESTS", 1),
    ("test_missing", "assert 订单合计([10, None, 5]) == 15\n### BEGIN HIDDEN TESTS\n"
                     "assert 订单合计([None, None]) == 0\n### END HIDDEN TESTS", 2),
]


def source_notebook() -> nbformat.NotebookNode:
    nb = new_notebook(metadata=KERNEL)
    nb.cells = [new_markdown_cell("# 网店订单合计\n\n请完成函数 `订单合计`：把一天的订单金额加起来。"
                                  "没有金额的订单记作 `None`，不计入合计。",
                                  metadata=_meta("intro", grade=False, solution=False, locked=True)),
                new_code_cell(ANSWER, metadata=_meta("answer", grade=False, solution=True, locked=False))]
    nb.cells += [new_code_cell(src, metadata=_meta(gid, grade=True, solution=False, locked=True, points=pts))
                 for gid, src, pts in TESTS]
    return nb


Variant = Callable[[nbformat.NotebookNode], nbformat.NotebookNode]  # the released task -> her hand-in
KINDS = ("full", "close", "partial", "wrong")  # the kinds of hand-in the demo's competitors send


@dataclass(frozen=True)
class DemoTask:
    """A competition task of the demo: its assignment name, notebook file, title, points, source notebook, and how
    each kind of hand-in (KINDS) is made from the released notebook."""
    assignment: str
    notebook: str
    title: str
    max_score: float
    source: nbformat.NotebookNode = field(repr=False, compare=False)
    variants: dict[str, Variant] = field(repr=False, compare=False)


def _answer_cell(body: str) -> Variant:
    return lambda release: answered(release, body)


ORDERS = DemoTask(
    assignment="orders", notebook="orders.ipynb", title="网店订单合计", max_score=4, source=source_notebook(),
    variants={
        "full": _answer_cell("def 订单合计(订单):\n    return round(sum(x for x in 订单 if x is not None), 2)"),
        "close": _answer_cell("def 订单合计(订单):\n    return sum(x for x in 订单 if x is not None)"),  # 0.1 + 0.2
        "partial": _answer_cell("def 订单合计(订单):\n    return sum(订单)"),  # fails where an order has no amount
        "wrong": _answer_cell("def 订单合计(订单):\n    return len(订单)"),
    })


def shipped_task(path: Path, title: str, max_score: float) -> DemoTask:
    """A task shipped as an nbgrader source notebook (competitions/examples/tasks/<name>/<name>.ipynb): its hand-ins
    are its own solutions, with one, two or every code answer left undone."""
    source = nbformat.read(path, as_version=4)
    n = sum(1 for c in source.cells if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("solution"))

    def undone(k: int) -> Variant:
        return lambda release: fill_from_source(release, source, min(k, n))

    return DemoTask(assignment=path.parent.name, notebook=path.name, title=title, max_score=max_score,
                    source=source, variants={"full": undone(0), "close": undone(1), "partial": undone(2),
                                             "wrong": undone(n)})


def task_folder(root: Path, task: DemoTask, course_id: str) -> Path:
    """The competition's nbgrader folder with the task's source notebook (kept if already there)."""
    root.mkdir(parents=True, exist_ok=True)
    config = root / "nbgrader_config.py"
    if not config.exists():
        config.write_text("# Written by `jinguo demo` (hub/demo/tasks.py).\nc = get_config()  # noqa: F821\n"
                          f"c.CourseDirectory.course_id = {course_id!r}\n"
                          f"c.CourseDirectory.root = {str(root)!r}\n", encoding="utf-8")
    src = root / "source" / task.assignment
    src.mkdir(parents=True, exist_ok=True)
    if not (src / task.notebook).exists():
        nbformat.write(task.source, src / task.notebook)
    return root


def answered(release: nbformat.NotebookNode, body: str) -> nbformat.NotebookNode:
    """The student version with her answer cell filled in, as she would hand it in."""
    nb = nbformat.from_dict(release)
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == "answer":
            cell.source = body
    return nb
