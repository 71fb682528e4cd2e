"""The competition side of the nbgrader exchange: which tasks she may fetch now, and the task's RELEASED files.

A competitor gets the tasks of the phase that is open, once she has joined and while she may compete (not
disqualified, in the competition's units and divisions, through the phase's entry rule). What leaves the
service is only nbgrader generate_assignment's output (``release/TASK``: no solutions, no hidden tests), never
``source/``. She submits the way the Submit widget does (POST /competitions/SLUG/submissions), so limits,
divisions and boards are the competition's own.

The HTTP handlers are in hub/web/api/exchange.py; her single-user server reaches them through hub/lab/exchange/.
"""
from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

import competitions as core
from hub.competitions.admin import context_for
from hub.competitions.boards import core_member, shown_score, spec_of
from hub.courses.exchange import folder_files
from hub.refusals import Refused
from competitions.spec import Phase
from hub.settings import competition_folder
from grading.statuses import is_final
from hub.store.orm import Competition, CompetitionEntry, Grade, Member, Submission, aware

# What generate_assignment removes; a release still holding one of these is not sent (a task folder put in place
# by hand, or a generate step that failed half-way).
_NOT_RELEASED = re.compile(r"BEGIN (HIDDEN TESTS|SOLUTION)")


def task_release_dir(data_dir: str | Path, slug: str, task: str) -> Path:
    return competition_folder(data_dir, slug) / "release" / task


def _joined(session: Session, comp: Competition, member: Member) -> bool:
    return session.scalar(select(CompetitionEntry.id).where(CompetitionEntry.competition_id == comp.id,
                                                            CompetitionEntry.member_id == member.id)) is not None


def open_task(session: Session, comp: Competition, member: Member | None, task: str,
              now: datetime) -> Phase:
    """The open phase that holds ``task``, if she may fetch it now; else Refused with the reason."""
    if comp.status != "open":
        raise Refused(404, "competition_not_found", "找不到这个竞赛", "Competition not found")
    spec = spec_of(comp)
    if not any(p.task(task) for p in spec.phases):
        raise Refused(404, "unknown_task", "本竞赛没有这道题", "This competition has no such task")
    if member is None or not _joined(session, comp, member):
        raise Refused(403, "not_joined", "请先在竞赛页面报名参赛，再获取题目",
                              "Join the competition on its page first, then fetch the task")
    phase = spec.phase_at(now)
    ctx = context_for(session, comp, member)
    decision = core.eligibility(core_member(member), spec, ctx, phase)
    if not decision:
        raise Refused(403, decision.code, f"不能获取题目：{decision.zh}", f"cannot fetch the task: {decision.en}")
    if phase is None:
        raise Refused(409, "phase_closed", "现在没有进行中的比赛阶段，不能获取题目",
                              "No phase of the competition is open now; the task cannot be fetched")
    if phase.task(task) is None:
        raise Refused(409, "task_not_in_phase", f"这道题不属于当前的{phase.title}",
                              f"This task is not part of the current phase {phase.key}")
    return phase


def task_notebooks(data_dir: str | Path, slug: str, task: str) -> list[str]:
    return sorted(p.name.removesuffix(".ipynb") for p in task_release_dir(data_dir, slug, task).glob("*.ipynb"))


def task_files(data_dir: str | Path, slug: str, task: str) -> dict[str, str]:
    """The task's released files, {path: base64}; refused while the release is missing or not a clean release."""
    root = task_release_dir(data_dir, slug, task)
    if not root.is_dir() or not any(root.glob("*.ipynb")):
        raise Refused(409, "task_not_ready", "这道题还没有准备好，请联系组织者",
                              "This task is not set up yet; tell the organizer")
    for nb in root.rglob("*.ipynb"):
        if _NOT_RELEASED.search(nb.read_text(encoding="utf-8", errors="replace")):
            raise Refused(409, "task_not_ready", "这道题的发布版本有误，请联系组织者",
                                  "This task's release is not clean; tell the organizer")
    return folder_files(root)


def her_tasks(session: Session, data_dir: str | Path, member: Member, now: datetime) -> list[dict]:
    """The tasks of every competition she joined whose phase is open and that she may take part in, each with her
    submissions (oldest first)."""
    out = []
    comps = session.scalars(
        select(Competition).join(CompetitionEntry, CompetitionEntry.competition_id == Competition.id)
        .where(CompetitionEntry.member_id == member.id, Competition.status == "open").order_by(Competition.slug))
    for comp in comps:
        spec = spec_of(comp)
        phase = spec.phase_at(now)
        if phase is None or not core.eligibility(core_member(member), spec, context_for(session, comp, member), phase):
            continue
        subs: dict[str, list] = {}
        for sub, grade in session.execute(
                select(Submission, Grade).outerjoin(Grade, Grade.submission_id == Submission.id)
                .where(Submission.competition_id == comp.id, Submission.member_id == member.id)
                .order_by(Submission.id)):
            subs.setdefault(sub.task, []).append(
                # until the phase closes she sees her public score only (the private board's is over every test)
                {"id": sub.id, "received_at": aware(sub.received_at).isoformat(), "status": sub.status,
                 "final": is_final(sub.status),
                 **{k: v for k, v in shown_score(spec, sub, grade, now).items() if k != "board"},
                 "message": sub.message})
        for t in phase.tasks:
            out.append({"competition": comp.slug, "title": spec.title, "task": t.assignment,
                        "task_title": t.title or t.assignment, "phase": phase.key, "phase_title": phase.title,
                        "closes_at": phase.closes_at.isoformat(),
                        "notebooks": task_notebooks(data_dir, comp.slug, t.assignment),
                        "submissions": subs.get(t.assignment, [])})
    return out
