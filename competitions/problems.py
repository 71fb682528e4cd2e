"""What is wrong with something a person gave — a spec file, a form, a spreadsheet of candidates, her answers to a
survey — said for her in Chinese and English, every problem at once.

One ``Problem`` and one ``ProblemsError`` for all of them (issue 17: yamlspec, nominations/studios,
nominations/imports and surveys each had a pair of their own). The core raises ``ProblemsError`` and nothing is
stored; the platform shows every problem beside the thing it is about (a form field, a spec line, a column).
"""
from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Problem", "ProblemsError"]


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong, where it is, in Chinese and English."""

    path: str  # where: a spec's dotted field path ("phases.1.closes_at"), a form's field, a column's header, a
    # survey question's id; "" for the whole thing
    zh: str
    en: str
    line: int | None = None  # 1-based line of a file, or row of a spreadsheet (its header is row 1), when known

    # The names each kind of input gives "where" (templates, callers and tests read them).
    field = property(lambda self: self.path)  # a form's field (studios)
    column = property(lambda self: self.path)  # a spreadsheet's column (candidate imports)
    question = property(lambda self: self.path)  # a survey question (answers)
    row = property(lambda self: self.line)  # a spreadsheet's row (candidate imports)

    def __str__(self) -> str:
        where = f"第 {self.line} 行 / line {self.line}, " if self.line else ""
        return f"{where}{self.path or '(根 / root)'}: {self.zh} / {self.en}"


class ProblemsError(ValueError):
    """Every problem of one input at once; nothing from it was stored."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))
