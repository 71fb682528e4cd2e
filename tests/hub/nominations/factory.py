"""Seeding the platform database with what a nomination round counts: members, competition grades, courses."""
from __future__ import annotations

import hashlib
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

import competitions
from competitions import nominations as core
from hub.people import members
from hub.store.orm import Competition, Course, Enrolment, Grade, Member, MemberStatus, Submission

EXAMPLES = Path(core.__file__).parent / "examples"
MEDAL_YAML = EXAMPLES / "may-day-medal-2027.yaml"  # with outside candidates and a women's share of 40 %
WOMEN_YAML = EXAMPLES / "may-day-women-2027.yaml"  # platform members only, one per unit
COMPETITION_YAML = Path(competitions.__file__).parent / "examples" / "womens-digital-2026.yaml"
PRELIM = {"prelim-cleaning": 30.0, "prelim-stats": 30.0, "prelim-chart": 40.0}


def add_person(s: Session, username: str, real_name: str, unit: str, region: str = "zhejiang", *,
               gender: str = "female", phone: str = "", status: MemberStatus = MemberStatus.approved) -> Member:
    profile = members.read_profile({"username": username, "real_name": real_name, "unit": unit, "region": region,
                                    "industry": "retail", "employment_form": "full_time", "phone": phone,
                                    "gender": gender})
    return members.add_member(s, profile, status=status, actor="test")


def competition_row(s: Session) -> Competition:
    text = COMPETITION_YAML.read_text(encoding="utf-8")
    spec = competitions.load_competition(text)
    row = s.scalar(select(Competition).where(Competition.slug == spec.slug))
    if row is None:
        row = Competition(slug=spec.slug, title=spec.title, spec_yaml=text, status="closed")
        s.add(row)
        s.flush()
    return row


def grade_prelim(s: Session, username: str, ratio: float) -> None:
    """Her three preliminary tasks graded at ``ratio`` of full marks (rows as the grading road leaves them)."""
    grade_in(s, competition_row(s), username, ratio)


def complete_course(s: Session, username: str, slug: str = "rights-and-law", title: str = "女职工权益与普法") -> None:
    course = s.scalar(select(Course).where(Course.slug == slug))
    if course is None:
        course = Course(slug=slug, title=title)
        s.add(course)
        s.flush()
    member = members.get_member(s, username)
    s.add(Enrolment(member_id=member.id, course_id=course.id, completed_at=datetime.now(timezone.utc)))
    s.flush()


OUTSIDE_CSV = """姓名,性别,工作单位,地区,评分,主要事迹
张建国,男,宁波港集团,宁波,99,港口自动化改造带头人
李志强,男,杭州钢铁集团,杭州,98,技术革新 12 项
王大伟,男,浙江电力公司,杭州,97,带电作业技能能手
赵明,男,温州鞋业公司,温州,96,工艺改进
孙海红,女,宁波港集团,宁波,60,女子桥吊班组长
"""

BAD_CSV = """姓名,性别,工作单位,评分
张三,男,某厂,95
,女,某厂,90
李四,未知,某厂,八十
"""


def own_competition(s: Session, slug: str, title: str) -> Competition:
    """A closed competition of the example's tasks under a slug of the test's own, so that a round counting it sees
    only the test's people on a hub other tests share."""
    row = s.scalar(select(Competition).where(Competition.slug == slug))
    if row is None:
        text = COMPETITION_YAML.read_text(encoding="utf-8")
        spec = competitions.load_competition(text)
        text = text.replace(spec.slug, slug)
        row = Competition(slug=slug, title=title, spec_yaml=text, status="closed")
        s.add(row)
        s.flush()
    return row


def grade_in(s: Session, comp: Competition, username: str, ratio: float) -> None:
    """Her preliminary tasks of ``comp`` graded at ``ratio`` of full marks."""
    member = members.get_member(s, username)
    for task, max_score in PRELIM.items():
        sub = Submission(member_id=member.id, competition_id=comp.id, task=task, filename="problem.ipynb",
                         notebook=b"{}", sha256=hashlib.sha256(b"{}").hexdigest(), size=2, status="graded",
                         attempts=1)
        s.add(sub)
        s.flush()
        s.add(Grade(submission_id=sub.id, score=round(ratio * max_score, 2), max_score=max_score, detail={}))
    s.flush()


def round_yaml(slug: str, award: str, year: int, competition: str, slots: int, *, women: float = 0.0,
               max_per_unit: int | None = None, not_awarded_within_years: int | None = None,
               override: bool = False, extra: str = "") -> str:
    """A round file as an organizer writes it, counting one competition, for the units of Zhejiang."""
    lines = [f"slug: {slug}", f"title: {year} 年测试推荐 {slug}", f"award: {award}", f"year: {year}",
             "sources:", f"  - {{kind: competition, ref: {competition}}}", "eligibility:", "  units: [zj]"]
    if not_awarded_within_years:
        lines.append(f"  not_awarded_within_years: {not_awarded_within_years}")
    lines += ["quota:", f"  slots: {slots}", f"  women_min_share: {women}"]
    if max_per_unit:
        lines.append(f"  max_per_unit: {max_per_unit}")
    if override:
        lines += ["adjustments:", "  override: true"]
    return "\n".join(lines) + "\n" + extra
