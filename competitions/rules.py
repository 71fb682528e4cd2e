"""Who may compete, when, and how often: each answer is a Decision saying why and when to try again."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Literal, Protocol

from competitions.divisions import in_division
from competitions.model import Decision, EligibilityContext, Member, counts_against_limit
from competitions.spec import Competition, Phase

OK = Decision(True, "ok", "可以提交", "you may submit")


class AttemptLike(Protocol):
    task: str
    submitted_at: datetime
    status: str
    phase: str | None


def _aware(now: datetime) -> None:
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("times given to the competition rules must carry a time zone")


def _fmt(spec: Competition, when: datetime) -> str:
    return when.astimezone(spec.tz).strftime("%Y-%m-%d %H:%M")


def eligibility(member: Member, spec: Competition, context: EligibilityContext | None = None,
                phase: Phase | None = None) -> Decision:
    """May she compete at all (and, given ``phase``, enter that phase)?"""
    ctx = context or EligibilityContext()
    rules = spec.eligibility
    if member.status != "approved":
        return Decision(False, "not_approved", "账号尚未通过审核，不能参赛", "your account is not approved yet")
    if ctx.disqualified:
        reason = ctx.disqualified_reason
        return Decision(False, "disqualified", "已被取消参赛资格" + (f"：{reason}" if reason else ""),
                        "you have been disqualified" + (f": {reason}" if reason else ""))
    if rules.units and not set(member.units) & set(rules.units):
        return Decision(False, "unit", "你所在的工会不在本竞赛的参赛范围内",
                        "your union is not among the units this competition is open to")
    if rules.divisions and not any(in_division(member, spec, d) for d in rules.divisions):
        names = "、".join(d.title for d in spec.divisions if d.key in rules.divisions)
        return Decision(False, "division", f"本竞赛仅限以下组别参加：{names}",
                        f"this competition is only open to: {', '.join(rules.divisions)}")
    missing = [c for c in rules.courses_passed if c not in ctx.passed_courses]
    if missing:
        return Decision(False, "course", f"需先通过课程：{'、'.join(missing)}",
                        f"you must first pass the course(s): {', '.join(missing)}")
    if phase is not None and phase.entry and phase.key not in ctx.qualified_phases:
        src = spec.phase(phase.entry.from_phase)
        return Decision(False, "not_qualified",
                        f"{phase.title}仅限{src.title}前 {phase.entry.top} 名参加",
                        f"{phase.key} is only open to the top {phase.entry.top} of {src.key}")
    return OK


def _next_phase(spec: Competition, now: datetime, task: str | None = None) -> Phase | None:
    return next((ph for ph in spec.phases if ph.opens_at > now and (task is None or ph.task(task))), None)


def _in_phase(spec: Competition, attempt: AttemptLike, phase: Phase) -> bool:
    if attempt.phase is not None:
        return attempt.phase == phase.key
    return phase.opens_at <= attempt.submitted_at < phase.closes_at


@dataclass(frozen=True, slots=True)
class Quota:
    """Her submissions so far in the phase (and today); None where there is no limit."""

    used_today: int
    used_phase: int
    left_today: int | None
    left_phase: int | None


def quota(spec: Competition, phase: Phase, task: str, now: datetime, history: Iterable[AttemptLike]) -> Quota:
    limits = spec.limits_for(phase)
    today = now.astimezone(spec.tz).date()
    used_today = used_phase = 0
    for a in history:
        if not counts_against_limit(a.status) or not _in_phase(spec, a, phase):
            continue
        if limits.scope == "task" and a.task != task:
            continue
        used_phase += 1
        used_today += a.submitted_at.astimezone(spec.tz).date() == today
    return Quota(used_today, used_phase,
                 None if limits.per_day is None else max(0, limits.per_day - used_today),
                 None if limits.per_phase is None else max(0, limits.per_phase - used_phase))


def next_midnight(spec: Competition, now: datetime) -> datetime:
    """The next day boundary in the competition's time zone."""
    local = now.astimezone(spec.tz)
    return datetime.combine(local.date() + timedelta(days=1), time(0), tzinfo=spec.tz)


