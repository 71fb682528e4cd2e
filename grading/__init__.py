"""Jinguo's grading engine: nbgrader-compatible autograding with every kernel in a bubblewrap sandbox.

It imports nothing from hub/, courses/ or competitions/.
"""
from grading.config import GradingSettings, SandboxLimits
from grading.engine import CellResult, GradeResult, autograde
from grading.errors import CourseError, GradingError, SandboxUnavailable

__all__ = ["autograde", "GradeResult", "CellResult", "SandboxLimits", "GradingSettings",
           "GradingError", "CourseError", "SandboxUnavailable"]
