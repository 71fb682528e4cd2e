"""courses/progress.py: statuses, percent and completion from her attempts (pure, no hub)."""
from __future__ import annotations

import pytest

from courses.progress import (GRADED, NOT_STARTED, PASSED, SUBMITTED, AssignmentRule, Attempt, assignment_status,
                              course_progress)

RULES = [AssignmentRule("a", 10, 6, title="第一课"), AssignmentRule("b", 8, 4.8), AssignmentRule("c", 5, 3, required=False)]


@pytest.mark.parametrize("attempts, status, best", [
    ([], NOT_STARTED, None),
    ([Attempt("a")], SUBMITTED, None),
    ([Attempt("a", 5.9)], GRADED, 5.9),
    ([Attempt("a", 6)], PASSED, 6),  # the pass mark itself passes
    ([Attempt("a", 9), Attempt("a", 2)], PASSED, 9),  # a worse later try keeps the best
    ([Attempt("a", 3), Attempt("a")], GRADED, 3),  # a newer one still waiting does not hide the score
])
def test_status_of_one_assignment(attempts, status, best):
    row = assignment_status(RULES[0], attempts)
    assert (row.status, row.score, row.title, row.max_score) == (status, best, "第一课", 10)


def test_percent_counts_required_passes_and_completion_needs_them_all():
    none = course_progress(RULES, [])
    assert (none.percent, none.completed) == (0.0, False)
    assert [a.status for a in none.assignments] == [NOT_STARTED] * 3
    half = course_progress(RULES, [Attempt("a", 7), Attempt("b", 4), Attempt("c", 5)])
    assert (half.percent, half.completed) == (50.0, False)
    assert half.status_of("b") == GRADED and half.status_of("c") == PASSED
    done = course_progress(RULES, [Attempt("a", 7), Attempt("b", 4), Attempt("b", 8)])
    assert (done.percent, done.completed) == (100.0, True)  # the optional one is not needed
    assert done.status_of("c") == NOT_STARTED


def test_when_nothing_is_required_every_assignment_counts_and_strays_are_ignored():
    optional = [AssignmentRule("x", 4, 2, required=False), AssignmentRule("y", 4, 2, required=False)]
    one = course_progress(optional, [Attempt("x", 4), Attempt("elsewhere", 100)])
    assert (one.percent, one.completed) == (50.0, False)
    assert course_progress(optional, [Attempt("x", 2), Attempt("y", 3)]).completed
    assert not course_progress([], []).completed and course_progress([], []).percent == 0.0
    thirds = course_progress([AssignmentRule(n, 1, 1) for n in "pqr"], [Attempt("p", 1)])
    assert thirds.percent == 33.3
