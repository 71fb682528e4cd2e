"""The platform database: one typed SQLAlchemy 2 model per thing the unions keep.

Schema changes go through Alembic (hub/store/migrations); never ``create_all`` in production.

One module over 400 lines on purpose: it is the whole schema, the one file Alembic's autogenerate compares and
a migration is checked against; the models' relationships name each other, and split across files they would
import each other in a circle (or by strings that nothing checks).
"""
from __future__ import annotations

import enum
from datetime import date, datetime, timezone
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Enum,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    event,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from grading.statuses import SubmissionStatus


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def aware(when: datetime) -> datetime:
    """A stored time with its zone: SQLite gives back naive UTC."""
    return when if when.tzinfo else when.replace(tzinfo=timezone.utc)


class Base(DeclarativeBase):
    type_annotation_map = {datetime: DateTime(timezone=True), dict[str, Any]: JSON}


# Field lengths are part of the contract with the sign-up form (hub/people/members.py, read_profile).
NAME_LEN = 32
REAL_NAME_LEN = 40
PHONE_LEN = 20


class Role(str, enum.Enum):
    learner = "learner"
    instructor = "instructor"
    organizer = "organizer"
    admin = "admin"


class MemberStatus(str, enum.Enum):
    pending = "pending"
    approved = "approved"
    rejected = "rejected"
    disabled = "disabled"


class UnitLevel(str, enum.Enum):
    province = "province"
    city = "city"
    grassroots = "grassroots"


class OrgUnit(Base):
    """A union in the hierarchy province → city → grassroots union (基层工会)."""

    __tablename__ = "org_units"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(128))
    level: Mapped[UnitLevel] = mapped_column(Enum(UnitLevel, native_enum=False, length=16))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"))
    region_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id"))
    parent: Mapped[OrgUnit | None] = relationship(remote_side=[id])

    def path_name(self) -> str:
        names, unit = [], self
        while unit is not None:
            names.append(unit.name)
            unit = unit.parent
        return " · ".join(reversed(names))


class Region(Base):
    """A region used for divisions and statistics (区域)."""

    __tablename__ = "regions"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(64))


class Industry(Base):
    __tablename__ = "industries"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(64))


class EmploymentForm(Base):
    """How she is employed; ``is_new_form`` marks 新就业形态 (riders, drivers, online sellers...)."""

    __tablename__ = "employment_forms"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(64))
    is_new_form: Mapped[bool] = mapped_column(Boolean, default=False)


class Member(Base):
    """A person on the platform, linked to her JupyterHub user name."""

    __tablename__ = "members"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(NAME_LEN), unique=True)
    real_name: Mapped[str] = mapped_column(String(REAL_NAME_LEN))
    # "female" | "male", asked at sign-up; None = 未填写 (members from before revision 0010 were never asked)
    gender: Mapped[str | None] = mapped_column(String(8))
    phone: Mapped[str | None] = mapped_column(String(PHONE_LEN))
    role: Mapped[Role] = mapped_column(Enum(Role, native_enum=False, length=16), default=Role.learner)
    status: Mapped[MemberStatus] = mapped_column(
        Enum(MemberStatus, native_enum=False, length=16), default=MemberStatus.pending
    )
    org_unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"))
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"))
    industry_id: Mapped[int] = mapped_column(ForeignKey("industries.id"))
    employment_form_id: Mapped[int] = mapped_column(ForeignKey("employment_forms.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    approved_at: Mapped[datetime | None]
    approved_by: Mapped[str | None] = mapped_column(String(NAME_LEN))

    org_unit: Mapped[OrgUnit] = relationship(lazy="joined")
    region: Mapped[Region] = relationship(lazy="joined")
    industry: Mapped[Industry] = relationship(lazy="joined")
    employment_form: Mapped[EmploymentForm] = relationship(lazy="joined")


class Course(Base):
    __tablename__ = "courses"
    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(128))
    summary: Mapped[str] = mapped_column(Text, default="")
    published_at: Mapped[datetime | None]
    published_by: Mapped[str | None] = mapped_column(String(NAME_LEN))


class Enrolment(Base):
    __tablename__ = "enrolments"
    __table_args__ = (UniqueConstraint("member_id", "course_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"))
    role: Mapped[Role] = mapped_column(Enum(Role, native_enum=False, length=16), default=Role.learner)
    enrolled_at: Mapped[datetime] = mapped_column(default=utcnow)
    completed_at: Mapped[datetime | None]
    course: Mapped[Course] = relationship(lazy="joined")


class Assignment(Base):
    __tablename__ = "assignments"
    __table_args__ = (UniqueConstraint("course_id", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"))
    name: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(128), default="")
    due_at: Mapped[datetime | None]
    released_at: Mapped[datetime | None]
    max_score: Mapped[float] = mapped_column(Float, default=0.0)
    pass_score: Mapped[float] = mapped_column(Float, default=0.0)


class Competition(Base):
    __tablename__ = "competitions"
    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    spec_yaml: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="draft")
    opened_at: Mapped[datetime | None]


class StatusColumn(TypeDecorator):
    """A submission's status: stored as its plain string in VARCHAR(16) as ever (no migration), read back as a
    SubmissionStatus (grading/statuses.py, the one set shared with the queue, the API and the widgets); writing a
    name outside that set fails at once instead of leaving a row no one ever finishes."""

    impl = String(16)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Any) -> str | None:
        return None if value is None else SubmissionStatus(value).value

    def process_result_value(self, value: Any, dialect: Any) -> SubmissionStatus | None:
        return None if value is None else SubmissionStatus(value)


