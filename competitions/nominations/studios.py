"""Women workers' innovation studios (女职工创新工作室) as plain data: what a studio and a recorded achievement must
hold, what an achievement is worth to a nomination round, and how a studio is scored when a round (award
``studio``) nominates studios for cultivation. No database, no HTTP: hub/nominations/studios.py persists and audits.

Merit, in points comparable to a round's other sources (a result counts at most 100 per source):
- an achievement is worth ``KIND_POINTS[kind]``; a round's ``studio_achievements`` source multiplies by its weight;
- in a round for people, an achievement counts for the member it is credited to (the leader when none is named);
- in a studio round, a studio scores the *average* of its members' results (members without a result count 0, so a
  large studio is not favoured for its size alone) plus the points of all its recorded achievements.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from typing import Iterable

from competitions.problems import Problem, ProblemsError

# kind → (Chinese, English); the order is the order forms offer
KINDS: dict[str, tuple[str, str]] = {
    "patent": ("专利", "patent"),
    "innovation": ("技术革新", "technical innovation"),
    "suggestion": ("合理化建议", "rationalisation proposal"),
    "award": ("获奖", "award"),
    "other": ("其他成果", "other"),
}
# Why these numbers: a granted patent or an award is external recognition; a proposal is the smallest unit of work.
KIND_POINTS: dict[str, float] = {"patent": 30.0, "innovation": 20.0, "suggestion": 10.0, "award": 25.0, "other": 5.0}
NAME_MAX, TITLE_MAX, TEXT_MAX = 64, 200, 2000
FEMALE = "female"


StudioError = ProblemsError  # every problem of one studio form at once (Problem.field names the field)


@dataclass(frozen=True, slots=True)
class Person:
    """What the rules need of a member: who she is and whether she may lead or join."""

    id: int
    name: str
    gender: str
    approved: bool


def check_studio(name: str, leader: Person | None, unit_known: bool) -> list[Problem]:
    """A studio needs a name, a known union unit and a leading woman worker who is an approved member."""
    out = []
    name = name.strip()
    if not name:
        out.append(Problem("name", "请填写工作室名称", "the studio needs a name"))
    elif len(name) > NAME_MAX:
        out.append(Problem("name", f"名称不能超过 {NAME_MAX} 个字", f"the name is longer than {NAME_MAX} characters"))
    if not unit_known:
        out.append(Problem("unit", "请选择工作室所在的工会", "choose the studio's union unit"))
    if leader is None:
        out.append(Problem("leader", "找不到领衔人（请填写她的用户名）", "no such leader (give her user name)"))
    elif leader.gender != FEMALE:
        out.append(Problem("leader", "女职工创新工作室的领衔人须为女职工", "a women workers' studio is led by a woman"))
    elif not leader.approved:
        out.append(Problem("leader", "领衔人须为已审核的会员", "the leader must be an approved member"))
    return out


def check_member(person: Person | None, current: Iterable[int]) -> list[Problem]:
    if person is None:
        return [Problem("member", "找不到这位会员（请填写用户名）", "no such member (give the user name)")]
    if person.id in set(current):
        return [Problem("member", f"{person.name} 已是工作室成员", f"{person.name} is already a member")]
    if not person.approved:
        return [Problem("member", "只能添加已审核的会员", "only approved members can join")]
    return []


def check_achievement(title: str, kind: str, achieved_on: date | None, description: str, today: date,
                      credited_is_member: bool = True) -> list[Problem]:
    """An achievement: a title, a known kind, a date not in the future, a description of sensible length."""
    out = []
    if not title.strip():
        out.append(Problem("title", "请填写成果名称", "the achievement needs a title"))
    elif len(title.strip()) > TITLE_MAX:
        out.append(Problem("title", f"成果名称不能超过 {TITLE_MAX} 个字", f"the title is longer than {TITLE_MAX}"))
    if kind not in KINDS:
        out.append(Problem("kind", f"成果类别应为：{'、'.join(z for z, _ in KINDS.values())}",
                           f"kind must be one of {', '.join(KINDS)}"))
    if achieved_on is None:
        out.append(Problem("achieved_on", "请填写日期（YYYY-MM-DD）", "give the date as YYYY-MM-DD"))
    elif achieved_on > today:
        out.append(Problem("achieved_on", "日期不能晚于今天", "the date cannot be in the future"))
    if len(description) > TEXT_MAX:
        out.append(Problem("description", f"说明不能超过 {TEXT_MAX} 个字", f"the description is longer than {TEXT_MAX}"))
    if not credited_is_member:
        out.append(Problem("credited", "成果完成人须为工作室成员", "the achievement is credited to a studio member"))
    return out


@dataclass(frozen=True, slots=True)
class Achievement:
    studio_id: int
    title: str
    kind: str
    achieved_on: date
    credited_to: int  # member id (the leader when the organizer named no one)


def points(kind: str) -> float:
    return KIND_POINTS.get(kind, 0.0)


def member_achievement_merit(achievements: Iterable[Achievement], weight: float) -> dict[int, tuple[float, list[str]]]:
    """member id → (points × weight, public lines) for the achievements credited to her."""
    out: dict[int, tuple[float, list[str]]] = {}
    for a in sorted(achievements, key=lambda a: (a.achieved_on, a.title)):
        merit, lines = out.get(a.credited_to, (0.0, []))
        out[a.credited_to] = (merit + weight * points(a.kind), lines + [f"创新成果《{a.title}》（{KINDS[a.kind][0]}）"])
    return out


@dataclass(frozen=True, slots=True)
class StudioFacts:
    """A studio as a candidate sees it: who is in it, where it is, and whether it may be nominated."""

    id: int
    name: str
    unit: str
    region: str
    leader_gender: str
    member_ids: tuple[int, ...]
    achievements: tuple[Achievement, ...] = ()
    ineligible_reason: str = ""  # "zh / en" when it may not be nominated


@dataclass(frozen=True, slots=True)
class StudioScore:
    id: int
    merit: float
    line: str  # the public line of the notice: members and achievements by kind, never a score
    counted: dict = field(default_factory=dict)


def score_studio(studio: StudioFacts, member_merit: dict[int, float], achievement_weight: float,
                 not_counted: frozenset[int] = frozenset()) -> StudioScore:
    """Average of the members' results (``not_counted`` members, e.g. disqualified, count 0) plus the weighted points
    of the studio's achievements; the line says what was counted, in words a notice can show (no points: the
    average is in ``counted`` and the merit, for the organizer's pages)."""
    n = len(studio.member_ids)
    average = sum(member_merit.get(m, 0.0) for m in studio.member_ids if m not in not_counted) / n if n else 0.0
    extra = achievement_weight * sum(points(a.kind) for a in studio.achievements)
    kinds = Counter(a.kind for a in studio.achievements)
    parts = [f"成员 {n} 人"]
    if kinds:
        parts.append("创新成果 " + "、".join(f"{KINDS[k][0]} {c} 项" for k, c in kinds.items()))
    return StudioScore(studio.id, round(average + extra, 2), "；".join(parts),
                       {"members": n, "average": round(average, 2), "achievement_points": extra})
