"""Competitions over the JSON API: what the Countdown and Submit widgets and the pages read, and the submission
road into the grading queue. The rules are competitions/'s; this module only persists and serves them."""
from __future__ import annotations

import asyncio
import weakref
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import defer

import competitions as core
from competitions.divisions import board_title
from hub.competitions.admin import context_for
from hub.competitions.boards import (PUBLIC_SCORE_NOTE, board_json, core_member, division_names, shown_score,
                                    spec_of)
from hub.settings import competition_folder
from grading.statuses import SubmissionStatus, is_final
from hub.store.orm import Competition, Grade, Submission, aware
from hub.refusals import Refused
from hub.web.base import APIHandler, requires
from hub.web.shown import shown_phase
from hub.submissions.receive import notebook_bytes, receive
from hub.scopes import LEARN, ORGANIZE

LIMIT_CODES = {"daily_limit", "phase_limit"}
ELIGIBILITY_CODES = {"not_approved", "disqualified", "unit", "division", "course", "not_qualified"}


_HANDING_IN: weakref.WeakValueDictionary[tuple[int, int], asyncio.Lock] = weakref.WeakValueDictionary()


def her_hand_in(competition_id: int, member_id: int) -> asyncio.Lock:
    """The lock her hand-ins to one competition take in turn (kept while anyone holds or waits for it)."""
    key = (competition_id, member_id)
    lock = _HANDING_IN.get(key)
    if lock is None:
        lock = _HANDING_IN[key] = asyncio.Lock()
    return lock


def competition_json(row: Competition, now: datetime) -> dict:
    spec = spec_of(row)
    c = core.clock(spec, now)
    return {"slug": row.slug, "title": spec.title, "description": spec.description, "status": row.status,
            "server_time": now,
            "timezone": spec.timezone, "current_phase": c.phase if c.state == "open" else None,
            "clock": {"state": c.state, "phase": c.phase, "opens_at": c.opens_at, "closes_at": c.closes_at,
                      "seconds_left": c.seconds_left, "frozen": c.frozen},
            "phases": [{"key": p.key, "title": p.title, "opens_at": p.opens_at, "closes_at": p.closes_at,
                        "tasks": [t.assignment for t in p.tasks]} for p in spec.phases]}


class CompetitionBase(APIHandler):
    """What the competition handlers share: finding the competition. It answers no method itself, so a handler
    answers only the methods it defines (a GET on …/submissions once inherited the competition's own GET)."""

    def _competition(self, slug: str) -> Competition:
        row = self.db.scalar(select(Competition).where(Competition.slug == slug))
        if row is None or row.status == "draft":
            raise Refused(404, "competition_not_found", "找不到这个竞赛", "Competition not found")
        return row


class CompetitionHandler(CompetitionBase):
    """GET /competitions/SLUG: phases, tasks and the clock."""

    @requires(LEARN)
    async def get(self, slug: str) -> None:
        self.write_json(competition_json(self._competition(slug), datetime.now(timezone.utc)))


class SubmissionsHandler(CompetitionBase):
    """POST /competitions/SLUG/submissions {"task", "notebook"}: stored, then queued; 202 "received". POST only (a
    GET answers 405): her submissions of a competition are listed by GET /exchange/competitions (docs/api.md)."""

    @requires(LEARN)
    async def post(self, slug: str) -> None:
        row, member = self._competition(slug), self.member
        if member is None:
            raise Refused(403, "not_a_member", "请先完成报名", "Sign up as a member first")
        body = self.json_body()
        # Checked, stored and committed in a worker thread (the disk sync of the commit, the notebook's bytes and
        # checksum), so the web loop answers the rest of a rush meanwhile; her own hand-ins go one at a time, each
        # checked against what she has stored, so two at once cannot both take her last place of the day.
        async with her_hand_in(row.id, member.id):
            sub, left = await self.off_loop(self._store, row, member, str(body.get("task", "")), body.get("notebook"))
        self.settings["grading_queue"].enqueue(sub.id)
        received = SubmissionStatus.received
        self.write_json({"id": sub.id, "status": received, "final": received.final, "sha256": sub.sha256,
                         "remaining_today": left}, 202)

    def _store(self, row: Competition, member: Any, task: str, notebook: Any) -> tuple[Submission, int | None]:
        """Her hand-in checked against the rules and her history, stored and committed (durable before she hears
        "received"); the submission and her hand-ins left today."""
        now, spec = datetime.now(timezone.utc), spec_of(row)
        history = [core.Attempt(task=t, submitted_at=aware(at), status=st) for t, at, st in self.db.execute(
            select(Submission.task, Submission.received_at, Submission.status)
            .where(Submission.competition_id == row.id, Submission.member_id == member.id))]
        decision = core.check_submission(spec, core_member(member), task, now, history,
                                         context_for(self.db, row, member))
        if not decision:
            status = 429 if decision.code in LIMIT_CODES else 403 if decision.code in ELIGIBILITY_CODES else 409
            raise Refused(status, decision.code, decision.zh, decision.en, retry_at=decision.retry_at)
        data = notebook_bytes(notebook)
        sub = receive(self.db, member, filename=self._notebook_name(row, task), data=data, competition=row, task=task)
        self.db.commit()  # durable before she hears "received"
        phase = spec.phase_at(now)
        left = core.quota(spec, phase, task, now, [*history, core.Attempt(task, now, SubmissionStatus.received)])
        return sub, left.left_today

    def _notebook_name(self, row: Competition, task: str) -> str:
        """The task's notebook file name, as the source assignment has it (a task is one notebook)."""
        names = sorted(p.name for p in (competition_folder(self.settings["data_dir"], row.slug) / "source" / task)
                       .glob("*.ipynb"))
        if len(names) != 1:
            raise Refused(503, "task_not_ready", "这道题还没有准备好，请联系组织者", "This task is not set up yet; "
                          "tell the organizer")
        return names[0]


