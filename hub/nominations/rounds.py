"""Nomination rounds in the platform database: the shell around competitions.nominations.

The rules (who is eligible, who is selected, what each step of the procedure allows) are the pure core's. This
module reads the rows into the core's plain state, calls one step, writes the new state back and appends the
step's audit entries to the audit log, all in the caller's transaction. It is the only writer of nomination rows;
pages and the CLI call these functions inside ``session_scope`` (or commit the handler's session).
"""
from __future__ import annotations

import functools
import hashlib
from collections import defaultdict
from dataclasses import replace
from datetime import datetime, timezone
from typing import Any, Callable, Iterable

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from competitions.nominations import imports, procedure
from competitions.nominations import spec as round_spec
from competitions.nominations.listcheck import Breach, Override
from competitions.nominations.procedure import AuditEntry, Entry, Objection, ProcedureError, RoundState
from competitions.nominations.quota import Candidate, Rules, select as select_list
from competitions.yamlspec import SpecError
from hub.nominations.audit import (AUDIT_COLUMNS, CANDIDATE, ROUND, Replay, audit_csv, audit_events,
                                  audit_rows, candidate_names, read_audit_csv, replay)
from hub.nominations.sources import awarded_before, platform_candidates
from hub.refusals import Refused
from hub.store.orm import (
    AuditLog,
    Member,
    NominationEntry,
    NominationObjection,
    NominationReview,
    NominationRound,
    aware,
)

# The audit trail moved to hub.nominations.audit; callers still reach it (and Member) through this module.
_REEXPORTED = (AUDIT_COLUMNS, Replay, audit_csv, audit_events, audit_rows, candidate_names, read_audit_csv, replay,
               Member)
PLATFORM, IMPORT = "platform", "import"
STAGE_ZH = procedure.STAGE_ZH


class NominationRefused(Refused):
    """A refusal that is not a step of the procedure: unknown round, slug taken, imports not allowed."""


def _now(now: datetime | None) -> datetime:
    return now or datetime.now(timezone.utc)


@functools.lru_cache(maxsize=32)
def _spec(text: str) -> round_spec.NominationRound:
    return round_spec.load_round(text)


def spec_of(row: NominationRound) -> round_spec.NominationRound:
    return _spec(row.spec_yaml)


def privacy_spec_of(row: NominationRound) -> round_spec.NominationRound | None:
    """The round's spec for what public pages may show, or None (the safe default: name, unit, achievement, never a
    score) for a stored file that no longer loads, so that a public page never fails on an old round."""
    try:
        return spec_of(row)
    except SpecError:
        return None


def get_round(s: Session, slug: str, *, lock: bool = False) -> NominationRound:
    query = select(NominationRound).where(NominationRound.slug == slug)
    row = s.scalar(query.with_for_update() if lock else query)  # one writer per round on PostgreSQL
    if row is None:
        raise NominationRefused(404, "round_not_found", "找不到这一轮推荐", "No such nomination round")
    return row


def list_rounds(s: Session) -> list[NominationRound]:
    return list(s.scalars(select(NominationRound).order_by(NominationRound.id.desc())))


def entries_of(s: Session, row: NominationRound) -> list[NominationEntry]:
    """Listed first, then merit order; candidates not yet computed last."""
    return list(s.scalars(select(NominationEntry).where(NominationEntry.round_id == row.id).order_by(
        NominationEntry.included.desc(), NominationEntry.rank.is_(None), NominationEntry.rank, NominationEntry.id)))


def rules_of(spec: round_spec.NominationRound) -> Rules:
    return Rules(spec.quota.slots, spec.quota.women_min_share, spec.quota.max_per_unit, spec.quota.max_per_region)


def is_reviewer(row: NominationRound, username: str) -> bool:
    """Reviewers named in the round file; organizers review every round (checked by the caller's scope)."""
    return username in spec_of(row).procedure.reviewers


