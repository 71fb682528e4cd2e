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
    """Students whose submission of ``assignment`` the gradebook holds, read with sqlite3 alone: the coordinator
    never imports nbgrader (~2 s of CPU, which a cold run would take from the workers booting beside it), and a
    read-only connection cannot add to the gradebook (nbgrader's Gradebook() adds a course row when it opens)."""
    import sqlite3

    db = course / "gradebook.db"
    try:
        con = sqlite3.connect(f"{db.as_uri()}?mode=ro", uri=True, timeout=5)  # sqlite3's default, as before
    except sqlite3.Error:
        return set()
    try:
        rows = con.execute("SELECT s.student_id FROM submitted_assignment s JOIN assignment a "
                           "ON s.assignment_id = a.id WHERE a.name = ?", (assignment,)).fetchall()
    except sqlite3.Error:  # no table yet (a gradebook nbgrader has not written to): nothing graded
        return set()
    finally:
        con.close()
    return {r[0] for r in rows}
