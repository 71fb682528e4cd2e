"""Innovation studios in the platform database: the shell around competitions.nominations.studios.

Organizers create a studio around a leading woman worker, add members and record achievements; each write is checked
by the core's rules (every problem at once, nothing stored on a refusal) and audited in the caller's transaction.
The showcase reads only what may be public: studios, their public achievements, and the winners of final lists.
Corrections (remove a member, edit or withdraw an achievement) are in hub/nominations/studio_corrections.py; what they leave
behind is read here: a removed member (``left_at``) is no longer in the studio, a withdrawn achievement is neither
counted nor shown publicly, and both rows stay in the database.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session

from competitions.nominations import studios as core
from competitions.nominations.spec import AWARDS
from hub.store.audit import audit
from hub.people.members import get_member
from hub.refusals import Refused
from hub.store.orm import (Member, MemberStatus, NominationEntry, NominationRound, OrgUnit, Region, Studio,
                     StudioAchievement, StudioMember)

TARGET = "studio"


class StudioRefused(Refused):
    """A studio refusal: unknown studio, an achievement not of this studio, a correction twice."""


def _person(m: Member | None) -> core.Person | None:
    return None if m is None else core.Person(m.id, m.real_name, m.gender, m.status == MemberStatus.approved)


def _refuse_if(problems: list[core.Problem]) -> None:
    if problems:
        raise core.StudioError(problems)


def parse_day(text: str) -> date | None:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        return None


def get_studio(s: Session, studio_id: int) -> Studio:
    row = s.get(Studio, studio_id)
    if row is None:
        raise StudioRefused(404, "studio_not_found", "找不到这个工作室", "No such studio")
    return row


def list_studios(s: Session) -> list[Studio]:
    return list(s.scalars(select(Studio).order_by(Studio.id)))


def current_member_ids(s: Session, studio_id: int) -> set[int]:
    return set(s.scalars(select(StudioMember.member_id).where(StudioMember.studio_id == studio_id,
                                                              StudioMember.left_at.is_(None))))


def members_of(s: Session, studio: Studio) -> list[Member]:
    """Her current members, in the order they joined (a removed member is not among them)."""
    return list(s.scalars(select(Member).join(StudioMember, StudioMember.member_id == Member.id)
                          .where(StudioMember.studio_id == studio.id, StudioMember.left_at.is_(None))
                          .order_by(StudioMember.id)))


def former_members_of(s: Session, studio: Studio) -> list[StudioMember]:
    """Members an organizer removed (organizers only: who, when, by whom)."""
    return list(s.scalars(select(StudioMember).where(StudioMember.studio_id == studio.id,
                                                     StudioMember.left_at.is_not(None))
                          .order_by(StudioMember.left_at, StudioMember.id)))


def achievements_of(s: Session, studio: Studio, public_only: bool = True) -> list[StudioAchievement]:
    """``public_only``: what the showcase may show (public, not withdrawn); else every row, withdrawn ones too."""
    query = select(StudioAchievement).where(StudioAchievement.studio_id == studio.id)
    if public_only:
        query = query.where(StudioAchievement.public.is_(True), StudioAchievement.withdrawn_at.is_(None))
    return list(s.scalars(query.order_by(StudioAchievement.achieved_on.desc(), StudioAchievement.id)))


def create_studio(s: Session, *, name: str, leader: str, unit: str, summary: str, actor: str) -> Studio:
    """A studio, its leader as its first member; StudioError lists every problem and nothing is stored."""
    lead = get_member(s, leader.strip().lower()) if leader.strip() else None
    org = s.scalar(select(OrgUnit).where(OrgUnit.code == unit.strip())) if unit.strip() else None
    problems = core.check_studio(name, _person(lead), org is not None)
    if name.strip() and s.scalar(select(Studio.id).where(Studio.name == name.strip())) is not None:
        problems.append(core.Problem("name", "已有同名的工作室", "a studio of that name exists"))
    if len(summary) > core.TEXT_MAX:
        problems.append(core.Problem("summary", f"简介不能超过 {core.TEXT_MAX} 个字", "the summary is too long"))
    _refuse_if(problems)
    row = Studio(name=name.strip(), leader=lead, org_unit=org, summary=summary.strip(), created_by=actor)
    s.add(row)
    s.flush()
    s.add(StudioMember(studio_id=row.id, member_id=lead.id, added_by=actor))
    audit(s, actor, "studio.create", TARGET, row.id, after={"name": row.name, "leader": lead.username,
                                                            "unit": org.code, "summary": row.summary})
    s.flush()
    return row


def add_member(s: Session, studio_id: int, username: str, actor: str) -> Member:
    """She joins; a member removed earlier has her row reopened (one row per person and studio, see StudioMember)."""
    studio = get_studio(s, studio_id)
    person = get_member(s, username.strip().lower()) if username.strip() else None
    _refuse_if(core.check_member(_person(person), current_member_ids(s, studio.id)))
    earlier = s.scalar(select(StudioMember).where(StudioMember.studio_id == studio.id,
                                                  StudioMember.member_id == person.id))
    if earlier is None:
        s.add(StudioMember(studio_id=studio.id, member_id=person.id, added_by=actor))
        audit(s, actor, "studio.member_add", TARGET, studio.id, after={"member": person.username})
    else:
        before = {"member": person.username, "left_at": earlier.left_at.isoformat(), "removed_by": earlier.removed_by}
        earlier.left_at, earlier.removed_by = None, None
        earlier.added_by, earlier.added_at = actor, datetime.now(timezone.utc)
        audit(s, actor, "studio.member_add", TARGET, studio.id, before=before,
              after={"member": person.username, "left_at": None, "rejoined": True})
    s.flush()
    return person


def record_achievement(s: Session, studio_id: int, *, title: str, kind: str, achieved_on: str, description: str,
                       public: bool, credited: str, actor: str, today: date | None = None) -> StudioAchievement:
    """An achievement credited to a member of the studio (its leader when ``credited`` is empty)."""
    studio = get_studio(s, studio_id)
    day = parse_day(achieved_on)
    person = get_member(s, credited.strip().lower()) if credited.strip() else studio.leader
    members = current_member_ids(s, studio.id)
    today = today or datetime.now(timezone.utc).date()
    _refuse_if(core.check_achievement(title, kind, day, description, today,
                                      person is not None and person.id in members))
    row = StudioAchievement(studio_id=studio.id, title=title.strip(), kind=kind, achieved_on=day,
                            description=description.strip(), public=public, credited_to=person.id, recorded_by=actor)
    s.add(row)
    s.flush()
    audit(s, actor, "studio.achievement", TARGET, studio.id, after={
        "achievement": row.id, "title": row.title, "kind": kind, "achieved_on": day.isoformat(), "public": public,
        "credited_to": person.username})
    return row


# ---- what nomination rounds read ------------------------------------------------------------------------------------

def _achievement(a: StudioAchievement) -> core.Achievement:
    return core.Achievement(a.studio_id, a.title, a.kind, a.achieved_on, a.credited_to)


def all_achievements(s: Session) -> list[core.Achievement]:
    """Every recorded achievement, public or not, except withdrawn ones: a round counts what organizers recorded and
    still stand by. One credited to a member since removed still counts for her (she did the work)."""
    return [_achievement(a) for a in s.scalars(select(StudioAchievement).where(StudioAchievement.withdrawn_at.is_(None))
                                               .order_by(StudioAchievement.id))]


def studio_facts(s: Session) -> list[tuple[core.StudioFacts, Studio]]:
    """Every studio with its current members, region and standing achievements, for a studio round to score."""
    members: dict[int, list[int]] = defaultdict(list)
    for studio_id, member_id in s.execute(select(StudioMember.studio_id, StudioMember.member_id)
                                          .where(StudioMember.left_at.is_(None)).order_by(StudioMember.id)):
        members[studio_id].append(member_id)
    achievements: dict[int, list[core.Achievement]] = defaultdict(list)
    for a in all_achievements(s):
        achievements[a.studio_id].append(a)
    regions = dict(s.execute(select(Region.id, Region.name)).all())
    return [(core.StudioFacts(row.id, row.name, row.org_unit.name, regions.get(row.org_unit.region_id, ""),
                              row.leader.gender, tuple(members[row.id]), tuple(achievements[row.id])), row)
            for row in list_studios(s)]


# ---- the showcase: what any logged-in member may read ----------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Winner:
    """One line of a final list: name, unit, achievement (as the public notice showed it) and nothing else."""

    round_slug: str
    round_title: str
    award: str
    year: int
    name: str
    unit: str
    achievement: str


def winners(s: Session, limit: int = 200) -> list[Winner]:
    rows = s.execute(select(NominationRound, NominationEntry)
                     .join(NominationEntry, NominationEntry.round_id == NominationRound.id)
                     .where(NominationRound.stage == "final", NominationEntry.included.is_(True))
                     .order_by(NominationRound.year.desc(), NominationRound.id.desc(), NominationEntry.rank,
                               NominationEntry.id).limit(limit)).all()
    return [Winner(r.slug, r.title, AWARDS.get(r.award, r.award), r.year, e.name, e.unit, e.achievement)
            for r, e in rows]
