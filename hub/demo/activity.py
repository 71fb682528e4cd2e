"""A platform in use, for `jinguo demo`: courses taught and taken, hand-ins graded by the real engine, competitions
open and closed, nomination rounds, studios and a survey — all through the library functions the service and the
CLI call, so the demo shows exactly what the platform does.

Safe to run again: every step first looks for what it would make and makes only what is missing, so a second run
changes nothing (and a run stopped midway is finished by the next one). Times are relative to the first run
("now"), written in Beijing time where a person reads them: the story begins weeks earlier (members join two
months before, courses open three weeks before), so nothing happens before the person doing it joined. The steps:

1. every catalogue course published with its instructor, its assignments released;
2. learners enrolled at different stages (not started, part way, completed) hand in real notebooks — the source
   solutions, some with one answer left undone — which the sandboxed grading engine grades, one run per
   assignment (as the service's grading queue does); completing a course issues its certificate;
3. one written answer graded by hand, as formgrader writes it, and brought in as the service's sync does;
4. an open competition with hand-ins from several divisions, and a closed one with its final (private) board;
5. two studios with achievements;
6. a 五一巾帼奖 round finalized, and a second round in its public notice (公示) with one objection;
7. a survey with enough answers to show results.

One module per thing it seeds: hub/demo/courses.py, hub/demo/competitions.py, hub/demo/grading.py (through the
service's grading queue), hub/demo/studios.py (studios and the survey), hub/demo/nominations.py; this module
runs them in order.
"""
from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Callable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hub.demo.competitions import CLOSED_SLUG, OPEN_SLUG, compete, open_competitions, task_release
from hub.demo.courses import COURSES, enrol_and_hand_in, grade_by_hand, hand_in, publish_courses, settle_certificates
from hub.demo.grading import grade_waiting
from hub.demo.nominations import FINAL_ROUND, NOTICE_ROUND, run_rounds
from hub.demo.story import ACTOR, JOINED_AGO, PUBLISHED_AGO, DemoStopped, Say, Step
from hub.demo.studios import answer_survey, make_studios
from courses.clock import BEIJING
from hub.settings import JinguoConfig
from hub.store.db import session_scope
from hub.store.orm import (Assignment, Competition, Course, Enrolment, Grade, Member, NominationRound, Studio,
                           Submission, Survey, SurveyResponse, aware)

STEP_COUNT = 10  # the steps run() takes, shown as [n/10]


# ---- 0. history: the demo's story began weeks ago --------------------------------------------------------------------

def backdate_members(s: Session, now: datetime) -> int:
    """The demo members signed up over the weeks before the story (hub/demo/people.py makes them today), so that no one
    hands in before she joined, on the report's monthly table too."""
    from hub.demo.people import demo_people

    made = 0
    for i, (username, *_rest) in enumerate(demo_people()):
        m = s.scalar(select(Member).where(Member.username == username))
        if m is None or aware(m.created_at) <= now - PUBLISHED_AGO:
            continue
        m.created_at = now - JOINED_AGO + timedelta(hours=6 * i)
        if m.approved_at is not None:
            m.approved_at = m.created_at + timedelta(hours=2)
        made += 1
    return made


# ---- the whole demo --------------------------------------------------------------------------------------------------

def _story_time(db_url: str) -> datetime:
    """"Now" of the first run, read back from when it published the courses (PUBLISHED_AGO before it), so that a
    second run puts nothing elsewhere."""
    with session_scope(db_url) as s:
        first = s.scalar(select(func.min(Course.published_at)).where(Course.published_by == ACTOR))
    return aware(first) + PUBLISHED_AGO if first else datetime.now(timezone.utc)


def run(platform: JinguoConfig, say: Say = print) -> list[Step]:
    """Every step in order, each in its own transaction (a run stopped midway keeps what it finished)."""
    data_dir, db_url = Path(platform.data_dir), platform.db_url
    now = _story_time(db_url)
    done: list[Step] = []

    def step(zh: str, en: str, work: Callable[[], int]) -> None:
        say(f"[{len(done) + 1}/{STEP_COUNT}] {zh} / {en} …")
        started = time.monotonic()
        made = work()
        done.append(Step(zh, en, made))
        took = f"{time.monotonic() - started:.0f} 秒 / s"
        say(f"      新增 {made} 项 / {made} new（{took}）" if made else f"      已就绪，无变化 / ready, unchanged（{took}）")

    def in_session(work: Callable[[Session], int]) -> Callable[[], int]:
        def go() -> int:
            with session_scope(db_url) as s:
                return work(s)
        return go

    step("演示成员的注册时间（故事从两个月前开始）", "demo members joined over the past two months",
         in_session(lambda s: backdate_members(s, now)))
    step("发布目录中的全部课程并下发作业", "publish every catalogue course, release its assignments",
         in_session(lambda s: publish_courses(s, data_dir, now, platform.unix_prefix)))
    step("学员报名并提交作业（不同进度）", "learners enrol and hand in, at different stages",
         in_session(lambda s: enrol_and_hand_in(s, data_dir, now)))
    step("竞赛：一场进行中、一场已结束", "competitions: one open, one closed",
         in_session(lambda s: open_competitions(s, data_dir, now) + compete(s, data_dir, now)))
    step("沙箱自动评分（每个作业一批）", "sandboxed autograding, one run per assignment",
         lambda: grade_waiting(db_url, data_dir, say))
    step("讲师人工评分一道简答题", "an instructor grades one written answer by hand",
         in_session(lambda s: grade_by_hand(s, data_dir)))
    step("结业证书", "completion certificates", in_session(settle_certificates))
    step("女职工创新工作室及其成果", "studios and their achievements",
         in_session(lambda s: make_studios(s, now.astimezone(BEIJING).date())))
    step("五一巾帼奖推荐：一轮定稿、一轮公示（含一条异议）", "nomination rounds: one final, one in notice with an objection",
         in_session(lambda s: run_rounds(s, now)))
    step("问卷调查及其答卷", "a survey and its answers", in_session(lambda s: answer_survey(s, now)))
    return done


def digest(db_url: str) -> dict[str, int]:
    """Counts of what the demo makes, for checking that a second run changed nothing."""
    from hub.store.orm import AuditLog, Certificate, CompetitionEntry, NominationEntry, StudioAchievement

    with session_scope(db_url) as s:
        return {model.__tablename__: s.scalar(select(func.count()).select_from(model)) for model in (
            Course, Assignment, Enrolment, Submission, Grade, Certificate, Competition, CompetitionEntry, Studio,
            StudioAchievement, NominationRound, NominationEntry, Survey, SurveyResponse, AuditLog)}


__all__ = ["run", "digest", "DemoStopped", "Step", "hand_in", "task_release", "grade_waiting", "COURSES", "OPEN_SLUG",
           "CLOSED_SLUG", "FINAL_ROUND", "NOTICE_ROUND"]
