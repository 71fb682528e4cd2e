"""Scores equal `nbgrader autograde`'s, side by side on identical copies: three assignments of different weight
(a tiny function, a standard-library data task, a matplotlib chart) × five kinds of honest or clumsy answers, the
seven kinds of changes to the rest of the notebook on the tiny one, and an assignment of two notebooks."""
from __future__ import annotations

import os
import subprocess
from concurrent.futures import ThreadPoolExecutor

import nbformat
import pytest

from grading import autograde
from tests.grading.corpus import (BIN, DATA, DATA_KINDS, KINDS, PLOT, PLOT_KINDS, copy_course, gradebook_rows,
                                  make_course, nbgrader_autograde, scores, source_notebook)

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(os.geteuid() != 0, reason="the sandbox switches to an unprivileged uid: run as root")]

ASSIGNMENTS = {
    "tiny": (None, {k: KINDS[k] for k in ("full", "partial", "wrong", "raising", "missing")}),
    "data": (DATA, DATA_KINDS),
    "plot": (PLOT, {**PLOT_KINDS, "raising": "def chart(values):\n    raise RuntimeError('画不出来')"}),
}


def _graded(nb):
    return [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade") and c.cell_type == "code"
            and c.metadata["nbgrader"].get("locked")]


def _tamper_tests(nb):
    for c in _graded(nb):
        c.source = "pass"


def _inflate_points(nb):
    for c in nb.cells:
        if c.metadata.get("nbgrader", {}).get("grade"):
            c.metadata["nbgrader"]["points"] = 100


def _extra_cells(nb):
    nb.cells.append(nbformat.v4.new_code_cell("scratch = [1, 2, 3]\nprint(sum(scratch))"))
    nb.cells.append(nbformat.v4.new_markdown_cell("我的笔记"))


def _fake_outputs(nb):
    for c in _graded(nb):
        c.execution_count = 1
        c.outputs = [nbformat.v4.new_output("stream", name="stdout", text="测试通过 / all tests passed\n")]


def _forged_cells(nb):
    """New cell ids, forged checksums, unlocked tests that do nothing: nbgrader restores them all."""
    for i, c in enumerate(nb.cells):
        c["id"] = f"mine-{i}"
    for c in _graded(nb):
        c.source = "pass"
        c.metadata["nbgrader"].update(checksum="0" * 32, locked=False)


def _answer_below(full: str):
    def move(nb):
        i = next(i for i, c in enumerate(nb.cells) if c.metadata.get("nbgrader", {}).get("grade_id") == "answer")
        nb.cells.insert(i + 1, nbformat.v4.new_code_cell(full))
    return move


# The seven changes to the rest of the notebook (tests, points, cells, outputs, ids) meet nbgrader's own
# restoring preprocessors, which read the notebook's structure, never what the answer computes: one assignment
# shows them all, and the data and chart assignments keep only the answers (and one extra-cells case).
STRUCTURAL = {"tiny": "all", "data": (), "plot": ("extra_cells",)}


def kinds_of(bodies: dict[str, str], structural="all") -> dict[str, tuple[str, object]]:
    """The answer kinds plus the ``structural`` ones: (answer cell body, change to the rest of the notebook)."""
    full, wrong = bodies["full"], bodies["wrong"]
    kinds = {k: (bodies[k], None) for k in ("full", "partial", "wrong", "raising", "missing")}
    changes = {
        "sys_exit": ("import sys\nsys.exit(0)", None),
        "tampered_tests": (wrong, _tamper_tests),  # locked cells are restored from the source
        "inflated_points": (full, _inflate_points),  # points come from the gradebook, not the notebook
        "extra_cells": (full, _extra_cells),
        "faked_outputs": (wrong, _fake_outputs),  # outputs are cleared and recomputed
        "forged_cells": (wrong, _forged_cells),  # cell ids, checksums and locks come from the source
        "answer_below": (bodies["missing"], _answer_below(full)),
    }
    kinds.update({k: v for k, v in changes.items() if structural == "all" or k in structural})
    return kinds