class Submission(Base):
    """A notebook handed in: its bytes and checksum are stored before she is told "received"."""

    __tablename__ = "submissions"
    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    assignment_id: Mapped[int | None] = mapped_column(ForeignKey("assignments.id"), index=True)
    competition_id: Mapped[int | None] = mapped_column(ForeignKey("competitions.id"), index=True)
    task: Mapped[str] = mapped_column(String(64), default="")
    filename: Mapped[str] = mapped_column(String(255))
    notebook: Mapped[bytes] = mapped_column(LargeBinary)
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    status: Mapped[SubmissionStatus] = mapped_column(StatusColumn, default=SubmissionStatus.received, index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    message: Mapped[str] = mapped_column(Text, default="")
    received_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    graded_at: Mapped[datetime | None]
    # Grading on Celery workers (hub/submissions/celery_backend.py): when it was last handed to the broker, the
    # worker claim holding it and until when (a compare-and-set takes it), task deliveries seen (duplicates
    # included), the claim that wrote its grade, and when the service took that grade in (callbacks).
    published_at: Mapped[datetime | None]
    lease_owner: Mapped[str | None] = mapped_column(String(96))
    lease_until: Mapped[datetime | None]
    deliveries: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    graded_by: Mapped[str | None] = mapped_column(String(96))
    synced_at: Mapped[datetime | None]
    # after a platform failure, not published again before this (a growing delay: celery_backend.retry_delay)
    retry_at: Mapped[datetime | None]


class GradingBundle(Base):
    """An assignment's source and hidden tests (+ nbgrader_config.py) as a tar.gz, named by its sha256: what a
    Celery grading worker needs besides the notebook, so workers share no disk with the service."""

    __tablename__ = "grading_bundles"
    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class AutogradedHandIn(Base):
    """What a Celery worker's scratch course made of one hand-in (its autograded folder as a tar.gz: notebooks with
    their outputs, timestamp.txt), written under the worker's claim with the grade; the service writes it into the
    course's nbgrader folder and gradebook (hub/submissions/writeback.py) and sets ``written_at``. Keyed by the
    hand-in's first submission; ``parts`` lists all its submissions (one per notebook)."""

    __tablename__ = "autograded_hand_ins"
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id"), primary_key=True)
    parts: Mapped[list[int]] = mapped_column(JSON, default=list)
    files: Mapped[bytes] = mapped_column(LargeBinary)
    score: Mapped[float] = mapped_column(Float)  # the worker's score of the hand-in, checked after the write-back
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    written_at: Mapped[datetime | None]


class Grade(Base):
    """The score of one submission; one row per submission so a result written twice is written once."""

    __tablename__ = "grades"
    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id"), unique=True)
    score: Mapped[float] = mapped_column(Float)
    max_score: Mapped[float] = mapped_column(Float)
    public_score: Mapped[float | None] = mapped_column(Float)
    needs_manual: Mapped[bool] = mapped_column(Boolean, default=False)
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)
    graded_at: Mapped[datetime] = mapped_column(default=utcnow)


class AuditLog(Base):
    """Append-only record of every privileged action: who, when, what, why."""

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(NAME_LEN))
    action: Mapped[str] = mapped_column(String(64), index=True)
    target_type: Mapped[str] = mapped_column(String(32))
    target_id: Mapped[str] = mapped_column(String(64))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    reason: Mapped[str] = mapped_column(Text, default="")


class AppendOnlyError(RuntimeError):
    pass


@event.listens_for(AuditLog, "before_update")
@event.listens_for(AuditLog, "before_delete")
def _refuse_audit_change(mapper: Any, connection: Any, target: AuditLog) -> None:
    # The database refuses too (triggers in the migration); this gives a clear Python error first.
    raise AppendOnlyError("审计日志只能追加 / the audit log is append-only")


