"""Entry points for the platform (hub/): one submission from bytes, and learner-safe feedback."""
from __future__ import annotations

import os
import re
import shutil
import tempfile
import uuid
from datetime import datetime, timezone
from pathlib import Path

from grading.config import SandboxLimits
from grading.errors import SubmissionError
from grading.results import GradeResult

_SAFE = re.compile(r"^[A-Za-z0-9_.\-\u4e00-\u9fff]+$")


def _safe(name: str, what: str) -> str:
    if not _SAFE.match(name) or name in (".", ".."):
        raise SubmissionError(f"{what}名称不合法：{name!r}", f"invalid {what} name: {name!r}")
    return name


def store_submission(course_dir: str | Path, assignment: str, student: str, notebooks: dict[str, bytes],
                     timestamp: datetime | None = None) -> Path:
    """Write a submission's files (bytes from the platform's database) into submitted/, atomically: the old
    folder is replaced only once the new one is complete."""
    course = Path(course_dir)
    _safe(assignment, "作业 assignment")
    _safe(student, "学员 student")
    dest = course / "submitted" / student / assignment
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{assignment}-", dir=dest.parent))
    for name, data in notebooks.items():
        if "/" in name or not name.endswith(".ipynb"):
            raise SubmissionError(f"文件名不合法：{name!r}", f"invalid notebook file name: {name!r}")
        (tmp / _safe(name, "文件 file")).write_bytes(data)
    ts = (timestamp or datetime.now(timezone.utc)).astimezone(timezone.utc)
    (tmp / "timestamp.txt").write_text(ts.strftime("%Y-%m-%d %H:%M:%S.%f UTC"))
    swap_in(tmp, dest)
    return dest


def swap_in(tmp: Path, dest: Path) -> None:
    """The complete folder ``tmp`` takes the place of ``dest`` (replacing it whole): whoever reads ``dest`` finds
    the old folder or the new one, never half of either."""
    if dest.exists():
        old = dest.with_name(f".{dest.name}-old-{uuid.uuid4().hex[:8]}")
        dest.rename(old)
        tmp.rename(dest)
        shutil.rmtree(old, ignore_errors=True)
    else:
        tmp.rename(dest)


def grade_submission(course_dir: str | Path, assignment: str, student: str, notebooks: dict[str, bytes], *,
                     timestamp: datetime | None = None, sandbox: bool = True, timeout: float | None = None,
                     limits: SandboxLimits | None = None) -> GradeResult:
    """Store one submission from its bytes and grade it: any worker on any machine with the course's source
    folder and gradebook can do this. Safe to repeat (the gradebook keeps one grade per submission)."""
    from grading.engine import autograde

    store_submission(course_dir, assignment, student, notebooks, timestamp)
    return autograde(course_dir, assignment, [student], workers=1, timeout=timeout, sandbox=sandbox,
                     limits=limits)[0]


def _gradebook_of(course: Path) -> tuple[str, str]:
    """The course's gradebook URL and course id, as its nbgrader_config.py sets them."""
    from nbgrader.coursedir import CourseDirectory

    from grading.config import load_course_config

    cfg = load_course_config(course)
    cfg.CourseDirectory.root = str(course)
    cd = CourseDirectory(config=cfg)
    return cd.db_url, cd.course_id


def gradebook_scores(course_dir: str | Path, assignment: str) -> dict[str, tuple[float, bool]]:
    """{student: (score, needs manual grading)} for every submission of an assignment in the gradebook, in one
    query (formgrader's own): what to compare before reading any one submission in detail."""
    from nbgrader.api import Gradebook, MissingEntry

    db_url, course_id = _gradebook_of(Path(course_dir).resolve())
    with Gradebook(db_url, course_id) as gb:
        try:
            rows = gb.submission_dicts(assignment)
        except MissingEntry:
            rows = []
        gb.db.remove()
    return {r["student"]: (float(r["score"]), bool(r["needs_manual_grade"])) for r in rows}


def gradebook_result(course_dir: str | Path, assignment: str, student: str) -> GradeResult:
    """What the course's gradebook says of one student's submission now, with per-cell detail: after an
    instructor graded answers by hand in formgrader, the scores include hers."""
    from grading.pipeline import read_result

    course = Path(course_dir).resolve()
    return read_result(*_gradebook_of(course), course, assignment, student)


def feedback_html(course_dir: str | Path, assignment: str, student: str) -> dict[str, str]:
    """The learner's feedback HTML for one graded submission, {notebook name: html}: nbgrader's GenerateFeedback
    in Chinese (grading/feedback/), every hidden test removed (nbgrader's generate_feedback would show them), and
    each test cell showing only its verdict, points and a message that holds nothing of a hidden test, whatever
    the test printed or raised (grading/feedback/preprocessors.py)."""
    from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor
    from nbgrader.converters import GenerateFeedback
    from nbgrader.coursedir import CourseDirectory
    from nbgrader.preprocessors import ClearHiddenTests, GetGrades
    from traitlets.config import Config

    from grading import feedback
    from grading.config import load_course_config

    course = Path(course_dir).resolve()
    course_cfg = load_course_config(course)
    with tempfile.TemporaryDirectory(prefix="jg-feedback-") as tmp:
        cfg = Config()
        cfg.CourseDirectory.root = str(course)
        cfg.CourseDirectory.feedback_directory = str(Path(tmp) / "feedback")
        cfg.GenerateFeedback.preprocessors = [GetGrades, feedback.VerdictOnly, feedback.HandInTime, ClearHiddenTests,
                                              CSSHTMLHeaderPreprocessor]
        cfg.ClearHiddenTests.enforce_metadata = False
        for name in ("begin_test_delimeter", "end_test_delimeter"):  # the course's own markers, if it set them
            if name in course_cfg.ClearHiddenTests:
                cfg.ClearHiddenTests[name] = cfg.VerdictOnly[name] = course_cfg.ClearHiddenTests[name]
        cfg.HTMLExporter.template_name = feedback.TEMPLATE_NAME
        cfg.HTMLExporter.template_extension = feedback.TEMPLATE_EXTENSION
        cfg.HTMLExporter.extra_template_basedirs = [feedback.TEMPLATE_BASEDIR]
        cd = CourseDirectory(config=cfg)
        cd.assignment_id, cd.student_id = assignment, student
        conv = GenerateFeedback(coursedir=cd, config=cfg)
        conv.force = True
        cwd = os.getcwd()
        try:
            conv.start()
        finally:
            os.chdir(cwd)
        out = Path(tmp) / "feedback" / student / assignment
        return {p.stem: p.read_text(encoding="utf-8") for p in sorted(out.glob("*.html"))}
