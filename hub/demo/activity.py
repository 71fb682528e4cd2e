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
"""
from __future__ import annotations

import json
import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Callable, Iterable

import nbformat
from sqlalchemy import func, select
from sqlalchemy.orm import Session

import competitions as core
from competitions.surveys.spec import load_survey
from hub.courses import certificates
from hub.competitions import admin as competition_admin
from hub.courses import exchange as course_exchange
from hub.courses import publish as courses_admin
from hub.courses import manual_grades
from hub.nominations import rounds as nominations
from hub.nominations import studios
from hub.surveys import responses as surveys
from hub.competitions.boards import BoardCache, core_member, spec_of
from hub.settings import JinguoConfig
from hub.store.db import session_scope
from hub.demo.tasks import ORDERS, DemoTask, fill_from_source, task_folder
from hub.submissions.queue import WAITING, notebook_share, write_grade
from hub.people.members import audit
from hub.store.orm import (Assignment, Competition, Course, Enrolment, Grade, Member, NominationRound, Role, Studio,
                     Submission, Survey, SurveyResponse, aware)
from hub.refusals import Refused
from hub.reports.tables import REPORT_TZ
from hub.submissions.receive import receive

ACTOR = "demo"
STEP_COUNT = 10  # the steps run() takes, shown as [n/10]
Say = Callable[[str], None]

# ---- who does what ---------------------------------------------------------------------------------------------------

# Course -> its instructor and its learners by stage. "done": every assignment handed in right (completed, a
# certificate); "partly": the first assignment handed in, the second with one answer left undone; "started": the
# first assignment handed in with one answer undone (graded below the pass mark, or just above); "enrolled": not
# started. The cadres course is taken by staff: they are the report's 干部培训 (cadres trained).
COURSES: dict[str, tuple[str, dict[str, tuple[str, ...]]]] = {
    "office-data": ("teacher1", {"done": ("worker01", "worker02", "worker03", "worker14"),
                                 "partly": ("worker04",), "started": ("worker05",),
                                 "enrolled": ("worker06", "worker07")}),
    "charts": ("teacher2", {"done": ("worker08", "worker09"), "started": ("worker10",), "enrolled": ("worker11",)}),
    "new-forms": ("teacher1", {"done": ("worker02", "worker13"), "partly": ("worker12",), "enrolled": ("worker15",)}),
    "rights": ("teacher2", {"done": ("worker16", "worker17"), "started": ("worker18",), "enrolled": ("worker19",)}),
    "cadres": ("teacher2", {"done": ("organizer", "teacher1"), "started": ("worker20",)}),
}
# The written answer graded by hand (formgrader): course, assignment, notebook (file name without .ipynb), learner,
# the cell's grade id, points given.
MANUAL_GRADE = ("office-data", "grouping", "grouping", "worker01", "written13", 3.0)

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
FINAL_ROUND, NOTICE_ROUND = "demo-may-day-women-2026", "demo-may-day-women-2027"
OBJECTOR = "worker22"

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


class DemoStopped(Refused):
    """Why the demo cannot go on (zh / en); what earlier steps made is kept. The CLI says so, and that running
    ``jinguo demo`` again completes it."""

    def __init__(self, zh: str, en: str):
        super().__init__(500, "demo_stopped", zh, en)

    def message(self) -> str:
        return (f"演示数据未写完：{self.zh}。已完成的步骤已保存，问题解决后再运行 jinguo demo 即可接着完成。/ "
                f"the demo stopped: {self.en}. Finished steps are kept; run jinguo demo again to complete it.")


@dataclass
class Step:
    """One line of progress: what the step is, and how many things it made."""
    zh: str
    en: str
    made: int = 0


# ---- small helpers ----------------------------------------------------------------------------------------------------

def _member(s: Session, username: str) -> Member:
    m = s.scalar(select(Member).where(Member.username == username))
    if m is None:
        raise DemoStopped(f"演示成员 {username} 不存在（被删除了？）", f"the demo member {username} is missing (deleted?)")
    return m


def _beijing(when: datetime) -> str:
    return when.astimezone(REPORT_TZ).replace(second=0, microsecond=0).isoformat()


def hand_in(source: Path, release: Path, undone: int = 0) -> dict[str, bytes]:
    """Her notebooks of an assignment: the student version with the source's answers written in, the last ``undone``
    code answers of the last notebook left as released (so their tests fail)."""
    names = sorted(p.name for p in release.glob("*.ipynb"))
    return {name: json.dumps(fill_from_source(nbformat.read(release / name, 4), nbformat.read(source / name, 4),
                                              undone if name == names[-1] else 0),
                             ensure_ascii=False, indent=1).encode("utf-8") for name in names}


# ---- 0. history: the demo's story began weeks ago ----------------------------------------------------------------------

JOINED_AGO, PUBLISHED_AGO = timedelta(days=60), timedelta(days=21)


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


# ---- 1. courses --------------------------------------------------------------------------------------------------------

def publish_courses(s: Session, data_dir: Path, now: datetime) -> int:
    made = 0
    for slug, (teacher, _stages) in COURSES.items():
        fresh = s.scalar(select(Course.published_at).where(Course.slug == slug)) is None
        course, changed = courses_admin.publish(s, data_dir, slug, ACTOR, [teacher])
        made += changed
        if fresh:  # published three weeks before "now" (see _story_time)
            course.published_at = now - PUBLISHED_AGO
        for a in s.scalars(select(Assignment).where(Assignment.course_id == course.id).order_by(Assignment.id)):
            if a.released_at is None:
                courses_admin.release_assignment(s, data_dir, slug, a.name, ACTOR)
                a.released_at = now - PUBLISHED_AGO + timedelta(hours=1)
                made += 1
    return made


# ---- 2. learners and their hand-ins -------------------------------------------------------------------------------------

def _plan(course: str, stages: dict[str, tuple[str, ...]], assignments: list[Assignment]
          ) -> Iterable[tuple[str, Assignment | None, int]]:
    """(learner, assignment or None for enrolment only, answers left undone) in the order she works."""
    wanted = {a.name for a in courses_admin.catalogue_course(course).assignments if a.required}
    required = [a for a in assignments if a.name in wanted] or assignments  # what completing the course takes
    for stage, people in stages.items():
        for username in people:
            yield username, None, 0
            if stage == "done":
                for a in required:
                    yield username, a, 0
            elif stage == "partly":
                yield username, required[0], 0
                if len(required) > 1:
                    yield username, required[1], 1
            elif stage == "started":
                yield username, required[0], 1


def enrol_and_hand_in(s: Session, data_dir: Path, now: datetime) -> int:
    made = 0
    for slug, (_teacher, stages) in COURSES.items():
        course = courses_admin.published_course(s, slug)
        assignments = list(s.scalars(select(Assignment).where(Assignment.course_id == course.id)
                                     .order_by(Assignment.id)))
        for n, (username, assignment, undone) in enumerate(_plan(slug, stages, assignments)):
            member = _member(s, username)
            if assignment is None:
                if s.scalar(select(Enrolment).where(Enrolment.member_id == member.id,
                                                    Enrolment.course_id == course.id)) is None:
                    # as the course page's 报名 button does it (CourseBase._enrol): the row and its audit entry
                    s.add(Enrolment(member_id=member.id, course_id=course.id, role=Role.learner,
                                    enrolled_at=now - timedelta(days=20, hours=n)))
                    audit(s, member.username, "course.enrol", "course", slug, after={"member": member.username})
                    made += 1
                continue
            if s.scalar(select(Submission.id).where(Submission.member_id == member.id,
                                                    Submission.assignment_id == assignment.id).limit(1)):
                continue
            course_exchange.record_fetch(s, member, assignment)
            root = courses_admin.course_dir(data_dir, slug)
            files = hand_in(root / "source" / assignment.name, root / "release" / assignment.name, undone)
            at = now - timedelta(days=14) + timedelta(hours=3 * n)  # her hand-ins over the past fortnight
            for filename, data in files.items():
                sub = receive(s, member, filename=filename, data=data, assignment=assignment)
                sub.received_at = at  # one hand-in: its notebooks share the moment (hand_in_siblings)
            made += 1
        s.flush()
    return made


# ---- grading: the service's road, one run per assignment --------------------------------------------------------------

def _folder(data_dir: Path, s: Session, sub: Submission) -> tuple[Path, str]:
    if sub.competition_id is not None:
        return data_dir / "competitions" / s.get(Competition, sub.competition_id).slug, sub.task
    a = s.get(Assignment, sub.assignment_id)
    return courses_admin.course_dir(data_dir, s.get(Course, a.course_id).slug), a.name


def grade_waiting(db_url: str, data_dir: Path, say: Say | None = None) -> int:
    """Grade every waiting submission with grading.autograde (sandboxed), in runs of one assignment holding one
    hand-in per learner (nbgrader keeps one folder per learner and assignment; a second try waits for the next run).
    Results are written as the grading queue writes them, with its callbacks: the board's public score and her
    certificate."""
    from grading import autograde, store_submission

    boards = BoardCache(None)  # no loop: on_graded stores the public score only
    graded = 0
    while True:
        runs: dict[tuple[Path, str], dict[str, tuple[list[tuple[int, str]], dict[str, bytes], datetime]]] = \
            defaultdict(dict)
        with session_scope(db_url) as s:
            for sub in s.scalars(select(Submission).where(Submission.status.in_(WAITING))
                                 .order_by(Submission.received_at, Submission.id)):
                where = _folder(data_dir, s, sub)
                student = s.get(Member, sub.member_id).username
                run = runs[where]
                if student in run:
                    held = run[student]
                    if aware(sub.received_at) == held[2] and sub.assignment_id is not None:
                        held[0].append((sub.id, sub.filename))  # another notebook of the same hand-in
                        held[1][sub.filename] = sub.notebook
                    continue
                run[student] = ([(sub.id, sub.filename)], {sub.filename: sub.notebook}, aware(sub.received_at))
            for run in runs.values():
                for parts, _files, _at in run.values():
                    for sid, _ in parts:
                        one = s.get(Submission, sid)
                        one.status, one.attempts = "grading", one.attempts + 1
        if not runs:
            return graded
        # A course's runs one after another on one warm pool of one worker (grading/ keeps a few pools, by course
        # and size): one pool boot per course folder, not one per run.
        for (folder, assignment), jobs in sorted(runs.items(), key=lambda kv: (str(kv[0][0]), kv[0][1])):
            for student, (_parts, files, at) in jobs.items():
                store_submission(folder, assignment, student, files, timestamp=at)
            if say:
                say(f"    评分 {folder.name}/{assignment}：{len(jobs)} 份 / grading {len(jobs)} hand-ins")
            for result in autograde(folder, assignment, list(jobs), workers=1, sandbox=True):
                if result.status == "error":  # the platform failed, not her notebook: left waiting for the next run
                    raise DemoStopped(f"评分出错（{folder.name}/{assignment}）：{result.message}",
                                      f"grading failed ({folder.name}/{assignment}): {result.message}")
                whole = result.to_json()
                with session_scope(db_url) as s:
                    for i, (sid, filename) in enumerate(jobs[result.student][0]):
                        sub = s.get(Submission, sid)
                        sub.message = whole.get("message", "")
                        grade = s.scalar(select(Grade).where(Grade.submission_id == sid)) or Grade(submission_id=sid)
                        write_grade(grade, notebook_share(whole, filename, first=i == 0))
                        s.add(grade)
                        sub.status, sub.graded_at = result.status, grade.graded_at
                        s.flush()
                        boards.on_graded(s, sub, grade)
                        certificates.on_graded(s, sub, grade)
                graded += 1


# ---- 3. a written answer graded by hand ---------------------------------------------------------------------------------

def grade_by_hand(s: Session, data_dir: Path) -> int:
    """The instructor's score in the gradebook, as formgrader's GradeHandler writes it; then the service's sync."""
    from nbgrader.api import Gradebook, MissingEntry

    slug, assignment, notebook, student, grade_id, points = MANUAL_GRADE
    root = courses_admin.course_dir(data_dir, slug)
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}", course_id=slug) as gb:
        try:
            grade = gb.find_grade(grade_id, notebook, assignment, student)
        except MissingEntry:
            return 0
        if grade.manual_score is None:
            grade.manual_score = points
            grade.needs_manual_grade = False
            gb.db.commit()
    return len(manual_grades.sync_course(s, data_dir, courses_admin.published_course(s, slug)))


