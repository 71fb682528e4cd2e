"""Where a learner stands in a course, and whether she has completed it. Plain data in, plain data out.

Rules (docs/instructor-guide.md §6 says the same in Chinese):
- an assignment is ``not_started`` until she hands something in; ``submitted`` while none of her submissions has a
  score yet; ``graded`` when her best score is below the pass mark; ``passed`` when it reaches the pass mark;
- her best score counts (a later, worse try never takes a pass away);
- ``percent`` is the share of the required assignments she has passed (all assignments if none is required);
- the course is ``completed`` when every required assignment is passed (all of them if none is required).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Sequence

NOT_STARTED, SUBMITTED, GRADED, PASSED = "not_started", "submitted", "graded", "passed"
STATUSES = (NOT_STARTED, SUBMITTED, GRADED, PASSED)


@dataclass(frozen=True)
class AssignmentRule:
    name: str
    max_score: float
    pass_score: float
    required: bool = True
    title: str = ""


@dataclass(frozen=True)
class Attempt:
    """One of her hand-ins (all the notebooks she sent at one moment): ``score`` is None while it has no grade."""

    assignment: str
    score: float | None = None


@dataclass(frozen=True)
class AssignmentProgress:
    name: str
    title: str
    status: str
    score: float | None  # her best score, None before any is graded
    max_score: float
    pass_score: float
    required: bool


@dataclass(frozen=True)
class CourseProgress:
    assignments: tuple[AssignmentProgress, ...]
    percent: float
    completed: bool

    def status_of(self, name: str) -> str:
        return next(a.status for a in self.assignments if a.name == name)


def assignment_status(rule: AssignmentRule, attempts: Sequence[Attempt]) -> AssignmentProgress:
    scores = [a.score for a in attempts if a.score is not None]
    best = max(scores) if scores else None
    if best is not None:
        status = PASSED if best >= rule.pass_score else GRADED
    else:
        status = SUBMITTED if attempts else NOT_STARTED
    return AssignmentProgress(rule.name, rule.title or rule.name, status, best, rule.max_score, rule.pass_score,
                              rule.required)


def course_progress(rules: Iterable[AssignmentRule], attempts: Iterable[Attempt]) -> CourseProgress:
    """Her progress over the course's assignments, in the order given. Attempts at assignments the course does not
    list are ignored. A course with no assignments is never completed (there is nothing to certify)."""
    rules = list(rules)
    by_name: dict[str, list[Attempt]] = {r.name: [] for r in rules}
    for attempt in attempts:
        if attempt.assignment in by_name:
            by_name[attempt.assignment].append(attempt)
    rows = tuple(assignment_status(r, by_name[r.name]) for r in rules)
    counted = [row for row in rows if row.required] or list(rows)
    passed = sum(1 for row in counted if row.status == PASSED)
    percent = round(100.0 * passed / len(counted), 1) if counted else 0.0
    return CourseProgress(rows, percent, bool(counted) and passed == len(counted))
