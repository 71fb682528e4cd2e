"""Competitions rows as the rules see them (spec, member, score record), and the leaderboards kept hot in the
service: built once per (competition, phase, kind) from the database, then
updated incrementally as grades arrive. Only the web loop touches a board; the grading threads hand new
scores over with ``IOLoop.add_callback``."""
from __future__ import annotations

import functools
import threading
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from tornado.ioloop import IOLoop

import competitions as core
from competitions.divisions import SPLIT_FIELDS
from hub.store.orm import (Competition, Disqualification, EmploymentForm, Grade, Industry, Member, Region, Submission,
                     aware)

Key = tuple[int, str, str]  # competition id, phase key, "public" | "private"


@functools.lru_cache(maxsize=32)
def _load(text: str) -> core.Competition:
    return core.load_competition(text)


def spec_of(row: Competition) -> core.Competition:
    return _load(row.spec_yaml)


def core_member(m: Member) -> core.Member:
    """Her profile as the competition rules see it."""
    units, unit = [], m.org_unit
    while unit is not None:
        units.append(unit.code)
        unit = unit.parent
    return core.Member(id=m.id, real_name=m.real_name, status=m.status.value, units=tuple(reversed(units)),
                       unit_name=m.org_unit.name, region=m.region.code, industry=m.industry.code,
                       employment_form=m.employment_form.code, new_form=m.employment_form.is_new_form)


def cells_of(grade: Grade) -> list[tuple[str, float, float]]:
    """(cell, points, max points) of every autograded cell of a graded submission."""
    return [(c["cell"], float(c["points"]), float(c["max_points"]))
            for nb in (grade.detail or {}).get("notebooks", []) for c in nb.get("cells", [])
            if c.get("test", True) and float(c.get("max_points", 0)) > 0]


def score_record(spec: core.Competition, sub: Submission, grade: Grade | None) -> core.ScoreRecord | None:
    """The rules' view of one submission: its phase, public and private scores."""
    at = aware(sub.received_at)
    phase = spec.phase_at(at)
    task = phase.task(sub.task) if phase else None
    if phase is None or task is None:
        return None
    public = private = None
    if grade is not None:
        public, private = core.split_score(spec, phase, task, cells_of(grade))
    return core.ScoreRecord(member=sub.member_id, task=sub.task, phase=phase.key, public_score=public,
                            private_score=private, submitted_at=at, status=sub.status, id=sub.id)


def shown_score(spec: core.Competition, sub: Submission, grade: Grade | None, now: datetime, *,
                full: bool = False) -> dict[str, Any]:
    """One submission's score as a competitor may see it at ``now``: until its phase closes, only the public score
    (on the public board's scale, the task's max score), since the score over every hidden test is what the
    private board ranks by; once the phase has closed (or for an organizer, ``full``), the score over all tests.
    ``{"score", "max_score", "board": "public" | "private"}``; scores are None until graded."""
    at = aware(sub.received_at)
    phase = spec.phase_at(at)
    task = phase.task(sub.task) if phase else None
    if full or (phase is not None and core.private_visible(phase, now)):
        return {"score": grade.score if grade else None, "max_score": grade.max_score if grade else None,
                "board": "private"}
    if grade is None or phase is None or task is None:
        return {"score": None, "max_score": task.max_score if task else None, "board": "public"}
    record = score_record(spec, sub, grade)  # as the public board computes it, so the two always agree
    return {"score": record.public_score if record else None, "max_score": task.max_score, "board": "public"}


PUBLIC_SCORE_NOTE = ("这是公开榜得分（部分测试）；全部测试的最终得分在本阶段结束后公布",
                     "This is your public score (some of the tests); the final score over all tests is shown after "
                     "the phase closes")


# The reference table naming the codes of each field a division may be split by (competitions.divisions.SPLIT_FIELDS).
REFERENCE_OF = {"region": Region, "industry": Industry, "employment_form": EmploymentForm}


def division_names(session: Session) -> dict[str, dict[str, str]]:
    """The Chinese names of every code a division can be split by (the reference tables, hub/data/reference.yaml),
    by split field: what competitions.divisions.board_titles needs to say 地区分榜·浙江省 instead of ·zhejiang."""
    return {field: dict(session.execute(select(REFERENCE_OF[field].code, REFERENCE_OF[field].name)).all())
            for field in SPLIT_FIELDS}


