"""The demo's nomination rounds: a 五一巾帼奖 round finalized, and a second one in its public notice (公示) with
one objection."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.demo.competitions import CLOSED_SLUG, OPEN_SLUG
from hub.nominations import rounds as nominations
from hub.store.orm import NominationRound

FINAL_ROUND, NOTICE_ROUND = "demo-may-day-women-2026", "demo-may-day-women-2027"
OBJECTOR = "worker22"


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
