"""Her hand-ins are checked and stored off the web loop (hub/web/api/competitions.py), so the loop answers the
rest of a rush meanwhile; her own hand-ins still go one at a time, so several sent at the same moment cannot all
take her last places of the day. Real hub, real service, the widgets' client."""
from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from hub.store.db import session_scope
from hub.store.orm import Competition, Submission
from tests.conftest import platform_client as client_for
from tests.grading.corpus import KINDS
from tests.journeys.competition import open_competition
from tests.journeys.test_competition_submissions import notebook
from widgets.client import PlatformError

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(os.geteuid() != 0, reason="grading switches to an unprivileged uid: run as root")]
SLUG = "hand-in-race-2026"


def test_hand_ins_sent_at_once_take_no_more_than_her_places_of_the_day(hub, tmp_path):
    course = open_competition(hub, tmp_path, SLUG, "同时提交测试赛", per_day=2, open_for=timedelta(hours=2))
    her = client_for(hub, "worker11")
    sent = notebook(course, KINDS["full"])

    def submit(_i: int) -> str:
        try:
            return her.submit(SLUG, "task1", sent)["status"]
        except PlatformError as refused:
            return refused.code

    with ThreadPoolExecutor(6) as pool:  # six at the same moment, two places left today
        answers = sorted(pool.map(submit, range(6)))
    assert answers == ["daily_limit"] * 4 + ["received"] * 2, answers
    with session_scope(hub.db_url) as s:
        comp = s.scalar(select(Competition).where(Competition.slug == SLUG))
        assert s.scalar(select(func.count(Submission.id)).where(Submission.competition_id == comp.id)) == 2
