"""What a run checks before it grades: the course can be graded at all, and which submissions the gradebook
already holds (the ledger alone is not enough: a gradebook restored from a backup may lack a ledgered grade)."""
from __future__ import annotations

from pathlib import Path

from grading.errors import CourseError
from grading.statuses import SubmissionStatus

# statuses the ledger keeps; an ``error`` is tried again next run
FINAL = (SubmissionStatus.graded, SubmissionStatus.timeout, SubmissionStatus.invalid)


def check_course(course: Path, assignment: str) -> None:
    if not any((course / "source" / assignment).glob("*.ipynb")):
        raise CourseError(f"找不到源作业 source/{assignment}（或其中没有笔记本）",
                          f"source assignment source/{assignment} not found (or it holds no notebook)")
    if not (course / "gradebook.db").exists():
        raise CourseError("找不到成绩册 gradebook.db：请先运行 nbgrader generate_assignment",
                          "gradebook.db not found: run nbgrader generate_assignment first")


def graded_in_gradebook(course: Path, assignment: str) -> set[str]:
    from nbgrader.api import Gradebook, MissingEntry

    try:
        with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
            return {s.student.id for s in gb.assignment_submissions(assignment)}
    except (MissingEntry, Exception):
        return set()
