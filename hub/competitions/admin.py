"""What organizers and competitors do to a running competition, persisted and audited: join, disqualify and
reinstate, close or freeze a phase, rescore a task after its tests were fixed, export results as xlsx.

The rules are competitions/' (eligibility, organizer); this module only loads rows, calls them, saves the
outcome and writes the audit log (who, when, what, before/after, why).

A competition's nbgrader folder (``{data_dir}/competitions/<slug>``: source/ with the hidden tests, the gradebook,
every competitor's submitted and autograded notebook) is root's alone: ``competitions/`` 0700, inside it folders
0700 and files 0600, owned by root (hub/store/data_folder.py: seal_competition_folder and the whole model). Unlike a
course it has no group: organizers run a competition from the platform's pages, never from a formgrader, so no
worker's account ever needs to enter it. It is sealed when the competition is opened from the command line, when
the service starts, before its submissions are graded and after a task is generated again."""
from __future__ import annotations

import hashlib
import io
import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

import competitions as core
from competitions.divisions import board_titles
from competitions.organizer import close_phase, freeze_phase
from grading.statuses import SubmissionStatus
from hub.competitions.boards import core_member, spec_of
from hub.settings import competition_folder
from hub.store.data_folder import seal_competition_folder  # noqa: F401 (callers name it here too)
from hub.store.audit import audit
from hub.refusals import Refused
from hub.store.orm import (Competition, CompetitionEntry, Course, Disqualification, Enrolment, Grade, Member, Submission,
                     utcnow)

FINISHED = (SubmissionStatus.graded, SubmissionStatus.invalid, SubmissionStatus.timeout)  # rescored; failed is not hers


competition_dir = competition_folder  # the one layout: hub/settings.py


def publish(session: Session, text: str, filename: str, actor: str, reason: str = "",
            data_dir: str | Path | None = None) -> tuple[Competition, bool]:
    """Open a competition from its YAML text (new, or a changed version of one already open): validated by
    competitions/ first (SpecError lists every problem), audited with the text's digest before and after.
    With ``data_dir``, the competition's folder there is sealed (seal_competition_folder). Returns the row and
    whether anything changed."""
    spec = core.load_competition(text, filename)
    if data_dir is not None:
        seal_competition_folder(data_dir, spec.slug)
    digest = hashlib.sha256(text.encode()).hexdigest()
    row = session.scalar(select(Competition).where(Competition.slug == spec.slug))
    before = None
    if row is None:
        row = Competition(slug=spec.slug, title=spec.title, spec_yaml=text)
        session.add(row)
    else:
        before = {"status": row.status, "sha256": hashlib.sha256(row.spec_yaml.encode()).hexdigest()}
        if before["sha256"] == digest and row.status == "open":
            return row, False
        row.title, row.spec_yaml = spec.title, text
    row.status = "open"
    row.opened_at = row.opened_at or utcnow()
    session.flush()
    audit(session, actor, "competition.open", "competition", spec.slug, before=before,
          after={"status": "open", "sha256": digest, "file": filename}, reason=reason)
    return row, True


def context_for(session: Session, comp: Competition, member: Member) -> core.EligibilityContext:
    """The facts eligibility needs that are not in her profile: courses passed, a disqualification."""
    dq = session.scalar(select(Disqualification).where(Disqualification.competition_id == comp.id,
                                                       Disqualification.member_id == member.id))
    passed = session.scalars(select(Course.slug).join(Enrolment, Enrolment.course_id == Course.id).where(
        Enrolment.member_id == member.id, Enrolment.completed_at.is_not(None))).all()
    return core.EligibilityContext(passed_courses=frozenset(passed), disqualified=dq is not None,
                                   disqualified_reason=dq.reason if dq else "")


def disqualified_ids(session: Session, comp: Competition) -> set[int]:
    return set(session.scalars(select(Disqualification.member_id).where(Disqualification.competition_id == comp.id)))