def _audit(s: Session, row: NominationRound, entries: Iterable[AuditEntry]) -> None:
    for e in entries:
        target_type, target_id = (ROUND, row.slug) if e.target == "round" else (CANDIDATE, f"{row.id}/{e.target}")
        s.add(AuditLog(at=e.at, actor=e.actor, action=e.action, target_type=target_type, target_id=target_id,
                       before=e.before, after=e.after, reason=e.reason))


# ---- reading the rows as the core's state, and writing a new state back -------------------------------------------

INELIGIBLE_PREFIX = "不符合推荐条件："


def _facts(s: Session, row: NominationRound, entries: list[NominationEntry], *, fresh: bool) -> dict[str, Candidate]:
    """Each candidate as the rules see her: unit, region, gender and eligibility as the draft found them. ``fresh``
    also asks again whether a person has meanwhile been put on a final list of the same award (a round finalized
    since this draft), so that the notice cannot list her twice."""
    spec = spec_of(row)
    awarded = awarded_before(s, row, spec.eligibility.not_awarded_within_years) if fresh else {}
    facts = {}
    for e in entries:
        eligible, why = e.eligible, ""
        if not eligible:  # the draft's reason, "不符合推荐条件：zh / not eligible: en", unless an adjustment replaced it
            zh, _, en = e.reason.partition(" / ")
            why = (f"{zh.removeprefix(INELIGIBLE_PREFIX)} / {en.removeprefix('not eligible: ')}"
                   if zh.startswith(INELIGIBLE_PREFIX) else "不符合推荐条件 / not eligible")
        elif e.candidate_key in awarded:
            eligible, why = False, (f"{awarded[e.candidate_key]} 年已获此奖项 / received this award in "
                                    f"{awarded[e.candidate_key]}")
        facts[e.candidate_key] = Candidate(e.candidate_key, e.name, e.gender, e.unit, e.region, e.merit, eligible, why)
    return facts


def overrides_of(s: Session, row: NominationRound) -> tuple[Override, ...]:
    """The exceptions granted in this round, from its audit trail (the one place they are written)."""
    return tuple(Override.from_record(a.after, a.reason, a.actor, aware(a.at)) for a in audit_rows(s, row)
                 if a.action == "nomination.exception")


def _state(s: Session, row: NominationRound, *, fresh: bool = False) -> RoundState:
    entries = entries_of(s, row)
    key = {e.id: e.candidate_key for e in entries}
    reviews = s.scalars(select(NominationReview).where(NominationReview.round_id == row.id)
                        .order_by(NominationReview.id)).all()
    votes: dict = {}
    for r in reviews:
        if r.vote is not None:
            votes[(r.reviewer, key[r.entry_id])] = r.vote  # the latest vote counts
    objections = s.scalars(select(NominationObjection).where(NominationObjection.round_id == row.id)
                           .order_by(NominationObjection.number)).all()
    return RoundState(
        stage=row.stage, entries=tuple(Entry(e.candidate_key, e.included, e.reason) for e in entries),  # type: ignore[arg-type]
        notice_days=row.notice_days, notice_ends=aware(row.notice_ends_at) if row.notice_ends_at else None,
        objections=tuple(Objection(o.number, o.member, key[o.entry_id], o.text, aware(o.at), o.answer,
                                   o.answered_by or "") for o in objections),
        comments=tuple((r.reviewer, key[r.entry_id], r.comment, aware(r.at)) for r in reviews if r.comment is not None),
        votes=votes, facts=_facts(s, row, entries, fresh=fresh), rules=rules_of(spec_of(row)),
        may_override=spec_of(row).adjustments.override, overrides=overrides_of(s, row))


def rule_check(s: Session, row: NominationRound) -> tuple[list[Breach], list[tuple[Breach, Override]]]:
    """For the pages: the rules the list breaks now, and which of them carry an exception with its reason."""
    state = _state(s, row)
    return state.breaches(), state.exceptions()


def exceptions_of(s: Session, row: NominationRound) -> list[tuple[Breach, Override]]:
    return _state(s, row).exceptions()


