"""The audit trail of a nomination round: every step in order, a CSV export an inspector keeps, and a replay that
rebuilds the stage, the list and the objections from the export alone. hub/nominations/rounds.py writes the entries."""
from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from typing import Any, Iterable

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from hub.store.orm import AuditLog, NominationEntry, NominationRound, aware

ROUND = "nomination_round"  # audit target types: the round itself, or one candidate of it
CANDIDATE = "nomination_entry"


def audit_rows(s: Session, row: NominationRound) -> list[AuditLog]:
    return list(s.scalars(select(AuditLog).where(or_(
        and_(AuditLog.target_type == ROUND, AuditLog.target_id == row.slug),
        and_(AuditLog.target_type == CANDIDATE, AuditLog.target_id.startswith(f"{row.id}/", autoescape=True))))
        .order_by(AuditLog.id)))


def candidate_names(s: Session, row: NominationRound) -> dict[str, str]:
    return dict(s.execute(select(NominationEntry.candidate_key, NominationEntry.name)
                     .where(NominationEntry.round_id == row.id)).all())


AUDIT_COLUMNS = ("序号 seq", "时间 at", "操作人 actor", "操作 action", "对象 target", "候选人 candidate",
                 "变更前 before", "变更后 after", "理由 reason")


def audit_events(rows: Iterable[AuditLog], names: dict[str, str]) -> list[dict[str, Any]]:
    """The audit rows as plain events: the candidate key without the round's id, her name beside it."""
    out = []
    for seq, r in enumerate(rows, start=1):
        target = r.target_id.split("/", 1)[1] if r.target_type == CANDIDATE else "round"
        out.append({"seq": seq, "at": aware(r.at).isoformat(), "actor": r.actor, "action": r.action,
                    "target": target, "candidate": names.get(target, ""), "before": r.before, "after": r.after,
                    "reason": r.reason})
    return out


def audit_csv(events: list[dict[str, Any]]) -> bytes:
    """UTF-8 with a BOM so Excel opens the Chinese right; before/after as JSON so the export replays."""
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(AUDIT_COLUMNS)
    for e in events:
        w.writerow([e["seq"], e["at"], e["actor"], e["action"], e["target"], e["candidate"],
                    "" if e["before"] is None else json.dumps(e["before"], ensure_ascii=False, sort_keys=True),
                    "" if e["after"] is None else json.dumps(e["after"], ensure_ascii=False, sort_keys=True),
                    e["reason"]])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def read_audit_csv(data: bytes) -> list[dict[str, Any]]:
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    keys = ("seq", "at", "actor", "action", "target", "candidate", "before", "after", "reason")
    events = []
    for values in rows[1:]:
        e = dict(zip(keys, values))
        e["seq"] = int(e["seq"])
        e["before"] = json.loads(e["before"]) if e["before"] else None
        e["after"] = json.loads(e["after"]) if e["after"] else None
        events.append(e)
    return events


@dataclass
class Replay:
    """What an inspector rebuilds from the audit alone."""

    stage: str = "draft"
    listed: set[str] = field(default_factory=set)
    objections: dict[int, str] = field(default_factory=dict)  # number → answer ("" while unanswered)
    steps: list[str] = field(default_factory=list)


def replay(events: Iterable[dict[str, Any]]) -> Replay:
    """Fold the audit events in order into the round's stage, list and objections; a final event whose list
    disagrees with the replayed one raises ValueError (the trail would not explain the list)."""
    r = Replay()
    for e in events:
        action, after = e["action"], e["after"] or {}
        r.steps.append(action)
        if action == "nomination.draft":
            r.listed = set(after["listed"])
        elif action == "nomination.adjust":
            (r.listed.add if after["included"] else r.listed.discard)(e["target"])
        elif action in ("nomination.review", "nomination.notice", "nomination.final"):
            r.stage = after["stage"]
            if action == "nomination.final" and set(after["listed"]) != r.listed:
                raise ValueError("the final list is not what the audited steps give")
        elif action == "nomination.objection":
            r.objections[after["objection"]] = ""
        elif action == "nomination.answer":
            r.objections[after["objection"]] = after["answer"]
    return r
