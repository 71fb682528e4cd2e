"""The standard procedure of a nomination round, as pure functions over plain data:

draft (computed list) → review (comments, votes; the organizer adjusts with a written reason) → 公示 public notice for
N days → objections (any member, during the notice; the organizer answers) → final, after which nothing changes.

Every step returns the new state and the audit entries it implies (who, when, what, before, after, why); the hub
stores both in one transaction.

When the state carries the candidates' facts and the round's rules, no step lets the list break a rule unannounced:
an adjustment that breaks one (places, a unit/region cap, eligibility, the women's share) is refused with the reason,
or, where the round allows overrides, needs a written reason and is recorded as an exception (``overrides``); the
start of the notice and the finalize check the whole list again.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Hashable, Literal, Mapping

from competitions.nominations import listcheck
from competitions.nominations.listcheck import Breach, Override
from competitions.nominations.quota import Candidate, Rules
from competitions.nominations.times import beijing_en, beijing_zh

Stage = Literal["draft", "review", "notice", "final"]
STAGE_ZH = {"draft": "草拟", "review": "评审", "notice": "公示", "final": "定稿"}


class ProcedureError(ValueError):
    def __init__(self, zh: str, en: str):
        super().__init__(f"{zh} / {en}")
        self.zh, self.en = zh, en


@dataclass(frozen=True, slots=True)
class Entry:
    candidate: Hashable
    included: bool
    reason: str  # why she is (not) on the list: the selection's reason, or the organizer's written one


@dataclass(frozen=True, slots=True)
class Objection:
    id: int
    member: str
    candidate: Hashable
    text: str
    at: datetime
    answer: str = ""
    answered_by: str = ""


@dataclass(frozen=True, slots=True)
class AuditEntry:
    at: datetime
    actor: str
    action: str
    target: str
    before: dict | None
    after: dict | None
    reason: str = ""


@dataclass(frozen=True, slots=True)
class RoundState:
    stage: Stage
    entries: tuple[Entry, ...]
    notice_days: int
    notice_ends: datetime | None = None
    objections: tuple[Objection, ...] = ()
    comments: tuple[tuple[str, Hashable, str, datetime], ...] = ()  # reviewer, candidate, text, when
    votes: dict = field(default_factory=dict)  # (reviewer, candidate) → True (for) | False (against)
    # what the rules are checked on: every candidate's facts (unit, region, gender, eligibility) and the round's
    # rules; without rules (None) the list is not checked
    facts: Mapping[Hashable, Candidate] = field(default_factory=dict)
    rules: Rules | None = None
    may_override: bool = False  # the round's adjustments.override
    overrides: tuple[Override, ...] = ()  # exceptions granted so far, each with its written reason

    def entry(self, candidate: Hashable) -> Entry:
        for e in self.entries:
            if e.candidate == candidate:
                return e
        raise ProcedureError(f"名单中没有候选人 {candidate}", f"no candidate {candidate} in this round")

    @property
    def listed(self) -> list[Hashable]:
        return [e.candidate for e in self.entries if e.included]

    def breaches(self) -> list[Breach]:
        """Every rule the current list breaks (none when the round's rules are not known)."""
        if self.rules is None:
            return []
        return listcheck.breaches(listcheck.listed_facts(self.listed, self.facts), self.rules)

    def exceptions(self) -> list[tuple[Breach, Override]]:
        """The exceptions the list carries now: each broken rule with the written reason that allows it."""
        return listcheck.announced(self.breaches(), self.overrides)


Step = tuple[RoundState, list[AuditEntry]]


def _need(state: RoundState, *stages: Stage) -> None:
    if state.stage == "final":
        raise ProcedureError("名单已定稿，不能再修改", "the list is final and can no longer change")
    if state.stage not in stages:
        wanted = "、".join(STAGE_ZH[s] for s in stages)
        raise ProcedureError(f"当前处于{STAGE_ZH[state.stage]}阶段，此操作只能在{wanted}阶段进行",
                             f"the round is in {state.stage}; this is allowed only in {', '.join(stages)}")


def require_stage(state: RoundState, *stages: Stage) -> None:
    """Refuse, in the procedure's own words, a write the round's stage does not allow (every write after final).
    For the shell's own writes around the steps (importing candidates, recomputing the draft)."""
    _need(state, *stages)


def draft(entries: list[Entry], notice_days: int, actor: str, now: datetime) -> Step:
    state = RoundState("draft", tuple(entries), notice_days)
    return state, [AuditEntry(now, actor, "nomination.draft", "round", None,
                              {"listed": [str(c) for c in state.listed]}, "按规则计算 / computed by the rules")]


def start_review(state: RoundState, actor: str, now: datetime) -> Step:
    _need(state, "draft")
    return replace(state, stage="review"), [AuditEntry(now, actor, "nomination.review", "round", {"stage": "draft"},
                                                       {"stage": "review"})]


def comment(state: RoundState, reviewer: str, candidate: Hashable, text: str, now: datetime) -> Step:
    _need(state, "review")
    state.entry(candidate)
    if not text.strip():
        raise ProcedureError("评审意见不能为空", "a comment needs text")
    new = replace(state, comments=state.comments + ((reviewer, candidate, text.strip(), now),))
    return new, [AuditEntry(now, reviewer, "nomination.comment", str(candidate), None, {"text": text.strip()})]


def vote(state: RoundState, reviewer: str, candidate: Hashable, approve: bool, now: datetime) -> Step:
    _need(state, "review")
    state.entry(candidate)
    before = state.votes.get((reviewer, candidate))
    votes = {**state.votes, (reviewer, candidate): approve}
    return replace(state, votes=votes), [AuditEntry(now, reviewer, "nomination.vote", str(candidate),
                                                    None if before is None else {"approve": before},
                                                    {"approve": approve})]


MIN_REASON = 4  # characters of a written reason (an adjustment's or an exception's)


def _rules_kept(state: RoundState, broken: list[Breach], actor: str, now: datetime, override_reason: str,
                refused_zh: str, refused_en: str) -> tuple[tuple[Override, ...], list[AuditEntry]]:
    """Refuse a step that leaves ``broken`` rules, or, where the round allows it and a reason is written, grant
    each an exception (audited as ``nomination.exception``)."""
    if not broken:
        return state.overrides, []
    what_zh, what_en = "；".join(b.zh for b in broken), "; ".join(b.en for b in broken)
    if not state.may_override:
        raise ProcedureError(f"{refused_zh}：{what_zh}", f"{refused_en}: {what_en}")
    reason = override_reason.strip()
    if len(reason) < MIN_REASON:
        raise ProcedureError(f"{refused_zh}：{what_zh}。本轮允许例外，但必须写明例外理由",
                             f"{refused_en}: {what_en}. This round allows an exception, but only with a written "
                             "reason for it")
    granted = tuple(Override.granting(b, reason, actor, now) for b in broken)
    audit = [AuditEntry(now, actor, "nomination.exception", b.subject if b.code == "ineligible" else "round", None,
                        o.as_record(), reason) for b, o in zip(broken, granted)]
    return state.overrides + granted, audit


def _change(state: RoundState, actor: str, changes: list[tuple[Hashable, bool]], reason: str, now: datetime,
            override_reason: str) -> Step:
    """Put people on the list or take them off in one step, with a written reason, within the round's rules."""
    _need(state, "review")
    if len(reason.strip()) < MIN_REASON:
        raise ProcedureError("调整名单必须写明理由", "an adjustment needs a written reason")
    old = {c: state.entry(c) for c, _ in changes}
    if len(old) != len(changes):
        raise ProcedureError("同一人在一次调整中只能出现一次", "one adjustment names each person once")
    for candidate, include in changes:
        if old[candidate].included == include:
            who = state.facts[candidate].name if candidate in state.facts else str(candidate)
            raise ProcedureError("名单没有变化" if len(changes) == 1 else
                                 f"{who} 已{'在' if include else '不在'}名单上，名单没有变化",
                                 "the list would not change" if len(changes) == 1 else
                                 f"{who} is {'already' if include else 'not'} on the list; nothing would change")
    wanted = dict(changes)
    entries = tuple(Entry(e.candidate, wanted[e.candidate], reason.strip()) if e.candidate in wanted else e
                    for e in state.entries)
    new = replace(state, entries=entries)
    broken = listcheck.uncovered(listcheck.worse(state.breaches(), new.breaches()), state.overrides)
    overrides, granted = _rules_kept(state, broken, actor, now, override_reason,
                                     "这项调整会违反本轮推荐规则", "the adjustment would break the round's rules")
    audit = [AuditEntry(now, actor, "nomination.adjust", str(c), {"included": old[c].included, "reason": old[c].reason},
                        {"included": include}, reason.strip()) for c, include in changes]
    return replace(new, overrides=overrides), audit + granted


def adjust(state: RoundState, actor: str, candidate: Hashable, include: bool, reason: str, now: datetime,
           override_reason: str = "") -> Step:
    """The organizer puts someone on the list or takes her off; only with a written reason, within the rules."""
    return _change(state, actor, [(candidate, include)], reason, now, override_reason)


def swap(state: RoundState, actor: str, off: Hashable, on: Hashable, reason: str, now: datetime,
         override_reason: str = "") -> Step:
    """One off the list and another on in one step (递补), checked as a whole: on a full list neither half alone
    keeps the places and the women's share."""
    return _change(state, actor, [(off, False), (on, True)], reason, now, override_reason)


def _whole_list(state: RoundState, actor: str, now: datetime, override_reason: str, refused_zh: str,
                refused_en: str) -> tuple[tuple[Override, ...], list[AuditEntry]]:
    """The whole list against the rules: every broken rule must carry its exception."""
    return _rules_kept(state, listcheck.uncovered(state.breaches(), state.overrides), actor, now, override_reason,
                       refused_zh, refused_en)


def start_notice(state: RoundState, actor: str, now: datetime, override_reason: str = "") -> Step:
    """The 公示 starts; a list that breaks a rule goes only with its exceptions announced (where allowed)."""
    _need(state, "review")
    overrides, granted = _whole_list(state, actor, now, override_reason, "名单违反本轮推荐规则，不能公示",
                                     "the list breaks the round's rules and cannot go to public notice")
    ends = now + timedelta(days=state.notice_days)
    return replace(state, stage="notice", notice_ends=ends, overrides=overrides), granted + [AuditEntry(
        now, actor, "nomination.notice", "round", {"stage": "review"}, {"stage": "notice", "ends": ends.isoformat()})]


def object_to(state: RoundState, member: str, candidate: Hashable, text: str, now: datetime) -> Step:
    """Any logged-in member files an objection while the notice runs."""
    _need(state, "notice")
    if state.notice_ends is not None and now >= state.notice_ends:
        raise ProcedureError("公示期已结束，不能再提出异议", "the public notice has ended; objections are closed")
    if not state.entry(candidate).included:
        raise ProcedureError("只能对公示名单中的人提出异议", "objections are for people on the notice list")
    if len(text.strip()) < 4:
        raise ProcedureError("请写明异议的具体内容", "say what the objection is")
    obj = Objection(len(state.objections) + 1, member, candidate, text.strip(), now)
    return replace(state, objections=state.objections + (obj,)), [AuditEntry(
        now, member, "nomination.objection", str(candidate), None, {"objection": obj.id, "text": obj.text})]


def answer(state: RoundState, actor: str, objection_id: int, text: str, now: datetime) -> Step:
    _need(state, "notice")
    found = [o for o in state.objections if o.id == objection_id]
    if not found:
        raise ProcedureError(f"没有第 {objection_id} 号异议", f"no objection {objection_id}")
    if not text.strip():
        raise ProcedureError("答复不能为空", "an answer needs text")
    old = found[0]
    new = replace(old, answer=text.strip(), answered_by=actor)
    objections = tuple(new if o.id == objection_id else o for o in state.objections)
    return replace(state, objections=objections), [AuditEntry(
        now, actor, "nomination.answer", str(old.candidate), {"objection": old.id, "answer": old.answer or None},
        {"objection": old.id, "answer": new.answer})]


def finalize(state: RoundState, actor: str, now: datetime) -> Step:
    """After the notice has run its days and every objection has its answer, the list becomes final."""
    _need(state, "notice")
    if state.notice_ends is not None and now < state.notice_ends:
        raise ProcedureError(f"公示期到 {beijing_zh(state.notice_ends)} 才结束",
                             f"the notice runs until {beijing_en(state.notice_ends)}")
    # no exception can be granted now: the list the public saw is the list that becomes final
    broken = listcheck.uncovered(state.breaches(), state.overrides)
    if broken:
        raise ProcedureError("名单违反本轮推荐规则且未在公示中说明，不能定稿：" + "；".join(b.zh for b in broken),
                             "the list breaks the round's rules without an announced exception and cannot become "
                             "final: " + "; ".join(b.en for b in broken))
    open_ = [o.id for o in state.objections if not o.answer]
    if open_:
        raise ProcedureError(f"还有 {len(open_)} 条异议未答复（编号 {', '.join(map(str, open_))}）",
                             f"{len(open_)} objection(s) still unanswered: {', '.join(map(str, open_))}")
    return replace(state, stage="final"), [AuditEntry(now, actor, "nomination.final", "round", {"stage": "notice"},
                                                      {"stage": "final", "listed": [str(c) for c in state.listed]})]