class BoardCache:
    """Every competition's boards, as competitions.Leaderboard objects, for one service process."""

    def __init__(self, loop: IOLoop | None = None):
        self.loop = loop
        self._boards: dict[Key, core.Leaderboard] = {}
        self._specs: dict[int, core.Competition] = {}
        # Scores handed over by grading threads, moved onto the boards by one loop callback for all that came
        # meanwhile (a run's results arrive together): not one callback per submission.
        self._incoming: list[tuple[int, core.ScoreRecord, core.Member]] = []
        self._incoming_lock = threading.Lock()

    def board(self, session: Session, comp: Competition, spec: core.Competition, phase: str, kind: str,
              now: datetime) -> core.Leaderboard:
        key = (comp.id, phase, kind)
        cutoff = core.public_cutoff(spec, spec.phase(phase), now) if kind == "public" else None
        lb = self._boards.get(key)
        if lb is None or self._specs.get(comp.id) is not spec:
            lb = self._boards[key] = self._build(session, comp, spec, phase, kind, cutoff)
            self._specs[comp.id] = spec
        elif lb.cutoff != cutoff:
            lb.set_cutoff(cutoff)  # the freeze began since the board was built
        return lb

    def _build(self, session: Session, comp: Competition, spec: core.Competition, phase: str, kind: str,
               cutoff: datetime | None) -> core.Leaderboard:
        rows = session.execute(select(Submission, Grade).join(Grade, Grade.submission_id == Submission.id)
                               .where(Submission.competition_id == comp.id, Submission.status == "graded")).all()
        records = [r for r in (score_record(spec, sub, grade) for sub, grade in rows) if r and r.phase == phase]
        ids = {r.member for r in records}
        members = {m.id: core_member(m) for m in session.scalars(select(Member).where(Member.id.in_(ids)))} if ids else {}
        lb = core.Leaderboard(spec, phase, kind=kind, cutoff=cutoff, members=members, records=records)
        for member_id in session.scalars(select(Disqualification.member_id)
                                         .where(Disqualification.competition_id == comp.id)):
            lb.disqualify(member_id)
        return lb

    def disqualify(self, comp_id: int, member_id: int, out: bool = True) -> None:
        """Take her off (or, with out=False, put her back on) every board of the competition at once."""
        for (cid, _phase, _kind), lb in self._boards.items():
            if cid == comp_id:
                lb.disqualify(member_id) if out else lb.reinstate(member_id)

    def on_graded(self, session: Session, sub: Submission, grade: Grade) -> None:
        """Grading-thread callback: store the public score, then move the boards on the web loop."""
        if sub.competition_id is None:
            return
        comp = session.get(Competition, sub.competition_id)
        spec = spec_of(comp)
        record = score_record(spec, sub, grade)
        if record is None:
            return
        grade.public_score = record.public_score
        member = core_member(session.get(Member, sub.member_id))
        if self.loop is not None:
            with self._incoming_lock:
                self._incoming.append((comp.id, record, member))
                if len(self._incoming) > 1:  # a callback is already on its way and takes this one too
                    return
            self.loop.add_callback(self._add_incoming)

    def _add_incoming(self) -> None:
        with self._incoming_lock:
            batch, self._incoming = self._incoming, []
        for comp_id, record, member in batch:
            self._add(comp_id, record, member)

    def _add(self, comp_id: int, record: core.ScoreRecord, member: core.Member) -> None:
        for (cid, phase, _kind), lb in self._boards.items():
            if cid == comp_id and phase == record.phase:
                lb.set_member(member)
                lb.add(record)


def board_json(lb: core.Leaderboard, privacy: Any, division: str, offset: int, limit: int, viewer: Any,
               division_title: str | None = None) -> dict:
    """A page of a board as the Leaderboard widget reads it; ``division_title`` is the board's name for people."""
    rows = lb.page(division, offset, limit)
    entries = []
    for row in rows:
        shown = core.public_row(row, lb.member(row.member), privacy, viewer=viewer)
        entries.append({"rank": shown["rank"], "display_name": shown["name"], "unit": shown.get("unit", ""),
                        "score": shown["total"], "submissions": shown["submissions"],
                        "reached_at": shown["reached_at"], "me": shown["me"]})
    mine = lb.rank_of(viewer, division) if viewer is not None else None
    return {"board": lb.kind, "division": division, "division_title": division_title or division,
            "frozen": lb.cutoff is not None, "total": lb.size(division),
            "entries": entries, "me": {"rank": mine.rank, "score": mine.total} if mine else None}