def _store(s: Session, row: NominationRound, old: RoundState, new: RoundState, now: datetime) -> None:
    """Write what a step changed: the stage, entries, new comments, votes and objections, answers."""
    if new.stage != row.stage:
        row.stage = new.stage
        if new.stage == "notice":
            row.notice_starts_at, row.notice_ends_at = now, new.notice_ends
        if new.stage == "final":
            row.finalized_at = now
    by_key = {e.candidate_key: e for e in entries_of(s, row)}
    for e in new.entries:
        stored = by_key[str(e.candidate)]
        if (stored.included, stored.reason) != (e.included, e.reason):
            stored.included, stored.reason = e.included, e.reason
    for reviewer, candidate, text, at in new.comments[len(old.comments):]:
        s.add(NominationReview(round_id=row.id, entry_id=by_key[str(candidate)].id, reviewer=reviewer,
                               comment=text, at=at))
    for (reviewer, candidate), approve in new.votes.items():
        if old.votes.get((reviewer, candidate)) != approve:
            s.add(NominationReview(round_id=row.id, entry_id=by_key[str(candidate)].id, reviewer=reviewer,
                                   vote=approve, at=now))
    stored_objections = {o.number: o for o in s.scalars(
        select(NominationObjection).where(NominationObjection.round_id == row.id))}
    for o in new.objections:
        if o.id not in stored_objections:
            s.add(NominationObjection(round_id=row.id, number=o.id, entry_id=by_key[str(o.candidate)].id,
                                      member=o.member, text=o.text, at=o.at))
        elif stored_objections[o.id].answer != o.answer:
            answered = stored_objections[o.id]
            answered.answer, answered.answered_by, answered.answered_at = o.answer, o.answered_by, now
    s.flush()


def _step(s: Session, slug: str, step: Callable[[RoundState], procedure.Step], now: datetime, *,
          fresh: bool = False) -> RoundState:
    row = get_round(s, slug, lock=True)
    old = _state(s, row, fresh=fresh)
    new, audit = step(old)
    _store(s, row, old, new, now)
    _audit(s, row, audit)
    return new


def _key_of(s: Session, row: NominationRound, entry_id: int) -> str:
    entry = s.get(NominationEntry, entry_id)
    if entry is None or entry.round_id != row.id:
        raise ProcedureError(f"名单中没有编号为 {entry_id} 的候选人", f"no candidate {entry_id} in this round")
    return entry.candidate_key


# ---- creating a round, importing outside candidates, computing the draft ------------------------------------------

def create_round(s: Session, text: str | bytes, actor: str, filename: str = "<round>",
                 now: datetime | None = None) -> NominationRound:
    """A new round from its YAML; SpecError lists every problem (field path, line, zh/en) and nothing is stored."""
    spec = round_spec.load_round(text, filename)
    if isinstance(text, bytes):
        text = text.decode("utf-8-sig")
    if s.scalar(select(NominationRound.id).where(NominationRound.slug == spec.slug)) is not None:
        raise NominationRefused(409, "round_exists", f"推荐轮次 {spec.slug} 已存在", f"round {spec.slug} already exists")
    now = _now(now)
    row = NominationRound(slug=spec.slug, title=spec.title, award=spec.award, year=spec.year, spec_yaml=text,
                          stage="draft", notice_days=spec.procedure.notice_days, created_by=actor, created_at=now)
    s.add(row)
    s.flush()
    _audit(s, row, [AuditEntry(now, actor, "nomination.create", "round", None, {
        "slug": spec.slug, "title": spec.title, "award": spec.award, "year": spec.year,
        "sha256": hashlib.sha256(text.encode()).hexdigest()}, "创建推荐轮次 / round created")])
    return row