def settle_certificates(s: Session) -> int:
    made = 0
    for slug, (_teacher, stages) in COURSES.items():
        course = courses_admin.published_course(s, slug)
        for username in {u for people in stages.values() for u in people}:
            member = _member(s, username)
            if certificates.certificate_of(s, member, course) is None and \
                    certificates.settle(s, member, course, actor=ACTOR) is not None:
                made += 1
    return made


# ---- 4. competitions ------------------------------------------------------------------------------------------------------

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
    root = task_folder(data_dir / "competitions" / slug, task, slug)
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
        release = nbformat.read(data_dir / "competitions" / slug / "release" / task.assignment / task.notebook, 4)
        for n, (username, kinds) in enumerate(hand_ins.items()):
            member = _member(s, username)
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


# ---- 5. studios ------------------------------------------------------------------------------------------------------------

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


# ---- 6. nomination rounds --------------------------------------------------------------------------------------------------

def round_yaml(slug: str, year: int, sources: str, slots: int) -> str:
    return f"""# {year} 年五一巾帼奖推荐（演示，由 jinguo demo 写入）
slug: {slug}
title: {year} 年五一巾帼奖推荐（演示）
award: may_day_women
year: {year}
sources:
{sources}
eligibility:
  not_awarded_within_years: 3
quota:
  slots: {slots}
  max_per_unit: 1
procedure:
  notice_days: 5
  reviewers: [organizer]
"""


