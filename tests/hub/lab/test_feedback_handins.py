"""Fetch Feedback after several hand-ins (issue 16 item 4), driven through our Exchange classes as the Assignments
panel drives them, against the real hub with real grading: the platform keeps feedback only for what was made
into feedback while it was her latest graded hand-in, and nothing older may stop the fetch of her latest."""
from __future__ import annotations

import json

import pytest

from hub.lab import exchange
from tests.hub.lab.conftest import Her
from tests.hub.lab.courses import enrol, solved
from tests.hub.lab.test_exchange_classes import _make

WHO = "worker09"
WRONG = 'def 合计(表格):\n    return 2114\n'  # passes the visible check only: a lower score than the right answer


def _hand_in(courses, me: Her, folder, answer: dict | None) -> dict:
    nb = solved(courses, "office-data", "sums", answer)
    (folder / "sums.ipynb").write_text(json.dumps(nb), encoding="utf-8")
    sent = _make(exchange.ExchangeSubmit, me, folder.parent.parent, "办公数据处理入门", "合计与平均").start()
    return me.wait_graded(sent["submissions"][0]["id"])


def _handins(me: Her, root) -> list[dict]:
    (entry,) = [a for a in _make(exchange.ExchangeList, me, root, "office-data", cached=True).start()
                if a["assignment_id"] == "合计与平均"]
    return entry["submissions"]


def test_latest_feedback_arrives_after_two_handins_older_ones_never_stop_it(courses, tmp_path, monkeypatch):
    monkeypatch.setenv("JUPYTERHUB_USER", WHO)
    enrol(courses, "office-data", [WHO])
    me = Her(courses, WHO)
    folder = _make(exchange.ExchangeFetchAssignment, me, tmp_path, "办公数据处理入门", "合计与平均").start()

    first = _hand_in(courses, me, folder, {"answer08": WRONG})
    second = _hand_in(courses, me, folder, None)  # she never asked for the first one's feedback
    assert first["score"] < second["score"] == second["max_score"]

    # the panel's Fetch Feedback: the latest hand-in's feedback, and no refusal for the older one
    written = _make(exchange.ExchangeFetchFeedback, me, tmp_path, "办公数据处理入门", "合计与平均").start()
    assert len(written) == 1 and "BEGIN HIDDEN" not in written[0].read_text()
    older, latest = _handins(me, tmp_path)
    assert latest["has_local_feedback"] and f"得分 {second['score']:g}" in latest["timestamp"]
    assert not older["has_exchange_feedback"] and not older["has_local_feedback"]  # not offered: nothing to fail

    # a third hand-in: the second's feedback, fetched while it was the latest, stays hers; the third's arrives
    third = _hand_in(courses, me, folder, {"answer08": WRONG})
    again = _make(exchange.ExchangeFetchFeedback, me, tmp_path, "office-data", "sums").start()
    assert len(again) == 1 and again[0] != written[0]
    assert [h["has_local_feedback"] for h in _handins(me, tmp_path)] == [False, True, True]
    assert f"得分 {third['score']:g}" in _handins(me, tmp_path)[-1]["timestamp"]

    # nothing new: no error either, and she is told so
    assert _make(exchange.ExchangeFetchFeedback, me, tmp_path, "office-data", "sums").start() == []


def test_a_refusal_of_her_latest_handin_is_said_in_words(courses, tmp_path, monkeypatch):
    """Competition tasks and lessons have no feedback notebook: she reads why, in Chinese and English."""
    monkeypatch.setenv("JUPYTERHUB_USER", WHO)
    enrol(courses, "office-data", [WHO])
    me = Her(courses, WHO)
    with pytest.raises(exchange.base.ExchangeError, match="讲义没有反馈 / lessons have no feedback"):
        _make(exchange.ExchangeFetchFeedback, me, tmp_path, "办公数据处理入门", "讲义").start()
