"""Hint, Progress, Countdown, Leaderboard and Submit driven in-process against the stand-in platform."""
from __future__ import annotations

import json
import re
import time
from datetime import timedelta


from widgets import Countdown, Hint, Leaderboard, Progress, Submit

from .fake_platform import demo_data, iso


def wait_for(predicate, timeout: float = 10.0) -> bool:
    """Wait for something a kernel thread does (not a timing assertion: the bound only stops a hang)."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.02)
    return predicate()


# -- Hint -----------------------------------------------------------------------------------------
def test_hint_reveals_one_more_per_click(offline):
    h = Hint(["先看第一列", "用 sum() 求和", "答案是 sum(df['金额'])"])
    assert "共 3 条" in h.button.description and h.output.value == ""
    h.button.click()
    assert "先看第一列" in h.output.value and "sum()" not in h.output.value
    assert "还有 2 条" in h.button.description
    h.button.click()
    h.button.click()
    assert h.shown == 3 and "sum(df[&#x27;金额&#x27;])" in h.output.value
    assert h.button.disabled and "全部" in h.button.description
    h.button.click()
    assert h.shown == 3


# -- Progress -------------------------------------------------------------------------------------
def test_progress_shows_bar_and_each_assignment(platform):
    p = Progress("office-data")
    assert p.bar.value == 50 and "已完成 50%" in p.title.value and "办公数据处理入门" in p.title.value
    table = p.table.value
    for text in ("第一课：读表格", "已通过", "6.5 / 10", "等待评分", "未开始", "第四课：&lt;图表&gt;"):
        assert text in table
    platform.progress["office-data"].update(percent=100, completed=True)
    p.refresh_button.click()
    assert p.bar.value == 100 and "已学完" in p.title.value


def test_progress_refusal_and_offline_are_friendly(platform, monkeypatch):
    assert "还没有报名这门课" in Progress("law").title.value
    monkeypatch.delenv("JINGUO_API_URL")
    assert "暂时看不到学习进度" in Progress("office-data").title.value


# -- Countdown ------------------------------------------------------------------------------------
def test_countdown_corrects_her_clock_by_server_time(platform):
    platform.skew = timedelta(hours=-5)  # her kernel's clock runs 5 hours fast
    demo_data(platform)  # 初赛 closes 2 days 3 hours after the *server's* now
    c = Countdown("spring", tick=False)
    text = c.label.value
    assert "初赛" in text and re.search(r"还剩 <b>2 天 (2 小时 59 分|3 小时 0 分)</b>", text), text


def test_countdown_to_the_next_phase_and_after_the_end(platform):
    comp = platform.competitions["spring"]
    now = platform.now()
    comp["phases"][1]["closes_at"] = iso(now - timedelta(hours=1))  # 初赛 over, 决赛 in 5 days
    c = Countdown("spring", tick=False)
    assert "决赛" in c.label.value and "还有 <b>4 天 23 小时" in c.label.value and "开始" in c.label.value
    for p in comp["phases"]:
        p["opens_at"], p["closes_at"] = iso(now - timedelta(days=2)), iso(now - timedelta(days=1))
    c.refresh()
    assert "都已结束" in c.label.value


def test_countdown_ticks_in_a_kernel_thread(platform):
    platform.competitions["spring"]["phases"][1]["closes_at"] = iso(platform.now() + timedelta(minutes=30))
    c = Countdown("spring", interval=0.1)
    first = c.label.value
    assert re.search(r"还剩 <b>(29 分 \d+ 秒|30 分 0 秒)</b>", first), first
    assert wait_for(lambda: c.label.value != first), "the countdown did not tick"
    again = Countdown("spring", interval=0.1)  # she re-runs the cell: the old thread stops
    assert not c.ticker.running and again.ticker.running
    again.close()
    assert not again.ticker.running


def test_countdown_offline(offline):
    assert "暂时看不到比赛时间" in Countdown("spring", tick=False).label.value


# -- Leaderboard ----------------------------------------------------------------------------------
def test_leaderboard_top_and_her_rank(platform):
    lb = Leaderboard("spring", top=15)
    assert "我的名次：第 <b>12</b> 名" in lb.mine.value and "88" in lb.mine.value
    assert lb.table.value.count("<tr>") + lb.table.value.count("<tr ") == 16  # header + 15
    assert re.search(r'<tr class="jinguo-me"><td>12</td><td>王芳</td>', lb.table.value)
    assert "共 30 人" in lb.header.value and "公开榜" in lb.header.value
    assert "limit=15" not in platform.requests[-1][1]  # path only; the query is checked below
    assert len(lb.data["entries"]) == 15  # the server was asked for the top only


def test_leaderboard_division_frozen_and_refresh(platform):
    lb = Leaderboard("spring", division="region:guangdong")
    assert "已冻结" in lb.header.value and "region:guangdong" in lb.header.value
    assert "还没有上榜" in lb.mine.value
    platform.boards[("spring", "public", "region:guangdong")]["me"] = {"rank": 3, "score": 97}
    lb.refresh_button.click()
    assert "第 <b>3</b> 名" in lb.mine.value


def test_leaderboard_unavailable(platform):
    assert "暂时看不到排行榜" in Leaderboard("autumn").mine.value


# -- Submit ---------------------------------------------------------------------------------------
def work(tmp_path, name="作品.ipynb") -> dict:
    nb = {"nbformat": 4, "nbformat_minor": 5, "metadata": {"kernelspec": {"name": "python3"}},
          "cells": [{"cell_type": "code", "id": "a", "metadata": {}, "execution_count": None, "outputs": [],
                     "source": "def total(xs):\n    return sum(xs)"}]}
    (tmp_path / name).write_text(json.dumps(nb, ensure_ascii=False), encoding="utf-8")
    return nb


def test_submit_sends_the_saved_notebook_and_shows_the_score(platform, tmp_path, monkeypatch):
    nb = work(tmp_path)
    monkeypatch.setenv("JPY_SESSION_NAME", str(tmp_path / "作品.ipynb"))  # as jupyter_server sets it
    s = Submit("spring", "task1", poll_interval=0.05)
    assert "作品.ipynb" in s.info.value and "保存" in s.info.value
    s.button.click()
    assert "已收到你的作品" in s.status.value and "今天还可以提交 2 次" in s.status.value
    assert platform.submissions[1]["notebook"] == nb and platform.submissions[1]["task"] == "task1"
    assert wait_for(lambda: "评分完成" in s.status.value), s.status.value
    assert "得分 <b>85 / 100</b>" in s.status.value and s.result["status"] == "graded"


def test_submit_refusals_say_why_and_when(platform, tmp_path):
    work(tmp_path)
    s = Submit("spring", "task1", path="作品.ipynb", poll_interval=60)
    platform.daily_limit = 0
    s.button.click()
    assert "没有交上：今日提交次数已用完" in s.status.value
    assert re.search(r"请在 \d+月\d+日 00:00 以后再试", s.status.value)
    assert not s.button.disabled and s.submission is None
    platform.daily_limit = 3
    Submit("spring", "final1", path="作品.ipynb").button.click()
    platform.max_bytes = 10
    t = Submit("spring", "task1", path="作品.ipynb")
    t.button.click()
    assert "文件太大" in t.status.value and not platform.submissions


def test_submit_wrong_task_and_closed_phase(platform, tmp_path):
    work(tmp_path)
    s = Submit("spring", "final1", path="作品.ipynb")
    s.button.click()
    assert "不在当前阶段" in s.status.value
    platform.competitions["spring"]["phases"][1]["closes_at"] = iso(platform.now() - timedelta(seconds=1))
    s = Submit("spring", "task1", path="作品.ipynb")
    s.button.click()
    assert "提交已截止" in s.status.value and not platform.submissions


def test_submit_without_a_notebook_or_offline(offline, tmp_path):
    assert "找不到要提交的笔记本" in Submit("spring", "task1").info.value
    (tmp_path / "坏.ipynb").write_text("{")
    s = Submit("spring", "task1", path="坏.ipynb")
    s.button.click()
    assert "读不出来" in s.status.value
    work(tmp_path)
    s = Submit("spring", "task1", path="作品.ipynb")
    s.button.click()
    assert "连上平台" in s.status.value and not s.button.disabled


def test_time_phrases_are_simple_words():
    from widgets._ui import ago, span

    assert span(timedelta(days=2, hours=3, minutes=4, seconds=5)) == "2 天 3 小时 4 分"
    assert span(timedelta(minutes=1, seconds=2)) == "1 分 2 秒"
    assert span(timedelta(hours=1)) == "1 小时 0 分 0 秒"
    assert span(-5) == "0 秒"
    assert (ago(5), ago(300), ago(7200), ago(3 * 86400)) == ("刚刚", "5 分钟前", "2 小时前", "3 天前")
