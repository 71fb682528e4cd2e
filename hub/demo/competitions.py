"""The demo's competitions: one open and one closed (with its final, private board), competitors from several
divisions joining and handing in, each try checked by the competition's own rules at the moment she sends it."""
from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import nbformat
from sqlalchemy import select
from sqlalchemy.orm import Session

import competitions as core
from hub.competitions import admin as competition_admin
from hub.competitions.boards import core_member, spec_of
from hub.demo.story import DemoStopped, demo_member
from hub.demo.tasks import ORDERS, DemoTask, task_folder
from courses.clock import BEIJING
from hub.settings import competition_folder
from hub.store.orm import Competition, Submission, aware
from hub.submissions.receive import receive

# Competitors of both competitions: (username, kind of answer for each try). Several regions, so several divisions.
OPEN_SLUG, CLOSED_SLUG = "demo-ecommerce-2026", "demo-digital-2026"
OPEN_HAND_INS = {
    "worker01": ("partial", "full"), "worker02": ("full",), "worker05": ("close",), "worker06": ("full",),
    "worker08": ("partial",), "worker10": ("wrong", "close"), "worker11": ("full",), "worker12": ("partial",),
    "worker13": ("close",), "worker21": ("full",),
}
CLOSED_HAND_INS = {
    "worker01": ("full",), "worker02": ("close", "full"), "worker03": ("partial",), "worker04": ("full",),
    "worker05": ("full",), "worker06": ("partial", "close"), "worker07": ("wrong",), "worker08": ("full",),
    "worker09": ("close",), "worker10": ("full",), "worker11": ("partial",), "worker12": ("full",),
    "worker13": ("full",), "worker14": ("close",), "worker16": ("full",), "worker17": ("partial",),
}


def _beijing(when: datetime) -> str:
    return when.astimezone(BEIJING).replace(second=0, microsecond=0).isoformat()


def competition_yaml(slug: str, title: str, opens: datetime, closes: datetime, task: DemoTask, note: str) -> str:
    return f"""# {note}（由 jinguo demo 写入 / written by jinguo demo）
slug: {slug}
title: {title}
organizer: 全国女职工数字技能竞赛组委会（演示）
description: |
  {note}一道题：网店订单合计。公开榜按一半测试计分，阶段结束后公布按全部测试计分的最终榜。
timezone: Asia/Shanghai
phases:
  - key: main
    title: 正式赛
    opens_at: {_beijing(opens)}
    closes_at: {_beijing(closes)}
    tasks:
      - {{assignment: {task.assignment}, title: {task.title}, max_score: {task.max_score:g}}}
    public_tests: {{fraction: 0.5}}
divisions:
  - {{key: region, title: 地区分榜, split_by: region}}
  - {{key: form, title: 用工形式分榜, split_by: employment_form}}
limits:
  per_day: 3
scoring:
  method: sum
  counts: best
  tie_breaks: [earliest]
privacy:
  public_name: masked
  show_unit: true
"""


def task_release(data_dir: Path, slug: str, task: DemoTask) -> Path:
    """The competition's task folder, its gradebook entry and its student version (made once); the released
    notebook's path."""
    root = task_folder(competition_folder(data_dir, slug), task, slug)
    release = root / "release" / task.assignment / task.notebook
    if not release.exists():
        from nbgrader.api import Gradebook

        with Gradebook(f"sqlite:///{root / 'gradebook.db'}", course_id=slug) as gb:
            gb.update_or_create_assignment(task.assignment)
        competition_admin.regenerate_task(data_dir, slug, task.assignment)
    return release


def open_competitions(s: Session, data_dir: Path, now: datetime, task: DemoTask = ORDERS) -> int:
    """Both competitions' task folders and rows; a competition already there is left as it is (its times were set
    by the first run)."""
    made = 0
    for slug, title, opens, closes, note in (
            (OPEN_SLUG, "2026 年女职工电商数据技能赛（演示·进行中）", now - timedelta(days=2), now + timedelta(days=12),
             "进行中的演示竞赛。"),
            (CLOSED_SLUG, "2026 年女职工数字技能竞赛（演示·已结束）", now - timedelta(days=30), now - timedelta(days=10),
             "已结束的演示竞赛。")):
        task_release(data_dir, slug, task)
        if s.scalar(select(Competition.id).where(Competition.slug == slug)) is None:
            competition_admin.publish(s, competition_yaml(slug, title, opens, closes, task, note), f"{slug}.yaml",
                                      "organizer", "演示数据 / demo data")
            made += 1
    return made


def compete(s: Session, data_dir: Path, now: datetime, task: DemoTask = ORDERS) -> int:
    """Competitors join and hand in, each try checked by the competition's own rules at the moment she sends it."""
    made = 0
    for slug, hand_ins in ((OPEN_SLUG, OPEN_HAND_INS), (CLOSED_SLUG, CLOSED_HAND_INS)):
        comp = s.scalar(select(Competition).where(Competition.slug == slug))
        spec = spec_of(comp)
        phase = spec.phases[0]
        start = max(aware(phase.opens_at), now - timedelta(days=30))
        release = nbformat.read(competition_folder(data_dir, slug) / "release" / task.assignment / task.notebook, 4)
        for n, (username, kinds) in enumerate(hand_ins.items()):
            member = demo_member(s, username)
            if s.scalar(select(Submission.id).where(Submission.competition_id == comp.id,
                                                    Submission.member_id == member.id).limit(1)):
                continue
            competition_admin.join(s, comp, member)
            history: list[core.Attempt] = []
            for k, kind in enumerate(kinds):
                at = start + timedelta(hours=2 + n, minutes=40 * k)  # her tries within the phase, a day apart at most
                decision = core.check_submission(spec, core_member(member), task.assignment, at, history,
                                                 competition_admin.context_for(s, comp, member))
                if not decision:  # the competition was changed by hand since the first run
                    raise DemoStopped(f"{slug}：{decision.zh}", f"{slug}: {decision.en}")
                data = json.dumps(task.variants[kind](release), ensure_ascii=False, indent=1).encode()
                sub = receive(s, member, filename=task.notebook, data=data, competition=comp, task=task.assignment)
                sub.received_at = at
                history.append(core.Attempt(task=task.assignment, submitted_at=at, status="received"))
            made += 1
        s.flush()
    return made