def join(session: Session, comp: Competition, member: Member) -> CompetitionEntry:
    """She enters the competition; refused (with the rule's reason) when she may not."""
    spec = spec_of(comp)
    decision = core.eligibility(core_member(member), spec, context_for(session, comp, member))
    if not decision:
        raise Refused(403, decision.code, decision.zh, decision.en)
    entry = session.scalar(select(CompetitionEntry).where(CompetitionEntry.competition_id == comp.id,
                                                          CompetitionEntry.member_id == member.id))
    if entry is None:
        entry = CompetitionEntry(competition_id=comp.id, member_id=member.id)
        session.add(entry)
        session.flush()
        audit(session, member.username, "competition.join", "competition", comp.slug, after={"member": member.username})
    return entry


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if len(reason) < 2:
        raise Refused(400, "reason_required", "请写明理由", "a written reason is required")
    return reason[:1000]


def disqualify(session: Session, comp: Competition, username: str, reason: str, actor: str) -> Member:
    reason = _reason(reason)
    member = session.scalar(select(Member).where(Member.username == username))
    if member is None:
        raise Refused(404, "no_member", "找不到这位参赛者", f"no member {username!r}")
    if member.id in disqualified_ids(session, comp):
        raise Refused(409, "already_disqualified", "已经取消过她的参赛资格", "she is already disqualified")
    session.add(Disqualification(competition_id=comp.id, member_id=member.id, reason=reason, decided_by=actor))
    audit(session, actor, "competition.disqualify", "competition", comp.slug,
          before={"member": username, "disqualified": False}, after={"member": username, "disqualified": True},
          reason=reason)
    return member


def reinstate(session: Session, comp: Competition, username: str, reason: str, actor: str) -> Member:
    reason = _reason(reason)
    member = session.scalar(select(Member).where(Member.username == username))
    dq = member and session.scalar(select(Disqualification).where(Disqualification.competition_id == comp.id,
                                                                  Disqualification.member_id == member.id))
    if not dq:
        raise Refused(404, "not_disqualified", "她没有被取消资格", "she is not disqualified")
    audit(session, actor, "competition.reinstate", "competition", comp.slug,
          before={"member": username, "disqualified": True, "reason": dq.reason},
          after={"member": username, "disqualified": False}, reason=reason)
    session.delete(dq)
    return member


def _change_spec(session: Session, comp: Competition, action: str, phase_key: str, now: datetime, actor: str,
                 reason: str, change, shown) -> None:
    """Apply a competitions.organizer change to the saved spec, audited with what ``shown`` says of the phase
    before and after."""
    reason, spec = _reason(reason), spec_of(comp)
    _phase(spec, phase_key)
    try:
        new = change(spec, phase_key, now)
    except core.SpecError as exc:
        raise Refused(409, "phase_change_refused", exc.problems[0].zh, exc.problems[0].en)
    comp.spec_yaml = core.dump_competition(new)
    audit(session, actor, action, "competition", comp.slug, before={"phase": phase_key, **shown(spec, phase_key)},
          after={"phase": phase_key, **shown(new, phase_key)}, reason=reason)


def close_now(session: Session, comp: Competition, phase_key: str, now: datetime, actor: str, reason: str) -> None:
    _change_spec(session, comp, "competition.close_phase", phase_key, now, actor, reason, close_phase,
                 lambda spec, key: {"closes_at": spec.phase(key).closes_at.isoformat()})


def freeze_now(session: Session, comp: Competition, phase_key: str, now: datetime, actor: str, reason: str) -> None:
    def shown(spec: core.Competition, key: str) -> dict:
        cutoff = core.freeze_at(spec, spec.phase(key))
        return {"frozen_from": cutoff.isoformat() if cutoff else None}

    _change_spec(session, comp, "competition.freeze", phase_key, now, actor, reason, freeze_phase, shown)


def _phase(spec: core.Competition, key: str):
    try:
        return spec.phase(key)
    except (KeyError, ValueError):
        raise Refused(404, "phase_not_found", "没有这个阶段", f"no phase {key!r}")


