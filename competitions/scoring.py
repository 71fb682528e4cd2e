"""Splitting a graded submission into the public score (a fixed subset of the tests) and the
private score (all of them), the two numbers a ScoreRecord carries."""
from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable

from competitions.spec import Competition, Phase, Task


def public_cells(spec: Competition, phase: Phase, task: Task, cell_ids: Iterable[str]) -> set[str]:
    """The test cells whose points make up the public score. With a ``fraction``, the choice hangs only
    on (competition, task, cell id), so regrading or rescoring never moves a cell between boards.
    Without public_tests every test is public (the two boards then agree)."""
    cells = sorted(set(cell_ids))
    rule = spec.public_tests_for(phase, task)
    if rule is None:
        return set(cells)
    if rule.marker is not None:
        return {c for c in cells if rule.marker in c}
    n = max(1, math.ceil(rule.fraction * len(cells))) if cells else 0
    digest = lambda c: hashlib.sha256(f"{spec.slug}/{task.assignment}/{c}".encode()).hexdigest()  # noqa: E731
    return set(sorted(cells, key=digest)[:n])


def split_score(spec: Competition, phase: Phase, task: Task,
                cells: Iterable[tuple[str, float, float]]) -> tuple[float | None, float]:
    """(public, private) from (cell id, points, max points) of every graded test cell. The public score
    is scaled to the task's max score so both boards read on the same scale; None when no cell is public."""
    cells = list(cells)
    private = sum(points for _, points, _ in cells)
    chosen = public_cells(spec, phase, task, (c for c, _, _ in cells))
    got = sum(p for c, p, _ in cells if c in chosen)
    possible = sum(m for c, _, m in cells if c in chosen)
    public = round(got / possible * task.max_score, 9) if possible > 0 else None
    return public, private