def import_candidates(s: Session, slug: str, data: bytes, filename: str, actor: str,
                      now: datetime | None = None) -> int:
    """Replace the round's outside candidates with the file's, all or nothing (CandidateFileError names every
    row and column at fault). The draft must then be computed again."""
    row = get_round(s, slug, lock=True)
    procedure.require_stage(_state(s, row), "draft")
    if not spec_of(row).import_external:
        raise NominationRefused(409, "no_imports", "本轮推荐不接受外部候选人（import_external 未开启）",
                                "this round takes no outside candidates (import_external is off)")
    candidates = imports.read_candidates(data, filename)
    achievements = imports.read_achievements(data, filename)
    now = _now(now)
    before = s.scalar(select(func.count()).where(NominationEntry.round_id == row.id, NominationEntry.source == IMPORT))
    s.execute(delete(NominationEntry).where(NominationEntry.round_id == row.id, NominationEntry.source == IMPORT))
    for c in candidates:
        s.add(NominationEntry(round_id=row.id, candidate_key=str(c.id), source=IMPORT, name=c.name, unit=c.unit,
                              region=c.region, gender=c.gender, merit=c.merit, achievement=achievements.get(str(c.id), ""),
                              included=False, reason="待计算 / not computed yet"))
    row.drafted_at = None
    _audit(s, row, [AuditEntry(now, actor, "nomination.import", "round", {"imported": before}, {
        "imported": len(candidates), "file": filename, "sha256": hashlib.sha256(data).hexdigest()},
        "导入外部候选人 / outside candidates imported")])
    s.flush()
    return len(candidates)


def compute_draft(s: Session, slug: str, actor: str, now: datetime | None = None) -> dict[str, Any]:
    """Select the list from the platform's candidates (members, or studios in a studio round) and the imported ones;
    every candidate gets a reason.
    Allowed (again) while the round is a draft. Returns how many women the share needs and got."""
    now = _now(now)
    row = get_round(s, slug, lock=True)
    old = _state(s, row)
    procedure.require_stage(old, "draft")
    spec = spec_of(row)
    stored = {e.candidate_key: e for e in entries_of(s, row)}
    found = platform_candidates(s, row, spec)
    keep = {str(f.candidate.id) for f in found} | {k for k, e in stored.items() if e.source == IMPORT}
    for key, e in stored.items():
        if key not in keep:
            s.delete(e)
    for f in found:
        c, key = f.candidate, str(f.candidate.id)
        e = stored.get(key) or NominationEntry(round_id=row.id, candidate_key=key, source=PLATFORM)
        e.member_id, e.name, e.unit, e.region, e.gender = f.member_id, c.name, c.unit, c.region, c.gender
        e.merit, e.achievement = c.merit, f.achievement
        stored[key] = e
        s.add(e)
    candidates = [Candidate(k, e.name, e.gender, e.unit, e.region, e.merit) for k, e in stored.items()
                  if e.source == IMPORT] + [f.candidate for f in found]
    selection = select_list(candidates, Rules(spec.quota.slots, spec.quota.women_min_share,
                                              spec.quota.max_per_unit, spec.quota.max_per_region))
    rank = {key: place for place, key in enumerate(selection.order, start=1)}
    eligible = {str(c.id): c.eligible for c in candidates}
    ineligible = {str(c.id): c.ineligible_reason for c in candidates}
    for key, e in stored.items():
        if key not in keep:
            continue
        reason = selection.reasons[key]
        e.included, e.eligible, e.rank = reason.selected, eligible[key], rank.get(key)
        e.reason = f"{reason.zh} / {reason.en}"
        if reason.code == "ineligible":  # the core puts our "zh / en" in both halves; say each once
            zh, _, en = ineligible[key].partition(" / ")
            e.reason = f"不符合推荐条件：{zh} / not eligible: {en}"
    row.selection_problem = f"{selection.problem_zh} / {selection.problem_en}" if not selection.feasible else ""
    s.flush()
    _, audit = procedure.draft([Entry(e.candidate_key, e.included, e.reason) for e in entries_of(s, row)],
                               row.notice_days, actor, now)
    summary = {"women_required": selection.women_required, "women_selected": selection.women_selected,
               "feasible": selection.feasible, "candidates": len(candidates)}
    previous = {"listed": [str(c) for c in old.listed]} if row.drafted_at is not None else None
    audit = [replace(a, before=previous, after={**(a.after or {}), **summary}) for a in audit]
    row.drafted_at = now
    _audit(s, row, audit)
    s.flush()
    return summary


