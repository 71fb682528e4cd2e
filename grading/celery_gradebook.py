"""A Celery worker's hand-in written into the course's own nbgrader folder and gradebook, by the platform service
(its single writer): what ``nbgrader autograde`` run in the course itself would have left there, so formgrader,
``nbgrader export`` and the feedback read it as they read the local backend's.

The worker graded in a private scratch course (grading/celery_worker.py) and sent back its autograded folder: the
notebooks with their outputs and nbgrader's timestamp.txt. Here nbgrader's own steps run on them in the course:
the submission is created or updated (Gradebook.update_or_create_submission, with the hand-in's timestamp), the
per-cell grades and comments are saved from the graded notebooks by nbgrader's SaveAutoGrades (one commit per
notebook, grading/savegrades.py) and late penalties by AssignLatePenalties against the course's own due date,
notebooks she did not hand in score 0 (as Autograde does), and the folder lands in autograded/<student>/<assignment>
with the course's Autograde permissions (0440 unless its nbgrader_config.py says otherwise). Writing the same
hand-in again gives the same folder and the same gradebook rows (nothing is added twice).
"""
from __future__ import annotations

import os
import shutil
import uuid
from datetime import datetime
from pathlib import Path

from grading.api import swap_in


def write_autograded(course_dir: str | Path, assignment: str, student: str, files: dict[str, bytes],
                     submitted: dict[str, bytes], received_at: datetime) -> float | None:
    """Write one graded hand-in into the course; returns the gradebook's score of it afterwards (the caller
    compares it with the worker's), or None when the course already holds a later hand-in of hers (nothing is
    written: a late write-back never replaces a newer grading)."""
    import nbformat
    from nbgrader.api import Gradebook, MissingEntry
    from nbgrader.coursedir import CourseDirectory
    from nbgrader.preprocessors import AssignLatePenalties

    from grading.api import store_submission
    from grading.config import SandboxLimits
    from grading.pipeline import course_config
    from grading.savegrades import SaveAutoGradesOnce

    course = Path(course_dir).resolve()
    cfg = course_config(course, SandboxLimits())  # the course's nbgrader_config.py, as the local backend reads it
    cd = CourseDirectory(config=cfg)
    dest = Path(cd.format_path(cd.autograded_directory, student, assignment))
    stamp = files.get("timestamp.txt", b"").decode().strip()
    try:  # nbgrader's timestamps ("%Y-%m-%d %H:%M:%S.%f UTC") sort as text
        if stamp and (dest / "timestamp.txt").read_text().strip() > stamp:
            return None
    except OSError:
        pass
    there = store_submission(course, assignment, student, submitted, received_at)  # submitted/, as the local backend
    with Gradebook(cd.db_url, cd.course_id) as gb:
        try:
            gb.find_student(student)
        except MissingEntry:
            gb.update_or_create_student(student)
        gb.update_or_create_submission(assignment, student, timestamp=cd.get_existing_timestamp(str(there)))
        gb.db.remove()
    notebooks = sorted(name for name in files if name.endswith(".ipynb"))
    for name in notebooks:
        nb = nbformat.reads(files[name].decode("utf-8"), as_version=4)
        resources = {"nbgrader": {"notebook": name[:-len(".ipynb")], "assignment": assignment, "student": student,
                                  "db_url": cd.db_url}}
        for step in (SaveAutoGradesOnce(config=cfg), AssignLatePenalties(config=cfg)):
            nb, resources = step.preprocess(nb, resources)
    with Gradebook(cd.db_url, cd.course_id) as gb:
        for notebook in gb.find_assignment(assignment).notebooks:
            if f"{notebook.name}.ipynb" not in files:  # not handed in: 0, as nbgrader's Autograde gives it
                for grade in gb.find_submission_notebook(notebook.name, assignment, student).grades:
                    grade.auto_score, grade.needs_manual_grade = 0, False
        gb.db.commit()
        score = float(gb.find_submission(assignment, student).score)
        gb.db.remove()
    _replace_folder(dest, course / "source" / assignment, files, int(str(cfg.Autograde.permissions), 8))
    return score


def _replace_folder(dest: Path, source: Path, files: dict[str, bytes], mode: int) -> None:
    """autograded/<student>/<assignment> replaced whole once the new one is complete: the source's other files (as
    Autograde copies them), then the graded notebooks and timestamp.txt, every file ``mode``. The folder itself is
    made by mkdir (the process's umask, the course folder's setgid group), as nbgrader makes it."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(f".{dest.name}-{uuid.uuid4().hex[:8]}")
    os.mkdir(tmp)
    try:
        for path in sorted(source.rglob("*")):
            rel = path.relative_to(source)
            if path.is_file() and path.suffix != ".ipynb" and not any(p.startswith(".") for p in rel.parts):
                (tmp / rel).parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(path, tmp / rel)
        for name, data in files.items():
            (tmp / name).write_bytes(data)
        for path in tmp.rglob("*"):
            if path.is_file():
                os.chmod(path, mode)
        swap_in(tmp, dest)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
