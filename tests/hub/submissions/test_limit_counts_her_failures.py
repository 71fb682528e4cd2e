"""A hand-in that fails because of what she handed in counts against her daily limit (issue 15, "Limits").

Through the real API (as the Submit widget sends it), on a real hub with sandboxed grading: a competitor with
``per_day: 2`` hands in two notebooks that nbgrader itself cannot grade (a graded test cell copied, so its grade id
is there twice; a cell's nbgrader metadata in an old schema), or two that grading/ refuses before nbgrader runs (a
graded cell of her own, a renamed test cell). They are her doing: ``invalid``, graded once, never
retried, and they keep their places, so her third hand-in of the day — an honest one, that would score — is refused
with the daily-limit message. Were they taken for platform failures (``error``: retried, and never counted), the
third, fourth, ... would be accepted: more tries at the hidden tests than the rules give anyone.
"""
from __future__ import annotations

import copy
import os
from datetime import timedelta

import pytest
from sqlalchemy import select

from hub.store.db import session_scope
from hub.store.orm import Submission
from tests.conftest import platform_client
from tests.grading.corpus import KINDS
from tests.journeys.competition import open_competition
from tests.journeys.test_competition_submissions import notebook, wait_final
from widgets.client import PlatformError

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(os.geteuid() != 0, reason="grading switches to an unprivileged uid: run as root")]
SLUG = "limit-invalid-2026"


def _cells(nb: dict, grade_id: str) -> list[dict]:
    return [c for c in nb["cells"] if c.get("metadata", {}).get("nbgrader", {}).get("grade_id") == grade_id]


def duplicated_test_cell(nb: dict) -> dict:
    """Her notebook with the hidden-test cell pasted a second time (same grade id): nbgrader refuses the notebook."""
    nb = copy.deepcopy(nb)
    extra = copy.deepcopy(_cells(nb, "test_hidden")[0])
    extra["id"] = "pasted-again"
    nb["cells"].append(extra)
    return nb


def old_schema(nb: dict) -> dict:
    """Her notebook with one cell's nbgrader metadata in schema 1: nbgrader refuses the notebook."""
    nb = copy.deepcopy(nb)
    _cells(nb, "answer")[0]["metadata"]["nbgrader"]["schema_version"] = 1
    return nb


def unknown_graded_cell(nb: dict) -> dict:
    """Her notebook with a graded cell of her own making (100 points): grading/ refuses it before nbgrader runs."""
    nb = copy.deepcopy(nb)
    nb["cells"].append({"cell_type": "code", "id": "mine", "execution_count": None, "outputs": [], "source": "pass",
                        "metadata": {"nbgrader": {"grade": True, "solution": False, "locked": False,
                                                  "grade_id": "mine", "points": 100, "schema_version": 3}}})
    return nb


def renamed_test_cell(nb: dict) -> dict:
    """Her notebook with the visible test cell's grade id changed: grading/ refuses it before nbgrader runs."""
    nb = copy.deepcopy(nb)
    _cells(nb, "test_visible")[0]["metadata"]["nbgrader"]["grade_id"] = "test_visible_2"
    return nb


@pytest.fixture(scope="module")
def competition(hub, tmp_path_factory):
    return open_competition(hub, tmp_path_factory.mktemp("spec"), SLUG, "每日次数测试赛", per_day=2,
                            open_for=timedelta(days=1))


@pytest.mark.parametrize("her, broken", [
    pytest.param("worker11", (unknown_graded_cell, renamed_test_cell), id="grading-refuses-before-nbgrader"),
    # what nbgrader itself fails on: grading/failures.py calls it hers (`invalid`), so it counts
    pytest.param("worker12", (duplicated_test_cell, old_schema), id="nbgrader-fails-on-it"),
])
def test_her_failures_count_and_the_third_hand_in_is_refused(hub, competition, her, broken):
    client = platform_client(hub, her)
    honest = notebook(competition, KINDS["full"])
    ids = []
    for make in broken:
        receipt = client.submit(SLUG, "task1", make(honest))
        ids.append(receipt["id"])
        final = wait_final(client, receipt["id"], timeout=180, slug=SLUG)
        assert final["status"] == "invalid", final
        assert final["message"], final  # she is told why (zh / en)

    with session_scope(hub.db_url) as s:  # her doing: graded once, never retried
        attempts = {row.id: (row.status, row.attempts) for row in s.scalars(
            select(Submission).where(Submission.id.in_(ids)))}
    assert all(v == ("invalid", 1) for v in attempts.values()), attempts

    with pytest.raises(PlatformError) as refused:
        client.submit(SLUG, "task1", honest)
    assert (refused.value.status, refused.value.code) == (429, "daily_limit"), refused.value
    assert refused.value.zh and refused.value.en and refused.value.retry_at
