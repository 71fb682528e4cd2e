"""Who a nomination round's sources put forward, read from the platform database: members with competition grades,
completed courses and studio achievements credited to them, or (award ``studio``) studios scored on their members'
results and recorded innovations; each with its eligibility and the public line of its achievements.

Eligibility, in the order a reason is given: approved member (a studio: its leader), in the round's unions, not on a
final list of the same award within N years, not disqualified from a platform competition (exclude_disqualified).
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

import competitions as competition_rules
from competitions.nominations import spec as round_spec
from competitions.nominations import studios as studio_rules
from competitions.nominations.quota import Candidate
from hub.nominations import studios
from hub.store.orm import (Competition, Course, Disqualification, Enrolment, Grade, Member, MemberStatus, NominationEntry,
                     NominationRound, OrgUnit, Submission)


@dataclass
class _Result:
    """What one member brought to the round: merit points and the public line describing them."""

    merit: float = 0.0
    achievements: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Found:
    """A candidate from the platform: a member (``member_id``) or a studio (``member_id`` None)."""

    candidate: Candidate
    member_id: int | None
    achievement: str


def _competition_results(s: Session, ref: str, weight: float, results: dict[int, _Result]) -> None:
    comp = s.scalar(select(Competition).where(Competition.slug == ref))
    if comp is None:
        return
    try:  # every task of every phase counts by its weight; a task she never did counts 0
        task_weights: dict[str, float] = {}
        for phase in competition_rules.load_competition(comp.spec_yaml).phases:
            for task in phase.tasks:
                task_weights.setdefault(task.assignment, task.weight)
    except Exception:  # an old row whose spec no longer loads: the tasks she did, equally
        task_weights = {}
    best = s.execute(select(Submission.member_id, Submission.task, func.max(Grade.score / Grade.max_score))
                     .join(Grade, Grade.submission_id == Submission.id)
                     .where(Submission.competition_id == comp.id, Grade.max_score > 0)
                     .group_by(Submission.member_id, Submission.task)).all()
    per_member: dict[int, dict[str, float]] = defaultdict(dict)
    for member_id, task, ratio in best:
        per_member[member_id][task] = float(ratio)
    for member_id, ratios in per_member.items():
        weights = task_weights or {t: 1.0 for t in ratios}
        percent = 100 * sum(w * ratios.get(t, 0.0) for t, w in weights.items()) / sum(weights.values())
        result = results[member_id]
        result.merit += weight * percent
        result.achievements.append(f"参加《{comp.title}》")  # public: the merit column keeps the points


def _course_results(s: Session, ref: str, weight: float, results: dict[int, _Result]) -> None:
    course = s.scalar(select(Course).where(Course.slug == ref))
    if course is None:
        return
    for member_id in s.scalars(select(Enrolment.member_id).where(Enrolment.course_id == course.id,
                                                                  Enrolment.completed_at.is_not(None))):
        results[member_id].merit += weight * 100  # a completed course counts as full marks
        results[member_id].achievements.append(f"完成课程《{course.title}》")


def _studio_achievement_results(s: Session, weight: float, results: dict[int, _Result]) -> None:
    for member_id, (merit, lines) in studio_rules.member_achievement_merit(studios.all_achievements(s), weight).items():
        results[member_id].merit += merit
        results[member_id].achievements.extend(lines)


def member_results(s: Session, spec: round_spec.NominationRound) -> dict[int, _Result]:
    results: dict[int, _Result] = defaultdict(_Result)
    for source in spec.sources:
        if source.kind == "competition":
            _competition_results(s, source.ref, source.weight, results)
        elif source.kind == "course":
            _course_results(s, source.ref, source.weight, results)
        elif source.kind == "studio_achievements" and spec.award != "studio":  # a studio round scores studios
            _studio_achievement_results(s, source.weight, results)
    return results


def awarded_before(s: Session, row: NominationRound, years: int | None) -> dict[str, int]:
    """candidate key → year of a final list of the same award within ``years`` years (not this round)."""
    if not years:
        return {}
    rows = s.execute(select(NominationEntry.candidate_key, NominationRound.year)
                     .join(NominationRound, NominationRound.id == NominationEntry.round_id)
                     .where(NominationRound.award == row.award, NominationRound.stage == "final",
                            NominationRound.id != row.id, NominationRound.year > row.year - years,
                            NominationRound.year <= row.year, NominationEntry.included.is_(True))).all()
    return {key: year for key, year in rows}


def disqualifications(s: Session) -> dict[int, tuple[str, str]]:
    """member id → (competition title, the organizer's reason) of a standing disqualification."""
    rows = s.execute(select(Disqualification.member_id, Competition.title, Disqualification.reason)
                     .join(Competition, Competition.id == Disqualification.competition_id)
                     .order_by(Disqualification.id)).all()
    out: dict[int, tuple[str, str]] = {}
    for member_id, title, reason in rows:
        out.setdefault(member_id, (title, reason))
    return out


def _unit_codes(unit: OrgUnit | None) -> set[str]:
    codes = set()
    while unit is not None:
        codes.add(unit.code)
        unit = unit.parent
    return codes


def _why_not(spec: round_spec.NominationRound, leader: Member, unit: OrgUnit, key: str, awarded: dict[str, int],
             disqualified: dict[int, tuple[str, str]], studio: bool = False) -> str:
    """'' when eligible, else 'zh / en'. For a studio, ``leader`` is its leader and her disqualification only
    makes her own results count 0 (see _studio_candidates), not the team ineligible."""
    allowed = {MemberStatus.approved} if spec.eligibility.approved_members_only else {
        MemberStatus.approved, MemberStatus.pending}
    if leader.status not in allowed:
        return ("领衔人未通过会员审核 / the leader is not an approved member" if studio
                else "未通过会员审核 / not an approved member")
    if spec.eligibility.units and not _unit_codes(unit) & set(spec.eligibility.units):
        return "不属于本轮推荐范围的工会 / not in the round's unions"
    if key in awarded:
        return f"{awarded[key]} 年已获此奖项 / received this award in {awarded[key]}"
    if spec.eligibility.exclude_disqualified and not studio and leader.id in disqualified:
        title, reason = (text.replace(" / ", "/") for text in disqualified[leader.id])  # " / " splits zh from en
        return f"在竞赛《{title}》中被取消资格（{reason}） / disqualified from {title}: {reason}"
    return ""


def platform_candidates(s: Session, row: NominationRound, spec: round_spec.NominationRound) -> list[Found]:
    """The round's candidates from the platform, each eligible or with the reason she (it) is not."""
    results = member_results(s, spec)
    awarded = awarded_before(s, row, spec.eligibility.not_awarded_within_years)
    disqualified = disqualifications(s) if spec.eligibility.exclude_disqualified else {}
    if spec.award == "studio":
        return _studio_candidates(s, spec, results, awarded, disqualified)
    if not results:
        return []
    out = []
    for m in s.scalars(select(Member).where(Member.id.in_(results)).order_by(Member.id)):
        key = f"member:{m.id}"
        why = _why_not(spec, m, m.org_unit, key, awarded, disqualified)
        candidate = Candidate(key, m.real_name, m.gender, m.org_unit.name, m.region.name,
                              round(results[m.id].merit, 2), eligible=not why, ineligible_reason=why)
        out.append(Found(candidate, m.id, "；".join(results[m.id].achievements)))
    return out


def _studio_candidates(s: Session, spec: round_spec.NominationRound, results: dict[int, _Result],
                       awarded: dict[str, int], disqualified: dict[int, tuple[str, str]]) -> list[Found]:
    """Studios with a member's result or a recorded achievement; a disqualified member's results count 0."""
    weight = sum(src.weight for src in spec.sources if src.kind == "studio_achievements")
    merit = {member_id: r.merit for member_id, r in results.items()}
    out = []
    for facts, studio in studios.studio_facts(s):
        counted = weight and facts.achievements
        if not counted and not any(merit.get(m) for m in facts.member_ids):
            continue
        score = studio_rules.score_studio(facts, merit, weight, frozenset(disqualified))
        key = f"studio:{studio.id}"
        why = _why_not(spec, studio.leader, studio.org_unit, key, awarded, disqualified, studio=True)
        out.append(Found(Candidate(key, facts.name, facts.leader_gender, facts.unit, facts.region, score.merit,
                                   eligible=not why, ineligible_reason=why), None, score.line))
    return out
