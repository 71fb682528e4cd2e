"""The demo's studios (女职工创新工作室) with their achievements, and a survey with enough answers to show results."""
from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

import competitions as core
from competitions.surveys.spec import load_survey
from hub.demo.story import demo_member
from hub.nominations import studios
from hub.store.orm import Studio, Survey, SurveyResponse
from hub.surveys import responses as surveys

STUDIOS = [
    {"name": "杭州电商巾帼数字创新工作室", "leader": "worker01", "unit": "zj-hz-ecom",
     "summary": "网店店主和主播姐妹一起用数据改进选品和直播排班。", "members": ("worker14", "worker02"),
     "achievements": [("直播排班表自动生成", "innovation", "2026-04-18", "用 Python 按销量自动排直播班次，每周省下半天。",
                       "worker14"),
                      ("退货原因分类建议", "suggestion", "2026-06-02", "把退货原因分成 6 类，每月汇总给供货商。", ""),
                      ("一种订单数据清洗方法", "patent", "2026-09-12", "已获实用新型专利受理。", "worker02")]},
    {"name": "深圳电子女工技能工作室", "leader": "worker05", "unit": "gd-sz-elec",
     "summary": "产线女工用表格和图表跟踪良品率，带动班组技能提升。", "members": ("worker20",),
     "achievements": [("良品率日报图表化", "innovation", "2026-05-20", "产线良品率每天自动出图，问题早发现。", "worker20"),
                      ("市级女职工技能竞赛团体二等奖", "award", "2026-08-30", "工作室三名成员参赛。", "")]},
]

SURVEY_YAML = Path(core.__file__).parent / "surveys" / "examples" / "women-workforce-2027.yaml"
_SHIFTS = ("白班", "夜班", "轮班")
_NEEDS = (("托育服务", "技能培训"), ("法律援助",), ("技能培训", "健康体检"), ("托育服务",), ("健康体检", "法律援助"))
_ADVICE = ("希望多开晚上的线上课", "", "孩子放学后没人照看，希望有托管", "", "夜班路上不安全，希望有班车")


def make_studios(s: Session, today: date) -> int:
    made = 0
    for plan in STUDIOS:
        studio = s.scalar(select(Studio).where(Studio.name == plan["name"]))
        if studio is not None:
            continue
        studio = studios.create_studio(s, name=plan["name"], leader=plan["leader"], unit=plan["unit"],
                                       summary=plan["summary"], actor="organizer")
        for username in plan["members"]:
            studios.add_member(s, studio.id, username, "organizer")
        for title, kind, day, description, credited in plan["achievements"]:
            studios.record_achievement(s, studio.id, title=title, kind=kind, achieved_on=day, description=description,
                                       public=True, credited=credited, actor="organizer", today=today)
        made += 1
    return made


def answer_survey(s: Session, now: datetime) -> int:
    text = SURVEY_YAML.read_text(encoding="utf-8")
    slug = load_survey(text, SURVEY_YAML.name).slug
    made = 0
    row = s.scalar(select(Survey).where(Survey.slug == slug))
    if row is None:
        row = surveys.create_survey(s, text, "organizer", SURVEY_YAML.name, now - timedelta(days=6))
        made += 1
    if row.status == "draft":
        surveys.move(s, slug, "open", "organizer", now - timedelta(days=6))
    if row.status != "open":  # closed by the organizer since: its answers are final
        return made
    answered_ids = set(s.scalars(select(SurveyResponse.member_id).where(SurveyResponse.survey_id == row.id)))
    for i in range(1, 31):  # 30 answers: every total above the small-group threshold
        member = demo_member(s, f"worker{i:02d}")
        if member.id in answered_ids:
            continue
        surveys.answer(s, slug, member, {"satisfaction": str(1 + (i * 7) % 5), "shift": _SHIFTS[i % 3],
                                         "needs": list(_NEEDS[i % 5]), "advice": _ADVICE[i % 5]},
                       now - timedelta(days=5, hours=-i * 3))
        made += 1
    return made