def check_rescore(comp: Competition, task: str, reason: str) -> None:
    """Refuse a rescore without a reason or of a task the competition does not have, before any work is done."""
    _reason(reason)
    if not any(p.task(task) for p in spec_of(comp).phases):
        raise Refused(404, "task_not_found", "本竞赛没有这道题", f"no task {task!r} in this competition")


def regenerate_task(data_dir: str | Path, slug: str, task: str) -> None:
    """``nbgrader generate_assignment`` for a task whose tests the organizer fixed in source/."""
    course = competition_dir(data_dir, slug)
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}")
    r = subprocess.run([str(Path(sys.executable).parent / "nbgrader"), "generate_assignment", task, "--force"],
                       cwd=course, env=env, capture_output=True, text=True)
    if r.returncode != 0:
        raise Refused(500, "regenerate_failed", "重新生成题目失败，请检查题目的测试单元格",
                            "generating the task again failed: " + (r.stderr.strip().splitlines() or ["?"])[-1][:300])
    seal_competition_folder(data_dir, slug)  # the organizer may have put the fixed tests in place with her umask


def rescore(session: Session, comp: Competition, task: str, actor: str, reason: str) -> list[int]:
    """After the task was generated again (regenerate_task), every finished submission of it goes back into the
    queue. The audit entry keeps every score before; the grading queue audits each score that then changes
    (grade.rescored). Returns the ids to queue."""
    check_rescore(comp, task, reason)
    rows = session.execute(select(Submission, Grade).outerjoin(Grade, Grade.submission_id == Submission.id).where(
        Submission.competition_id == comp.id, Submission.task == task, Submission.status.in_(FINISHED))).all()
    before = {str(sub.id): (grade.score if grade else None) for sub, grade in rows}
    for sub, _ in rows:
        sub.status = SubmissionStatus.queued
    audit(session, actor, "competition.rescore", "competition", comp.slug, before={"task": task, "scores": before},
          after={"task": task, "queued": len(rows)}, reason=_reason(reason))
    return [sub.id for sub, _ in rows]


def results_xlsx(lb: core.Leaderboard, spec: core.Competition, members: dict[int, Member], title: str,
                 names: dict[str, dict[str, str]] | None = None) -> bytes:
    """One sheet per board division (overall first), named as people read it (地区分榜·浙江省, with ``names`` from
    hub.competitions.boards.division_names): rank, name, unit, region, industry, form, scores, when reached
    (Beijing time). Every text is written as text (hub.reports.xlsx): a name like "=HYPERLINK(...)" is never a formula."""
    from zoneinfo import ZoneInfo

    from openpyxl import Workbook
    from openpyxl.styles import Font

    from hub.reports import xlsx

    zone = ZoneInfo(spec.timezone)
    wb = Workbook()
    wb.remove(wb.active)
    tasks = [t.assignment for p in spec.phases if p.key == lb.phase for t in p.tasks]
    for division, name in board_titles(spec, lb.divisions(), names):
        ws = wb.create_sheet(xlsx.sheet_title(wb, name))
        xlsx.append(ws, [f"{title} · {name} · {'最终榜 private' if lb.kind == 'private' else '公开榜 public'}"])
        xlsx.append(ws, ["名次 rank", "姓名 name", "用户名 username", "基层工会 unit", "区域 region", "行业 industry",
                         "用工形式 employment form", "总分 total", *tasks, "提交次数 submissions",
                         f"达到时间 reached at（{'北京时间' if spec.timezone == 'Asia/Shanghai' else spec.timezone}）"])
        for cell in ws[2]:
            cell.font = Font(bold=True)
        for row in lb.page(division, 0, lb.size(division)):
            m = members.get(row.member)
            xlsx.append(ws, [row.rank, m.real_name if m else "", m.username if m else "", m.org_unit.name if m else "",
                             m.region.name if m else "", m.industry.name if m else "",
                             m.employment_form.name if m else "", row.total, *[row.scores.get(t) for t in tasks],
                             row.submissions, row.reached_at.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S")])
        ws.freeze_panes = "A3"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
