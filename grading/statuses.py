"""The one set of submission statuses: the database rows, the grading queue, grading's results, the JSON API and the
widgets all name a submission's state with these values (the stored strings never change: rows and JSON stay as
they were).

It lives in grading/ because grading/ is the lowest layer that speaks of statuses and imports nothing of hub/,
courses/ or competitions/: competitions/ (her limits), hub/ (rows, queue, API) and widgets/ (in her kernel, where
hub/ is never imported) all import it from here and nothing points back. ``import grading`` is cheap (nbgrader is
loaded only when a notebook is graded), so the widgets pay nothing for it.
"""
from __future__ import annotations

from enum import StrEnum


class SubmissionStatus(StrEnum):
    """Where a submission is. A StrEnum: equal to its stored string, and written to JSON as that string."""

    received = "received"  # stored durably (row, bytes, sha256): she has been told "已收到"
    queued = "queued"  # put back in line by an organizer's rescore
    grading = "grading"  # in a grading run now
    retrying = "retrying"  # the platform failed to grade it; the queue grades it again after a delay
    graded = "graded"  # scored
    timeout = "timeout"  # her code ran past the time limit: scored with the points earned before it
    invalid = "invalid"  # not a gradable notebook (broken, tampered with): no score, a reason
    failed = "failed"  # the platform gave up after its own retries: no score; it does not count against her
    # grading/'s result for a platform failure (GradeResult.status only): the queue turns it into retrying or
    # failed, so a submission row or an API answer never carries it.
    error = "error"

    @property
    def final(self) -> bool:
        """True when nothing more will happen to it by itself: a widget stops asking."""
        return self in FINAL


WAITING = frozenset({SubmissionStatus.received, SubmissionStatus.queued, SubmissionStatus.grading,
                     SubmissionStatus.retrying})
FINAL = frozenset({SubmissionStatus.graded, SubmissionStatus.timeout, SubmissionStatus.invalid,
                   SubmissionStatus.failed})
# What grading/ itself answers for one hand-in (GradeResult.status).
RESULTS = (SubmissionStatus.graded, SubmissionStatus.timeout, SubmissionStatus.error, SubmissionStatus.invalid)


def is_final(status: str) -> bool:
    """``final`` for a stored or received string; an unknown one is not final (keep asking, never guess an end)."""
    return status in FINAL


def with_final(answer: dict) -> dict:
    """An API answer carrying a submission ``status``, with ``final: true|false`` beside it (widgets decide from it)."""
    return {**answer, "final": is_final(answer["status"])}
