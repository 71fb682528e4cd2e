"""What grading returns: plain dataclasses, easy to turn into JSON."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field

from grading.statuses import RESULTS as STATUSES  # noqa: F401  (graded | timeout | error | invalid)


@dataclass
class CellResult:
    """One graded cell. ``error`` is the error's type and message, never the test's source."""

    cell: str
    points: float
    max_points: float
    passed: bool
    needs_manual_grade: bool = False
    error: str = ""
    test: bool = True  # an autograded test cell; False for an answer a person grades


@dataclass
class NotebookResult:
    notebook: str
    score: float
    max_score: float
    cells: list[CellResult] = field(default_factory=list)


@dataclass
class GradeResult:
    """One (student, assignment). ``status``: graded | timeout | error | invalid; ``message`` (zh / en) says why
    for anything but ``graded`` (and notes a kernel that ended early)."""

    student: str
    assignment: str
    score: float
    max_score: float
    status: str
    message: str = ""
    notebooks: list[NotebookResult] = field(default_factory=list)

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> "GradeResult":
        nbs = [NotebookResult(n["notebook"], n["score"], n["max_score"], [CellResult(**c) for c in n["cells"]])
               for n in data.get("notebooks", [])]
        return cls(data["student"], data["assignment"], data["score"], data["max_score"], data["status"],
                   data.get("message", ""), nbs)