# ---- the procedure's steps ------------------------------------------------------------------------------------------

def start_review(s: Session, slug: str, actor: str, now: datetime | None = None) -> RoundState:
    row = get_round(s, slug)
    if row.stage == "draft" and row.drafted_at is None:
        raise ProcedureError("请先计算草拟名单", "compute the draft list first")
    now = _now(now)
    return _step(s, slug, lambda st: procedure.start_review(st, actor, now), now)


def comment(s: Session, slug: str, reviewer: str, entry_id: int, text: str, now: datetime | None = None) -> RoundState:
    now, key = _now(now), _key_of(s, get_round(s, slug), entry_id)
    return _step(s, slug, lambda st: procedure.comment(st, reviewer, key, text, now), now)


def vote(s: Session, slug: str, reviewer: str, entry_id: int, approve: bool, now: datetime | None = None) -> RoundState:
    now, key = _now(now), _key_of(s, get_round(s, slug), entry_id)
    return _step(s, slug, lambda st: procedure.vote(st, reviewer, key, approve, now), now)


def adjust(s: Session, slug: str, actor: str, entry_id: int, include: bool, reason: str,
           now: datetime | None = None, override_reason: str = "") -> RoundState:
    """Put someone on the list or take her off; the procedure refuses it without a written reason, and one that
    breaks the round's rules unless the round allows an exception and ``override_reason`` gives it."""
    now, key = _now(now), _key_of(s, get_round(s, slug), entry_id)
    return _step(s, slug, lambda st: procedure.adjust(st, actor, key, include, reason, now, override_reason), now)


def swap(s: Session, slug: str, actor: str, off_entry: int, on_entry: int, reason: str,
         now: datetime | None = None, override_reason: str = "") -> RoundState:
    """One off the list, another on, in one step checked as a whole (递补)."""
    row = get_round(s, slug)
    now, off, on = _now(now), _key_of(s, row, off_entry), _key_of(s, row, on_entry)
    return _step(s, slug, lambda st: procedure.swap(st, actor, off, on, reason, now, override_reason), now)


def start_notice(s: Session, slug: str, actor: str, now: datetime | None = None,
                 override_reason: str = "") -> RoundState:
    """The 公示 starts once the whole list keeps the rules (or carries its exceptions, where the round allows)."""
    now = _now(now)
    return _step(s, slug, lambda st: procedure.start_notice(st, actor, now, override_reason), now, fresh=True)


def object_to(s: Session, slug: str, member: str, entry_id: int, text: str, now: datetime | None = None) -> RoundState:
    now, key = _now(now), _key_of(s, get_round(s, slug), entry_id)
    return _step(s, slug, lambda st: procedure.object_to(st, member, key, text, now), now)


def answer(s: Session, slug: str, actor: str, number: int, text: str, now: datetime | None = None) -> RoundState:
    now = _now(now)
    return _step(s, slug, lambda st: procedure.answer(st, actor, number, text, now), now)


def finalize(s: Session, slug: str, actor: str, now: datetime | None = None) -> RoundState:
    now = _now(now)
    # the stored list, as the notice showed it (a person awarded meanwhile was caught when the notice started)
    return _step(s, slug, lambda st: procedure.finalize(st, actor, now), now)


def reviews_of(s: Session, row: NominationRound) -> dict[int, list[NominationReview]]:
    out: dict[int, list[NominationReview]] = defaultdict(list)
    for r in s.scalars(select(NominationReview).where(NominationReview.round_id == row.id).order_by(NominationReview.id)):
        out[r.entry_id].append(r)
    return out


def objections_of(s: Session, row: NominationRound, member: str | None = None) -> list[NominationObjection]:
    query = select(NominationObjection).where(NominationObjection.round_id == row.id)
    if member is not None:
        query = query.where(NominationObjection.member == member)
    return list(s.scalars(query.order_by(NominationObjection.number)))