def _listed(s: Session, slug: str) -> list[int]:
    row = nominations.get_round(s, slug)
    return [e.id for e in nominations.entries_of(s, row) if e.included]


def _walk(s: Session, slug: str, until: str, times: dict[str, datetime]) -> int:
    """Move the round step by step from where it stands to ``until`` (draft → review → notice → final)."""
    order = ["draft", "review", "notice", "final"]
    made = 0
    while True:
        row = nominations.get_round(s, slug)
        if order.index(row.stage) >= order.index(until):
            return made
        if row.stage == "draft":
            nominations.compute_draft(s, slug, "organizer", times["draft"])
            nominations.start_review(s, slug, "organizer", times["review"])
            first = _listed(s, slug)[:1]
            for entry in first:
                nominations.comment(s, slug, "organizer", entry, "竞赛成绩突出，事迹材料齐全", times["review"])
                nominations.vote(s, slug, "organizer", entry, True, times["review"])
        elif row.stage == "review":
            nominations.start_notice(s, slug, "organizer", times["notice"])
        elif row.stage == "notice":
            nominations.finalize(s, slug, "organizer", times["final"])
        made += 1


def run_rounds(s: Session, now: datetime) -> int:
    made = 0
    rounds = [
        (FINAL_ROUND, 2026, f"  - {{kind: competition, ref: {CLOSED_SLUG}}}", 3, "final",
         {"create": now - timedelta(days=9), "draft": now - timedelta(days=9), "review": now - timedelta(days=8),
          "notice": now - timedelta(days=7), "final": now - timedelta(days=1)}),
        (NOTICE_ROUND, 2027, f"  - {{kind: competition, ref: {OPEN_SLUG}}}\n"
                             "  - {kind: course, ref: office-data, weight: 0.5}", 3, "notice",
         {"create": now - timedelta(days=2), "draft": now - timedelta(days=2), "review": now - timedelta(days=2),
          "notice": now - timedelta(days=1)}),
    ]
    for slug, year, sources, slots, until, times in rounds:
        if s.scalar(select(NominationRound.id).where(NominationRound.slug == slug)) is None:
            nominations.create_round(s, round_yaml(slug, year, sources, slots), "organizer", f"{slug}.yaml",
                                     times["create"])
            made += 1
        made += _walk(s, slug, until, times)
    row = nominations.get_round(s, NOTICE_ROUND)
    if row.stage == "notice" and not nominations.objections_of(s, row):
        listed = _listed(s, NOTICE_ROUND)
        if listed:
            nominations.object_to(s, NOTICE_ROUND, OBJECTOR, listed[-1],
                                  "该同志的竞赛成绩是同事代为提交的，请核实。", now - timedelta(hours=6))
            made += 1
    return made


# ---- 7. a survey -----------------------------------------------------------------------------------------------------------

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
        member = _member(s, f"worker{i:02d}")
        if member.id in answered_ids:
            continue
        surveys.answer(s, slug, member, {"satisfaction": str(1 + (i * 7) % 5), "shift": _SHIFTS[i % 3],
                                         "needs": list(_NEEDS[i % 5]), "advice": _ADVICE[i % 5]},
                       now - timedelta(days=5, hours=-i * 3))
        made += 1
    return made


# ---- the whole demo ----------------------------------------------------------------------------------------------------------

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
         in_session(lambda s: publish_courses(s, data_dir, now)))
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
         in_session(lambda s: make_studios(s, now.astimezone(REPORT_TZ).date())))
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


__all__ = ["run", "digest", "DemoStopped", "hand_in", "grade_waiting", "COURSES", "OPEN_SLUG", "CLOSED_SLUG", "FINAL_ROUND",
           "NOTICE_ROUND"]