def check_submission(spec: Competition, member: Member, task: str, now: datetime,
                     history: Iterable[AttemptLike], context: EligibilityContext | None = None) -> Decision:
    """May she submit ``task`` at ``now``, given her earlier submissions in ``history``?"""
    _aware(now)
    if not any(ph.task(task) for ph in spec.phases):
        return Decision(False, "unknown_task", f"本竞赛没有题目 {task}", f"this competition has no task {task}")
    decision = eligibility(member, spec, context)
    if not decision:
        return decision
    phase = spec.phase_at(now)
    if phase is None:
        upcoming = _next_phase(spec, now, task)
        if now >= spec.phases[-1].closes_at:
            return Decision(False, "closed", "竞赛已结束，提交已截止", "the competition is over; submissions are closed")
        if upcoming is None:  # only the task's phases are over, later ones do not have it
            return Decision(False, "closed", "该题目的提交已截止", "submissions for this task are closed")
        code = "not_open" if now < spec.phases[0].opens_at else "between_phases"
        return Decision(False, code, f"尚未开放提交，{upcoming.title}于 {_fmt(spec, upcoming.opens_at)} 开始",
                        f"not open yet; {upcoming.key} opens at {upcoming.opens_at.isoformat()}", upcoming.opens_at)
    if phase.task(task) is None:
        later = _next_phase(spec, now, task)
        return Decision(False, "task_not_in_phase", f"题目 {task} 不属于当前的{phase.title}",
                        f"task {task} is not part of the current phase {phase.key}",
                        later.opens_at if later else None)
    decision = eligibility(member, spec, context, phase)
    if not decision:
        return decision
    limits = spec.limits_for(phase)
    used = quota(spec, phase, task, now, history)
    if used.left_phase == 0:
        return Decision(False, "phase_limit", f"本阶段的 {limits.per_phase} 次提交机会已用完",
                        f"you have used all {limits.per_phase} submissions of this phase")
    if used.left_today == 0:
        again = next_midnight(spec, now)
        if again >= phase.closes_at:
            return Decision(False, "daily_limit", f"今天的 {limits.per_day} 次提交已用完，本阶段结束前不能再提交",
                            f"you have used today's {limits.per_day} submissions; the phase closes before tomorrow")
        return Decision(False, "daily_limit", f"今天的 {limits.per_day} 次提交已用完，{_fmt(spec, again)} 后可再提交",
                        f"you have used today's {limits.per_day} submissions; try again after {again.isoformat()}",
                        again)
    return OK


# -- the clock of a phase: countdown, freeze, private board ------------------------------------

def freeze_at(spec: Competition, phase: Phase) -> datetime | None:
    freeze = spec.freeze_for(phase)
    return phase.closes_at - freeze if freeze else None


def public_cutoff(spec: Competition, phase: Phase, now: datetime) -> datetime | None:
    """The cutoff the public board uses at ``now``: the freeze time once it has passed, else None."""
    _aware(now)
    at = freeze_at(spec, phase)
    return at if at is not None and now >= at else None


def private_visible(phase: Phase, now: datetime) -> bool:
    """The private board (every test) is shown once the phase has closed."""
    return now >= phase.closes_at


@dataclass(frozen=True, slots=True)
class Clock:
    """What the Countdown widget shows."""

    state: Literal["before", "open", "between", "after"]
    phase: str | None  # the open phase, else the next one (None when it is all over)
    opens_at: datetime | None
    closes_at: datetime | None
    seconds_left: float | None  # to the close of the open phase, or to the opening of the next
    frozen: bool


def clock(spec: Competition, now: datetime) -> Clock:
    _aware(now)
    phase = spec.phase_at(now)
    if phase is not None:
        return Clock("open", phase.key, phase.opens_at, phase.closes_at,
                     (phase.closes_at - now).total_seconds(), public_cutoff(spec, phase, now) is not None)
    upcoming = _next_phase(spec, now)
    if upcoming is None:
        return Clock("after", None, None, None, None, False)
    state = "before" if now < spec.phases[0].opens_at else "between"
    return Clock(state, upcoming.key, upcoming.opens_at, upcoming.closes_at,
                 (upcoming.opens_at - now).total_seconds(), False)