@pytest.fixture(scope="module")
def courses(tmp_path_factory):
    root = tmp_path_factory.mktemp("side")
    ref = root / "ref"
    for name, (source, bodies) in ASSIGNMENTS.items():
        kinds = kinds_of(bodies, STRUCTURAL[name])
        make_course(ref, {k: body for k, (body, _) in kinds.items()}, assignment=name, source=source)
        for kind, (_, change) in kinds.items():
            if change:
                path = ref / "submitted" / kind / name / "problem.ipynb"
                nb = nbformat.read(path, as_version=4)
                change(nb)
                nbformat.write(nb, path)
    _two_notebooks(ref)
    ours = copy_course(ref, root / "ours")
    # nbgrader's runs (one process after another, one kernel per notebook) go on beside ours: separate folders
    with ThreadPoolExecutor(1) as reference:
        runs = reference.map(lambda name: nbgrader_autograde(ref, name), (*ASSIGNMENTS, "pair"))
        results = {name: {r.student: r for r in autograde(ours, name, workers=2)} for name in (*ASSIGNMENTS, "pair")}
        for run in runs:
            assert run.returncode == 0, run.stderr[-2000:]
    return ref, ours, results


def _two_notebooks(root):
    """An assignment of two notebooks; one student hands in only the first."""
    src = root / "source" / "pair"
    src.mkdir(parents=True)
    for name in ("problem.ipynb", "problem2.ipynb"):
        nbformat.write(source_notebook(), src / name)
    env = dict(os.environ, PATH=f"{BIN}{os.pathsep}{os.environ['PATH']}")
    subprocess.run([str(BIN / "nbgrader"), "generate_assignment", "pair", "--force", "--create"], cwd=root, env=env,
                   check=True, capture_output=True)
    plans = {"both_full": ("full", "full"), "one_missing": ("full", None), "mixed": ("partial", "wrong")}
    for student, bodies in plans.items():
        out = root / "submitted" / student / "pair"
        out.mkdir(parents=True)
        (out / "timestamp.txt").write_text("2026-11-24 10:00:00.000000 UTC")
        for name, kind in zip(("problem.ipynb", "problem2.ipynb"), bodies):
            if kind is None:
                continue
            nb = nbformat.read(root / "release" / "pair" / name, as_version=4)
            for cell in nb.cells:
                if cell.metadata.get("nbgrader", {}).get("grade_id") == "answer":
                    cell.source = KINDS[kind]
            nbformat.write(nb, out / name)


@pytest.mark.parametrize("assignment", [*ASSIGNMENTS, "pair"])
def test_scores_equal_nbgrader_autograde(courses, assignment):
    ref, ours, results = courses
    expected = scores(ref, assignment)
    assert len(expected) == {"pair": 3, "tiny": 12, "data": 5, "plot": 6}[assignment]
    assert scores(ours, assignment) == expected
    assert all(r.status == "graded" for r in results[assignment].values()), results[assignment]


@pytest.mark.parametrize("assignment", ["tiny", "pair"])
def test_gradebook_rows_equal_nbgrader_autograde(courses, assignment):
    """Not only the totals: every cell's automatic score, whether it awaits manual grading, the "No response."
    comments and the late-penalty fields are what nbgrader itself writes."""
    ref, ours, _ = courses
    expected = gradebook_rows(ref, assignment)
    assert any(v == ("No response.", None) for v in expected.values())  # the corpus has unanswered cells
    if assignment == "tiny":  # and cells awaiting manual grading
        assert any(v[-1] is True for k, v in expected.items() if k[2].startswith("grade:"))
    assert gradebook_rows(ours, assignment) == expected


def test_the_corpus_tells_kinds_apart(courses):
    """A corpus where every kind scored the same would prove nothing."""
    ref, _, _ = courses
    tiny = scores(ref, "tiny")
    assert tiny["full"] == tiny["inflated_points"] == tiny["answer_below"] == tiny["extra_cells"] == (3.0, 4.0)
    assert tiny["partial"] == (1.0, 4.0)
    assert tiny["wrong"] == tiny["tampered_tests"] == tiny["faked_outputs"] == tiny["sys_exit"] == (0.0, 4.0)
    assert tiny["forged_cells"] == (0.0, 4.0)
    pair = scores(ref, "pair")
    assert pair["both_full"] == (6.0, 8.0) and pair["one_missing"] == (3.0, 8.0) and pair["mixed"] == (1.0, 8.0)
    assert len(set(scores(ref, "data").values())) >= 3 and len(set(scores(ref, "plot").values())) >= 3


def test_autograded_folders_match_nbgrader(courses):
    ref, ours, _ = courses
    for folder in ("autograded/one_missing/pair", "autograded/extra_cells/plot"):
        assert sorted(p.name for p in (ours / folder).iterdir()) == sorted(p.name for p in (ref / folder).iterdir())