class SubmissionHandler(CompetitionBase):
    """GET /competitions/SLUG/submissions/ID: her submission's status and score."""

    @requires(LEARN)
    async def get(self, slug: str, sid: str) -> None:
        row = self._competition(slug)
        # her Submit widget asks every 3 s until graded: her notebook's bytes (up to megabytes with plots) stay unread
        sub = self.db.get(Submission, int(sid), options=[defer(Submission.notebook)])
        own = sub is not None and self.member is not None and sub.member_id == self.member.id
        if sub is None or sub.competition_id != row.id or not (own or self.can(ORGANIZE)):
            raise Refused(404, "submission_not_found", "找不到这次提交", "Submission not found")
        grade = self.db.scalar(select(Grade).where(Grade.submission_id == sub.id))
        # Before her phase closes she sees her public score only; the score over every test decides the private
        # board, so it stays with the organizers until the close (issue 15).
        shown = shown_score(spec_of(row), sub, grade, datetime.now(timezone.utc), full=not own)
        message, note = sub.message or "", None
        if shown["board"] == "public" and sub.status == SubmissionStatus.graded:  # the Submit widget shows the message
            note = {"zh": PUBLIC_SCORE_NOTE[0], "en": PUBLIC_SCORE_NOTE[1]}
            message = "；".join(m for m in (message, note["zh"]) if m)
        self.write_json({"id": sub.id, "task": sub.task, "status": sub.status, "final": is_final(sub.status),
                         "sha256": sub.sha256,
                         "score": shown["score"], "max_score": shown["max_score"], "board": shown["board"],
                         "score_note": note, "message": message, "created_at": aware(sub.received_at).isoformat()})


class LeaderboardHandler(CompetitionBase):
    """GET /competitions/SLUG/leaderboard?board=public|private&division=&phase=&offset=&limit=: a page of a board."""

    @requires(LEARN)
    async def get(self, slug: str) -> None:
        row, now = self._competition(slug), datetime.now(timezone.utc)
        spec = spec_of(row)
        phase = shown_phase(spec, now, self.get_argument("phase", None))
        kind = self.get_argument("board", "public")
        if kind not in ("public", "private"):
            raise Refused(400, "bad_board", "榜单只有 public 和 private 两种", "board is public or private")
        if kind == "private" and not (core.private_visible(phase, now) or self.can(ORGANIZE)):
            raise Refused(403, "private_hidden", "最终榜在本阶段结束后公布", "The private board is shown after the "
                          "phase closes", retry_at=phase.closes_at)
        try:
            offset = max(0, int(self.get_argument("offset", "0")))
            limit = min(200, max(1, int(self.get_argument("limit", "50"))))
        except ValueError:
            raise Refused(400, "bad_page", "offset 和 limit 应为整数", "offset and limit must be integers")
        lb = self.settings["boards"].board(self.db, row, spec, phase.key, kind, now)
        division = self.get_argument("division", core.OVERALL)
        viewer = self.member.id if self.member else None
        # a split board's title names its code (地区分榜·浙江省); the overall board's, what every competitor polls, none
        title = board_title(spec, division, division_names(self.db) if ":" in division else None)
        data = board_json(lb, spec.privacy, division, offset, limit, viewer, title)
        self.write_json({**data, "phase": phase.key})


ROUTES = [
    (r"api/competitions/([^/]+)", CompetitionHandler),
    (r"api/competitions/([^/]+)/submissions", SubmissionsHandler),
    (r"api/competitions/([^/]+)/leaderboard", LeaderboardHandler),
    (r"api/competitions/([^/]+)/submissions/(\d+)", SubmissionHandler),
]
