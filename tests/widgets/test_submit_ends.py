"""Every end of grading gets its own true words in the Submit widget, and the widget stops asking when the platform
says ``final: true``, not from a status list of its own. Before: a timeout said "评分完成" (not 运行超时), a failed
hand-in never said 评分失败 and what she can do, and a final status the widget did not know was shown as
"正在排队评分……" while it kept asking for 15 minutes."""
from __future__ import annotations

import json
import time

import pytest

from widgets.submit import Submit

NB = {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": []}


def ended(platform, tmp_path, status: str) -> Submit:
    platform.ends_with = status
    (tmp_path / "作品.ipynb").write_text(json.dumps(NB), encoding="utf-8")
    s = Submit("spring", "task1", path="作品.ipynb", poll_interval=60)  # the test asks, not the ticker
    assert s.submit() is not None, s.status.value
    s._poller.stop()
    for _ in range(2):
        assert s.poll_once() is False, s.status.value  # received, grading: keep asking
    return s


def test_a_timeout_says_it_ran_too_long_with_the_points_earned(platform, tmp_path):
    s = ended(platform, tmp_path, "timeout")
    assert s.poll_once() is True
    shown = s.status.value
    assert "运行超时" in shown and "得分 <b>2 / 100</b>" in shown, shown
    assert "正在排队" not in shown and "评分完成" not in shown


def test_a_failed_hand_in_says_so_and_promises_no_retry(platform, tmp_path):
    s = ended(platform, tmp_path, "failed")
    assert s.poll_once() is True
    shown = s.status.value
    assert "评分失败" in shown and "不算你的提交次数" in shown and "再提交一次" in shown and "联系组织者" in shown
    for promise in ("自动", "重新评分", "正在", "稍后"):  # nothing is coming by itself
        assert promise not in shown.split("评分失败")[1], (promise, shown)


@pytest.mark.parametrize("status", ["invalid", "graded"])
def test_other_ends_stop_too(platform, tmp_path, status):
    s = ended(platform, tmp_path, status)
    assert s.poll_once() is True
    assert ("作品无效" if status == "invalid" else "评分完成") in s.status.value


def test_the_widget_stops_on_final_not_on_a_list_of_its_own(platform, tmp_path, monkeypatch):
    s = ended(platform, tmp_path, "graded")
    answers = iter([{"id": 1, "status": "weighed", "final": True},  # a status the widget has never heard of
                    {"id": 1, "status": "graded", "final": False}])  # the platform says: not over yet
    monkeypatch.setattr(s.client, "submission", lambda slug, sid: next(answers))
    assert s.poll_once() is True and "正在排队" not in s.status.value and "weighed" in s.status.value
    assert s.poll_once() is False


def test_polling_ends_by_itself_on_a_timeout(platform, tmp_path):
    platform.ends_with = "timeout"
    (tmp_path / "作品.ipynb").write_text(json.dumps(NB), encoding="utf-8")
    s = Submit("spring", "task1", path="作品.ipynb", poll_interval=0.05)
    s.submit()
    deadline = time.monotonic() + 10
    while s._poller.running and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not s._poller.running and "运行超时" in s.status.value, s.status.value
    s.close()
