"""Plain data the core takes and gives: who competes, what she handed in, what the rules decided.

The hub builds these from its database rows; nothing here knows about a database.
"""
from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from grading.statuses import SubmissionStatus as S

MemberId = Hashable  # the hub uses its integer member ids; any orderable, hashable id works

Kind = Literal["public", "private"]

# Submission statuses. A submission still on its way or graded counts against her limits, and so do
# ones that failed by her own doing (an invalid file, code that ran too long). A submission the
# platform failed to grade is its fault, not hers: it never counts and is retried by the hub.
# The names are grading/statuses.py's, the one set the hub, its API and the widgets share.
PENDING = frozenset({S.received, S.queued, S.grading})
HER_FAULT = frozenset({S.invalid, S.timeout})
PLATFORM_FAULT = frozenset({S.error, S.failed, S.retrying})
GRADED = S.graded


def counts_against_limit(status: str) -> bool:
    return status in PENDING or status in HER_FAULT or status == GRADED


def counts_as_submission(status: str) -> bool:
    """Finished submissions of hers; the 'fewer submissions' tie-break counts these."""
    return status == GRADED or status in HER_FAULT


@dataclass(frozen=True, slots=True)
class Member:
    """What her profile says, as far as competitions care."""

    id: MemberId
    real_name: str = ""
    status: str = "approved"  # pending | approved | rejected | disabled
    units: tuple[str, ...] = ()  # codes of her union and every union above it, top first
    unit_name: str = ""  # her own union's name, for public pages
    region: str = ""
    industry: str = ""
    employment_form: str = ""
    new_form: bool = False  # her employment form is a 新就业形态

    @property
    def unit(self) -> str:
        return self.units[-1] if self.units else ""


@dataclass(frozen=True, slots=True)
class Attempt:
    """One earlier submission, as the limits see it. A ScoreRecord serves as well."""

    task: str
    submitted_at: datetime
    status: str = S.received
    phase: str | None = None  # None: the phase open at submitted_at


@dataclass(frozen=True, slots=True)
class ScoreRecord:
    """One submission and its scores. ``public_score`` uses the public subset of the tests,
    scaled to the task's max score; ``private_score`` uses all of them. ``id`` (the submission id)
    makes a rescore replace the earlier result instead of adding one."""

    member: MemberId
    task: str
    phase: str
    public_score: float | None
    private_score: float | None
    submitted_at: datetime
    status: str = GRADED
    id: Hashable | None = None

    @property
    def key(self) -> Hashable:
        return self.id if self.id is not None else (self.member, self.phase, self.task, self.submitted_at)

    def score(self, kind: Kind) -> float | None:
        return self.public_score if kind == "public" else self.private_score


@dataclass(frozen=True, slots=True)
class Decision:
    """What the rules say about a request: ``code`` is stable for programs, zh/en are for her."""

    allowed: bool
    code: str
    zh: str
    en: str
    retry_at: datetime | None = None

    def __bool__(self) -> bool:
        return self.allowed

    @property
    def message(self) -> str:
        return f"{self.zh} / {self.en}"


@dataclass(frozen=True, slots=True)
class EligibilityContext:
    """Facts about her that are not in her profile."""

    passed_courses: frozenset[str] = frozenset()
    qualified_phases: frozenset[str] = frozenset()  # phases with an entry rule she has advanced to
    disqualified: bool = False
    disqualified_reason: str = ""


@dataclass(frozen=True, slots=True)
class Standing:
    """Her result in one phase on one kind of board, before ranking."""

    member: MemberId
    total: float
    reached_at: datetime  # when her total became what it is
    submissions: int
    scores: Mapping[str, float] = field(default_factory=dict)  # task → the score that counts


@dataclass(frozen=True, slots=True)
class BoardRow:
    rank: int  # 1,2,2,4 for true ties after every tie-break
    member: MemberId
    total: float
    reached_at: datetime
    submissions: int
    scores: Mapping[str, float]


@dataclass(frozen=True, slots=True)
class Board:
    phase: str
    kind: Kind
    division: str
    cutoff: datetime | None  # a frozen board ignores submissions from this time on
    rows: list[BoardRow]
