"""Bad input never takes down a run, and a failure is classed by whose it is: what her notebook causes is
``invalid`` (counted, with a reason), only the platform's own failures are ``error`` (retried, never counted)."""
from __future__ import annotations

import copy
import json
import os
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from grading import autograde
from tests.grading.corpus import KINDS, make_course

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="the sandbox switches to an unprivileged uid: run as root")
JINGUO = str(Path(sys.executable).parent / "jinguo")


def _cell(doc: dict, grade_id: str) -> dict:
    return next(c for c in doc["cells"] if c["metadata"].get("nbgrader", {}).get("grade_id") == grade_id)


def _set(doc: dict, grade_id: str, key: str, value) -> None:
    _cell(doc, grade_id)["metadata"]["nbgrader"][key] = value


DEEP = "[" * 100_000 + "]" * 100_000


def _deep_in(where: str):
    def change(text: str) -> str:
        doc = json.loads(text)
        if where == "metadata":
            doc["metadata"]["jinguo_deep"] = "@DEEP@"
        else:
            _cell(doc, "answer")["outputs"] = [{"output_type": "display_data", "metadata": {},
                                                "data": {"application/json": "@DEEP@"}}]
        return json.dumps(doc, ensure_ascii=False).replace('"@DEEP@"', DEEP)
    return change


def _doc_change(change):
    def apply(text: str) -> str:
        doc = json.loads(text)
        change(doc)
        return json.dumps(doc, ensure_ascii=False, allow_nan=True)
    return apply


# name -> (how her notebook text is changed, expected status, words of the reason)
UNREADABLE = {
    "deep_metadata": (_deep_in("metadata"), "invalid", "嵌套"),
    "deep_outputs": (_deep_in("outputs"), "invalid", "嵌套"),
    "many_cells": (_doc_change(lambda d: d["cells"].extend(
        [{"cell_type": "markdown", "metadata": {}, "source": "x", "id": f"m{i}"} for i in range(2500)])),
        "invalid", "单元格，超过上限"),
    "bom": (lambda t: "\ufeff" + t, "invalid", "BOM"),
    "cells_not_dicts": (_doc_change(lambda d: d.__setitem__("cells", ["print(1)", 3])), "invalid", "不是有效的笔记本"),
    "nbgrader_meta_string": (_doc_change(lambda d: _cell(d, "answer")["metadata"].__setitem__("nbgrader", "yes")),
                             "invalid", "nbgrader 元数据不是对象"),
    "grade_id_number": (_doc_change(lambda d: _set(d, "answer", "grade_id", 5)), "invalid", "缺少评分单元格 answer"),
    "not_an_object": (lambda t: "[1, 2, 3]", "invalid", "不是有效的笔记本"),
}
# Notebooks nbgrader itself fails on (checked side by side with `nbgrader autograde` when this was written): hers
NBGRADER_FAILS = {
    "locked_not_bool": (_doc_change(lambda d: _set(d, "answer", "locked", "no")), "ValidationError"),
    "points_not_number": (_doc_change(lambda d: _set(d, "test_hidden", "points", "many")), "ValueError"),
    "schema_too_new": (_doc_change(lambda d: _set(d, "answer", "schema_version", 99)), "SchemaTooNewError"),
    "schema_too_old": (_doc_change(lambda d: _set(d, "answer", "schema_version", 1)), "SchemaTooOldError"),
    "duplicate_grade_id": (_doc_change(lambda d: d["cells"].insert(1, dict(copy.deepcopy(_cell(d, "test_hidden")),
                                                                             id="dupl1"))), "Error"),
}
# Odd but readable: graded as nbgrader grades them, full points for the right answer
READABLE = {
    "nbformat3": _doc_change(lambda d: None),  # written below as nbformat 3
    "long_line": _doc_change(lambda d: _cell(d, "answer").__setitem__(
        "source", KINDS["full"] + "\nLONG = '" + "x" * (10 * 2**20) + "'")),
    "nan_in_metadata": _doc_change(lambda d: d["metadata"].__setitem__("jinguo_nan", [float("nan"), float("inf")])),
    "duplicate_cell_ids": _doc_change(lambda d: d["cells"][2].__setitem__("id", d["cells"][1]["id"])),
    "no_kernelspec": _doc_change(lambda d: d.__setitem__("metadata", {})),
    # nbgrader puts a solution cell's type back from the gradebook: graded as the code it holds
    "solution_cell_as_markdown": _doc_change(lambda d: [_cell(d, "answer").__setitem__("cell_type", "markdown"),
                                                        _cell(d, "answer").pop("outputs"),
                                                        _cell(d, "answer").pop("execution_count")]),
}


