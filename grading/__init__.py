"""Jinguo's grading engine: nbgrader's own Autograde pipeline with every notebook run by a fork of a prewarmed
zygote inside a bubblewrap sandbox, hidden tests that cannot be fooled, and crash-safe runs.

It imports nothing from hub/, courses/ or competitions/.
"""
import sys

# jsonschema (imported by nbformat) loads rfc3987_syntax when it is installed, which builds ~35 Earley parsers at
# import: ~0.6 s in every grading process that starts, for the "iri" formats no notebook or nbgrader schema uses
# (python-jsonschema/jsonschema#1428). Without it jsonschema simply does not check those two formats.
if "jsonschema" not in sys.modules:
    sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]

from grading.api import feedback_html, grade_submission, gradebook_result, gradebook_scores, store_submission
from grading.config import GradingSettings, SandboxLimits
from grading.engine import autograde, warm_up
from grading.errors import CourseError, GradingError, SandboxUnavailable, SubmissionError
from grading.results import CellResult, GradeResult, NotebookResult

__all__ = ["autograde", "warm_up", "grade_submission", "store_submission", "feedback_html", "gradebook_result",
           "gradebook_scores", "GradeResult", "NotebookResult", "CellResult", "SandboxLimits", "GradingSettings",
           "GradingError", "CourseError", "SandboxUnavailable", "SubmissionError"]