class NominationRound(Base):
    """One nomination round (五一巾帼奖, 五一劳动奖章 list, studio cultivation): its YAML and where the procedure
    stands. The rules are competitions.nominations'; hub/nominations/rounds.py is the only writer."""

    __tablename__ = "nomination_rounds"
    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    award: Mapped[str] = mapped_column(String(32))
    year: Mapped[int] = mapped_column(Integer)
    spec_yaml: Mapped[str] = mapped_column(Text)
    stage: Mapped[str] = mapped_column(String(16), default="draft")  # draft | review | notice | final
    notice_days: Mapped[int] = mapped_column(Integer)
    selection_problem: Mapped[str] = mapped_column(Text, default="")  # "zh / en" when the women's share is short
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str] = mapped_column(String(NAME_LEN))
    drafted_at: Mapped[datetime | None]  # None until the list is computed (again, after an import)
    notice_starts_at: Mapped[datetime | None]
    notice_ends_at: Mapped[datetime | None]
    finalized_at: Mapped[datetime | None]


class NominationEntry(Base):
    """A candidate of a round, from the platform (member_id) or imported from a file, and whether she is listed."""

    __tablename__ = "nomination_entries"
    __table_args__ = (UniqueConstraint("round_id", "candidate_key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("nomination_rounds.id"), index=True)
    candidate_key: Mapped[str] = mapped_column(String(64))  # "member:12" | "ext:3" (row of the imported file)
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    source: Mapped[str] = mapped_column(String(16))  # platform | import
    name: Mapped[str] = mapped_column(String(64))
    unit: Mapped[str] = mapped_column(String(128), default="")
    region: Mapped[str] = mapped_column(String(64), default="")
    gender: Mapped[str | None] = mapped_column(String(8))  # None: not recorded, never counted as a woman
    merit: Mapped[float] = mapped_column(Float, default=0.0)
    achievement: Mapped[str] = mapped_column(Text, default="")  # the public line of the notice
    eligible: Mapped[bool] = mapped_column(Boolean, default=True)
    included: Mapped[bool] = mapped_column(Boolean, default=False)
    rank: Mapped[int | None] = mapped_column(Integer)  # place in merit order among the eligible
    reason: Mapped[str] = mapped_column(Text, default="")


class NominationReview(Base):
    """A reviewer's comment or vote on a candidate; a changed vote is a new row (the latest counts)."""

    __tablename__ = "nomination_reviews"
    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("nomination_rounds.id"), index=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("nomination_entries.id"))
    reviewer: Mapped[str] = mapped_column(String(NAME_LEN))
    comment: Mapped[str | None] = mapped_column(Text)
    vote: Mapped[bool | None] = mapped_column(Boolean)  # True for, False against; None for a comment
    at: Mapped[datetime] = mapped_column(default=utcnow)


class NominationObjection(Base):
    """An objection filed during the public notice, and the organizer's recorded answer."""

    __tablename__ = "nomination_objections"
    __table_args__ = (UniqueConstraint("round_id", "number"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("nomination_rounds.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)  # 1, 2, ... within the round, as the procedure numbers them
    entry_id: Mapped[int] = mapped_column(ForeignKey("nomination_entries.id"))
    member: Mapped[str] = mapped_column(String(NAME_LEN))
    text: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    answer: Mapped[str] = mapped_column(Text, default="")
    answered_by: Mapped[str | None] = mapped_column(String(NAME_LEN))
    answered_at: Mapped[datetime | None]


class CompetitionEntry(Base):
    """She joined a competition (from the zone): the collective board counts entrants per union."""

    __tablename__ = "competition_entries"
    __table_args__ = (UniqueConstraint("competition_id", "member_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    competition_id: Mapped[int] = mapped_column(ForeignKey("competitions.id"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    joined_at: Mapped[datetime] = mapped_column(default=utcnow)


class Disqualification(Base):
    """An organizer's decision that she no longer competes (reason required; lifting it is a new audit entry)."""

    __tablename__ = "competition_disqualifications"
    __table_args__ = (UniqueConstraint("competition_id", "member_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    competition_id: Mapped[int] = mapped_column(ForeignKey("competitions.id"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    reason: Mapped[str] = mapped_column(Text)
    decided_by: Mapped[str] = mapped_column(String(NAME_LEN))
    decided_at: Mapped[datetime] = mapped_column(default=utcnow)


# --- surveys (issue 7) ---
class Survey(Base):
    """A questionnaire (调查问卷): its YAML and whether members may answer it. hub/surveys/responses.py is the only writer."""

    __tablename__ = "surveys"
    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    spec_yaml: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="draft")  # draft | open | closed
    created_by: Mapped[str] = mapped_column(String(NAME_LEN))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    opened_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]


class SurveyResponse(Base):
    """One member's answers to a survey (she may change them until it closes), with her breakdown groups as they
    were when she answered. Only aggregates with small groups suppressed are ever shown."""

    __tablename__ = "survey_responses"
    __table_args__ = (UniqueConstraint("survey_id", "member_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    answers: Mapped[dict[str, Any]] = mapped_column(JSON)
    groups: Mapped[dict[str, Any]] = mapped_column(JSON)  # {"region": "浙江省", "unit": "...", ...}
    answered_at: Mapped[datetime] = mapped_column(default=utcnow)
    changed_at: Mapped[datetime | None]


# --- studios (issue 7) ---
class Studio(Base):
    """A women workers' innovation studio (女职工创新工作室): a named team around a leading woman worker, in a union
    unit. The rules are competitions.nominations.studios'; hub/nominations/studios.py is the only writer."""

    __tablename__ = "studios"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    leader_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    org_unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"))
    summary: Mapped[str] = mapped_column(Text, default="")  # public: what the studio works on
    created_by: Mapped[str] = mapped_column(String(NAME_LEN))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    leader: Mapped[Member] = relationship(lazy="joined")
    org_unit: Mapped[OrgUnit] = relationship(lazy="joined")


class StudioMember(Base):
    """She works in the studio (the leader is a member too) while ``left_at`` is empty. A removed member keeps her
    row (history; her achievements stay credited to her); added again, the same row is reopened — one row per
    person and studio, the audit log keeps every earlier removal."""

    __tablename__ = "studio_members"
    __table_args__ = (UniqueConstraint("studio_id", "member_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    studio_id: Mapped[int] = mapped_column(ForeignKey("studios.id"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    added_by: Mapped[str] = mapped_column(String(NAME_LEN))
    added_at: Mapped[datetime] = mapped_column(default=utcnow)
    left_at: Mapped[datetime | None]  # removed by an organizer; None while she is a member
    removed_by: Mapped[str | None] = mapped_column(String(NAME_LEN))
    member: Mapped[Member] = relationship(lazy="joined")


class StudioAchievement(Base):
    """An innovation or achievement an organizer recorded (专利, 技术革新, 合理化建议, 获奖...), credited to one member;
    the showcase shows it only when ``public`` and not withdrawn. Nomination rounds count it (source kind
    studio_achievements) unless it is withdrawn."""

    __tablename__ = "studio_achievements"
    id: Mapped[int] = mapped_column(primary_key=True)
    studio_id: Mapped[int] = mapped_column(ForeignKey("studios.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))  # a key of competitions.nominations.studios.KINDS
    achieved_on: Mapped[date] = mapped_column(Date)
    description: Mapped[str] = mapped_column(Text, default="")
    public: Mapped[bool] = mapped_column(Boolean, default=True)
    credited_to: Mapped[int] = mapped_column(ForeignKey("members.id"))
    recorded_by: Mapped[str] = mapped_column(String(NAME_LEN))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
    # 撤回: kept (no data lost) but no longer counted by rounds nor shown on the showcase; organizers see why
    withdrawn_at: Mapped[datetime | None]
    withdrawn_by: Mapped[str | None] = mapped_column(String(NAME_LEN))
    withdrawal_reason: Mapped[str | None] = mapped_column(Text)


# --- certificates and course publishing (issue 5) ---
class Certificate(Base):
    """A course completion certificate: one per member and course. Name, course title and issuing union are kept as
    printed, so the certificate and its public verification page say the same thing for ever."""

    __tablename__ = "certificates"
    __table_args__ = (UniqueConstraint("member_id", "course_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)  # unguessable; the public page looks it up
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"))
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    name: Mapped[str] = mapped_column(String(REAL_NAME_LEN))
    course_title: Mapped[str] = mapped_column(String(128))
    issuer: Mapped[str] = mapped_column(String(128))


# --- course exchange and feedback (issue 5) ---
class AssignmentFetch(Base):
    """She fetched a released assignment through the exchange: when first and last, how often (the instructor's
    "who started")."""

    __tablename__ = "assignment_fetches"
    __table_args__ = (UniqueConstraint("member_id", "assignment_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignments.id"), index=True)
    first_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_at: Mapped[datetime] = mapped_column(default=utcnow)
    count: Mapped[int] = mapped_column(Integer, default=1)


class SubmissionFeedback(Base):
    """Learner-safe feedback HTML of one graded submission ({notebook: html}, hidden tests stripped), kept so an
    older submission's feedback stays what it was when a newer one is graded."""

    __tablename__ = "submission_feedback"
    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id"), unique=True)
    html: Mapped[dict[str, Any]] = mapped_column(default=dict)
    generated_at: Mapped[datetime] = mapped_column(default=utcnow)
