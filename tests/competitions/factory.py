"""Small builders for competition tests: a spec from a few overrides, members, records, times."""
from __future__ import annotations

import copy
from datetime import datetime, timedelta, timezone
from typing import Any

from competitions import Competition, Member, ScoreRecord

CST = timezone(timedelta(hours=8))
T0 = datetime(2026, 4, 10, 9, 0, tzinfo=CST)  # the preliminary opens

BASE: dict[str, Any] = {
    "slug": "test-cup",
    "title": "测试杯女职工数字技能竞赛",
    "phases": [
        {"key": "practice", "title": "练习赛", "opens_at": T0 - timedelta(days=10), "closes_at": T0 - timedelta(days=1),
         "tasks": [{"assignment": "warmup", "max_score": 10}]},
        {"key": "prelim", "title": "初赛", "opens_at": T0, "closes_at": T0 + timedelta(days=10),
         "tasks": [{"assignment": "a", "max_score": 10, "weight": 40}, {"assignment": "b", "max_score": 20, "weight": 60}]},
        {"key": "final", "title": "决赛", "opens_at": T0 + timedelta(days=20), "closes_at": T0 + timedelta(days=20, hours=3),
         "tasks": [{"assignment": "c", "max_score": 50}]},
    ],
    "divisions": [
        {"key": "new-forms", "title": "新就业形态组", "match": {"new_form": True}},
        {"key": "region", "title": "地区分榜", "split_by": "region"},
        {"key": "hz", "title": "杭州赛区", "match": {"units": ["zj-hz"]}},
    ],
    "limits": {"per_day": 3, "per_phase": 10},
}


def spec(**changes: Any) -> Competition:
    """BASE with top-level keys replaced; ``scoring={...}`` etc. replace whole sections."""
    data = copy.deepcopy(BASE)
    data.update(changes)
    return Competition.model_validate(data)


def member(id: int, **kw: Any) -> Member:
    defaults = dict(real_name=f"王小{id}", units=("zj", "zj-hz", "zj-hz-ecom"), unit_name="杭州某电子商务园区联合工会",
                    region="zhejiang", industry="retail", employment_form="full_time")
    defaults.update(kw)
    return Member(id, **defaults)


def rec(member: int, task: str, score: float | None, minutes: float, *, phase: str = "prelim",
        private: float | None = None, status: str = "graded", id: Any = None) -> ScoreRecord:
    """A record ``minutes`` after the preliminary opened; the private score defaults to the public one."""
    return ScoreRecord(member, task, phase, score, score if private is None else private,
                       T0 + timedelta(minutes=minutes), status, id)