def _write(course: Path, student: str, change) -> None:
    path = course / "submitted" / student / "ps1" / "problem.ipynb"
    text = change(path.read_text(encoding="utf-8"))
    if student == "nbformat3":
        import nbformat

        nb = nbformat.reads(text, as_version=4)
        for c in nb.cells:  # nbformat 3 has no attachments or ids
            c.pop("id", None)
        text = nbformat.writes(nbformat.convert(nb, 3))
    path.write_text(text, encoding="utf-8")


def test_one_unreadable_notebook_among_good_ones_is_invalid_and_the_rest_are_graded(tmp_path):
    """A notebook nested 100,000 levels deep raised RecursionError and killed the whole `jinguo grade` run (only
    ValueError was caught); so did one whose nbgrader metadata was a string. Now each bad one is invalid with a
    Chinese and English reason, each odd but readable one is graded, and so is every good one."""
    kinds = {"good1": KINDS["full"], "good2": KINDS["partial"], **{k: KINDS["full"] for k in UNREADABLE},
             **{k: KINDS["full"] for k in READABLE}}
    course = make_course(tmp_path / "c", kinds)
    for student, (change, _status, _words) in UNREADABLE.items():
        _write(course, student, change)
    for student, change in READABLE.items():
        _write(course, student, change)
    out = tmp_path / "r.json"
    run = subprocess.run([JINGUO, "grade", "ps1", "--course-dir", str(course), "--json", str(out), "--workers", "2"],
                         capture_output=True, text=True, timeout=900)
    assert run.returncode == 0, run.stderr[-3000:]
    rows = {r["student"]: r for r in json.loads(out.read_text())}
    assert (rows["good1"]["status"], rows["good1"]["score"]) == ("graded", 3.0)
    assert (rows["good2"]["status"], rows["good2"]["score"]) == ("graded", 1.0)
    for student, (_change, status, words) in UNREADABLE.items():
        assert rows[student]["status"] == status and words in rows[student]["message"], rows[student]
        assert " / " in rows[student]["message"]
    for student in READABLE:
        assert (rows[student]["status"], rows[student]["score"]) == ("graded", 3.0), rows[student]


def test_a_notebook_nbgrader_fails_on_is_invalid_and_counts_not_a_platform_error(tmp_path):
    """These made nbgrader's own autograde fail and were reported as `error`: a platform failure that never counts
    and is retried three times, so a competitor got 4 hand-ins accepted against a limit of 2 per day. They are
    her notebook's doing: `invalid`, with a reason, beside honest work graded as usual."""
    course = make_course(tmp_path / "c", {"full": KINDS["full"], **{k: KINDS["full"] for k in NBGRADER_FAILS}})
    for student, (change, _name) in NBGRADER_FAILS.items():
        _write(course, student, change)
    res = {r.student: r for r in autograde(course, "ps1", workers=2)}
    assert (res["full"].status, res["full"].score) == ("graded", 3.0)
    for student, (_change, name) in NBGRADER_FAILS.items():
        r = res[student]
        assert r.status == "invalid", (student, r.status, r.message)
        assert "nbgrader 无法处理" in r.message and "nbgrader cannot process" in r.message and name in r.message, r.message
        assert "合计([1, None, 2])" not in r.message


def test_a_locked_gradebook_is_a_platform_error_not_her_fault(tmp_path):
    """The other side of the rule: when the gradebook cannot be written (another process holds it), the
    submission is `error` (retried, never counted), not `invalid`."""
    course = make_course(tmp_path / "c", {"full": KINDS["full"]})
    (course / "nbgrader_config.py").write_text(
        "c = get_config()\nc.CourseDirectory.course_id = 'demo'\n"
        f"c.CourseDirectory.db_url = 'sqlite:///{course / 'gradebook.db'}?timeout=1'\n")
    held = sqlite3.connect(course / "gradebook.db", timeout=60)
    held.execute("BEGIN EXCLUSIVE")
    release = threading.Timer(240, held.rollback)  # never hang the suite if grading waits for ever
    release.start()
    try:
        res = autograde(course, "ps1", workers=1)[0]
    finally:
        release.cancel()
        held.rollback()
        held.close()
    assert res.status == "error", (res.status, res.message)
    assert "平台" in res.message and "platform" in res.message
    assert "database" in res.message  # the operator is told what failed
