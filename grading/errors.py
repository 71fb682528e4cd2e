"""Errors of the grading engine, each with a Chinese and an English message (``zh`` / ``en``)."""
from __future__ import annotations


class GradingError(Exception):
    """Base class: the run as a whole could not work."""

    def __init__(self, zh: str, en: str):
        self.zh, self.en = zh, en
        super().__init__(f"{zh} / {en}")


class SandboxUnavailable(GradingError):
    """bubblewrap cannot run here; grading without the sandbox is never done silently."""


class CourseError(GradingError):
    """The course directory or the source assignment is missing or broken."""


class SubmissionError(GradingError):
    """A submission handed over as bytes cannot be stored (bad name, not a notebook file name)."""
