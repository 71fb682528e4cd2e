"""Questionnaires (调查问卷) in the platform database: the shell around competitions.surveys.spec.

Organizers create a survey from YAML (a draft), open it, close it: each step audited. An approved member answers an
open survey once and may change her answer until it closes. Answers are never written to the audit log (the log is
read by inspectors, answers are only ever shown as aggregates); results go through the pure aggregation, which
suppresses small groups. Pages and the CLI call these functions in one transaction and commit.
"""
from __future__ import annotations

import functools
import hashlib
import os
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from traitlets import Integer, default
from traitlets.config import Configurable

from competitions.surveys.results import Response, SurveyResults, aggregate
from competitions.surveys.spec import DEFAULT_MIN_GROUP, Survey as SurveySpec, check_answers, load_survey
from hub.store.audit import audit
from hub.refusals import Refused
from hub.settings import load_config
from hub.store.orm import Member, MemberStatus, Survey, SurveyResponse

STATUS_ZH = {"draft": "草稿（未开放）", "open": "正在收集", "closed": "已结束"}
TARGET = "survey"


class SurveySettings(Configurable):
    """How survey results protect the people who answered."""

    min_group_size = Integer(
        help="Smallest group whose counts survey results show (k): any count from 1 to k-1, and the counts that "
        "would give it away, are hidden. A survey's own min_group_size may raise it, never lower it. "
        "Env: JINGUO_SURVEY_MIN_GROUP. Default 5.", min=2,
    ).tag(config=True)

    @default("min_group_size")
    def _min_group_size_default(self) -> int:
        return int(os.environ.get("JINGUO_SURVEY_MIN_GROUP") or DEFAULT_MIN_GROUP)


class SurveyRefused(Refused):
    """A survey refusal: unknown survey, slug taken, survey not open, not an approved member."""


@functools.lru_cache(maxsize=64)
def _spec(text: str) -> SurveySpec:
    return load_survey(text)


def spec_of(row: Survey) -> SurveySpec:
    return _spec(row.spec_yaml)


def get_survey(s: Session, slug: str) -> Survey:
    row = s.scalar(select(Survey).where(Survey.slug == slug))
    if row is None:
        raise SurveyRefused(404, "survey_not_found", "找不到这份问卷", "No such survey")
    return row


def list_surveys(s: Session, *, open_only: bool = False) -> list[Survey]:
    query = select(Survey).order_by(Survey.id.desc())
    return list(s.scalars(query.where(Survey.status == "open") if open_only else query))


def response_counts(s: Session) -> dict[int, int]:
    return dict(s.execute(select(SurveyResponse.survey_id, func.count()).group_by(SurveyResponse.survey_id)).all())


def create_survey(s: Session, text: str | bytes, actor: str, filename: str = "<survey>",
                  now: datetime | None = None) -> Survey:
    """A draft survey from its YAML; SpecError lists every problem (path, line, zh/en) and nothing is stored."""
    spec = load_survey(text, filename)
    if isinstance(text, bytes):
        text = text.decode("utf-8-sig")
    if s.scalar(select(Survey.id).where(Survey.slug == spec.slug)) is not None:
        raise SurveyRefused(409, "survey_exists", f"问卷 {spec.slug} 已存在", f"survey {spec.slug} already exists")
    row = Survey(slug=spec.slug, title=spec.title, spec_yaml=text, status="draft", created_by=actor,
                 created_at=now or datetime.now(timezone.utc))
    s.add(row)
    s.flush()
    audit(s, actor, "survey.create", TARGET, spec.slug, after={
        "title": spec.title, "questions": len(spec.questions), "breakdowns": list(spec.breakdowns),
        "sha256": hashlib.sha256(text.encode()).hexdigest()}, reason="创建问卷 / survey created")
    return row


_MOVES = {  # action → (status it needs, status it gives, time stamped, zh verb, en participle)
    "open": ("draft", "open", "opened_at", "开放填写", "opened"),
    "close": ("open", "closed", "closed_at", "结束收集", "closed"),
}


def move(s: Session, slug: str, action: str, actor: str, now: datetime | None = None) -> Survey:
    """open: draft → open; close: open → closed (answers are then final)."""
    was, new, stamp, zh, en = _MOVES[action]
    row = get_survey(s, slug)
    if row.status != was:
        raise SurveyRefused(409, "wrong_status", f"问卷当前为“{STATUS_ZH[row.status]}”，不能{zh}",
                            f"the survey is {row.status}; it cannot be {en} now")
    setattr(row, stamp, now or datetime.now(timezone.utc))
    audit(s, actor, f"survey.{action}", TARGET, slug, before={"status": row.status}, after={"status": new},
          reason=f"{zh} / {en}")
    row.status = new
    s.flush()
    return row


def _groups(member: Member, spec: SurveySpec) -> dict[str, str]:
    """Her groups as they are now, only the keys the survey breaks results down by (no more than it needs)."""
    names = {"region": member.region.name, "industry": member.industry.name,
             "employment_form": member.employment_form.name, "unit": member.org_unit.name}
    return {key: names[key] for key in spec.breakdowns}


def response_of(s: Session, row: Survey, member: Member | None) -> SurveyResponse | None:
    if member is None:
        return None
    return s.scalar(select(SurveyResponse).where(SurveyResponse.survey_id == row.id,
                                                 SurveyResponse.member_id == member.id))


def answer(s: Session, slug: str, member: Member | None, raw: dict[str, Any],
           now: datetime | None = None) -> tuple[SurveyResponse, bool]:
    """Record her answers (AnswerError names every problem; nothing stored). Answering again replaces her earlier
    answers while the survey is open. Returns (row, True when this was her first answer)."""
    row = get_survey(s, slug)
    if member is None or member.status != MemberStatus.approved:
        raise SurveyRefused(403, "not_approved", "只有审核通过的会员可以填写问卷",
                            "Only approved members may answer surveys")
    if row.status != "open":
        raise SurveyRefused(409, "survey_not_open", "问卷未开放或已结束，不能再填写",
                            "This survey is not open for answers")
    spec = spec_of(row)
    clean = check_answers(spec, raw)
    now = now or datetime.now(timezone.utc)
    mine = response_of(s, row, member)
    if mine is None:
        mine = SurveyResponse(survey_id=row.id, member_id=member.id, answers=clean, groups=_groups(member, spec),
                              answered_at=now)
        s.add(mine)
    else:
        mine.answers, mine.groups, mine.changed_at = clean, _groups(member, spec), now
    s.flush()
    return mine, mine.changed_at is None


def min_group(row: Survey, settings: SurveySettings | None = None) -> int:
    floor = (settings or SurveySettings(config=load_config())).min_group_size  # the service passes its own
    return max(floor, spec_of(row).min_group_size or 0)


def results(s: Session, row: Survey, settings: SurveySettings | None = None) -> SurveyResults:
    rows = s.scalars(select(SurveyResponse).where(SurveyResponse.survey_id == row.id)
                     .order_by(SurveyResponse.id)).all()
    return aggregate(spec_of(row), [Response(r.answers, r.groups) for r in rows], min_group(row, settings))


def record_export(s: Session, row: Survey, actor: str, what: str) -> None:
    """Who took the results out of the platform, and in which form."""
    audit(s, actor, "survey.export", TARGET, row.slug, after={"format": what}, reason="导出问卷结果 / results exported")
