"""ONE browser journey in JupyterLab, her own server as her own Unix account: the Assignments tab lists both her
courses under their titles, she fetches the lessons (讲义) and an assignment, works, submits, sees it submitted
and then her score, in Beijing time, without pressing refresh; her course page shows it too."""
from __future__ import annotations

import json
import os
import pwd
import re
import time

import pytest

from tests.conftest import browser_login, shot
from tests.hub.lab.conftest import Her
from tests.hub.lab.courses import solved

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="her server runs as her own account: run as root")
WHO = "worker05"


def _write_as_her(hub, rel: str, text: str) -> None:
    entry = pwd.getpwnam(hub.unix_prefix + WHO)
    path = hub.home_root / WHO / rel
    path.write_text(text, encoding="utf-8")
    os.chown(path, entry.pw_uid, entry.pw_gid)


def test_assignments_tab_fetch_submit_and_score(courses, browser, artifacts):
    ctx, page = browser_login(browser, courses, WHO)
    page.click("#start-server")
    page.wait_for_url(re.compile(rf"/user/{WHO}/lab"), timeout=120_000)
    page.wait_for_selector("#jp-MainMenu", timeout=120_000)

    page.click("#jp-MainMenu >> text=作业")  # nbgrader's menu, in Chinese (hub/data/lab/nbgrader-zh_CN.json)
    page.click(".lm-Menu-content >> text=作业列表")
    panel = page.locator("#nbgrader-assignment-list")
    released = panel.locator("#released_assignments_list")
    released.locator(".list_item").first.wait_for(timeout=60_000)
    page.click("#course_list_dropdown")
    courses_listed = page.locator("#course_list").inner_text()
    assert "办公数据处理入门" in courses_listed and "女职工权益与普法" in courses_listed  # her courses, by title
    page.locator("#course_list >> text=办公数据处理入门").click()
    row = released.locator(".list_item", has_text="合计与平均")
    row.wait_for(timeout=30_000)
    shot(page, artifacts, "exchange", "01-assignments-tab")

    released.locator(".list_item", has_text="讲义").locator("button", has_text="获取").click()  # the lessons
    panel.locator("#fetched_assignments_list .list_item", has_text="讲义").first.wait_for(timeout=60_000)
    lessons = courses.home_root / WHO / "office-data" / "讲义"
    assert (lessons / "01-basics.ipynb").is_file() and (lessons / "02-csv.ipynb").is_file()
    assert (lessons / "teams.csv").is_file()  # and the data they read
    row = released.locator(".list_item", has_text="合计与平均")
    row.wait_for(timeout=30_000)

    row.locator("button", has_text="获取").click()
    fetched = panel.locator("#fetched_assignments_list .list_item", has_text="合计与平均").first
    fetched.wait_for(timeout=60_000)
    assert (courses.home_root / WHO / "office-data" / "sums" / "output.csv").is_file()
    _write_as_her(courses, "office-data/sums/sums.ipynb", json.dumps(solved(courses, "office-data", "sums")))
    shot(page, artifacts, "exchange", "02-fetched")

    fetched.locator("button", has_text="提交").first.click()
    submitted = panel.locator("#submitted_assignments_list .list_item", has_text="合计与平均").first
    submitted.wait_for(timeout=60_000)
    shot(page, artifacts, "exchange", "03-submitted")

    # her score comes by itself when grading ends: she never presses refresh (the panel asks again every 5 s while
    # a hand-in is being graded, hub/data/lab/assignment-list-refresh.js), and stops asking once all are final
    asked = []
    page.on("request", lambda r: asked.append(time.monotonic()) if "/assignments?course_id=" in r.url else None)
    scored = panel.locator("#submitted_assignments_list .list_item", has_text="得分 ").first
    scored.wait_for(timeout=90_000)  # generous: grading with two CPU hogs beside it
    me = Her(courses, WHO)
    (entry,) = [a for a in me.call("GET", "/exchange/assignments?course=office-data").json()["assignments"]
                if a["assignment_id"] == "sums"]
    done = me.wait_graded(entry["submissions"][-1]["id"])
    assert done["score"] == done["max_score"] > 0
    assert f"得分 {done['score']:g}/{done['max_score']:g}" in scored.inner_text()
    assert asked, "the panel never asked for its list again"
    page.wait_for_timeout(12_000)
    assert [t for t in asked if t > time.monotonic() - 11] == []  # all final: no more asking
    assert "（北京时间）" in panel.inner_text() and " UTC" not in panel.inner_text()
    shot(page, artifacts, "exchange", "04-score-in-lab")

    panel.locator("#submitted_assignments_list button", has_text="获取反馈").first.click()
    panel.locator("text=查看反馈").first.wait_for(timeout=60_000)
    (feedback,) = (courses.home_root / WHO / "office-data" / "sums" / "feedback").glob("*/sums.html")
    assert "BEGIN HIDDEN" not in feedback.read_text() and "不存在的人" not in feedback.read_text()
    shot(page, artifacts, "exchange", "05-feedback-fetched")

    page.goto(f"{courses.url}/services/jinguo/courses/office-data")  # her course page: the score came back
    assert page.inner_text('#assignments tr[data-name="sums"]').count(f"{done['score']:g} / ") == 1
    shot(page, artifacts, "exchange", "06-course-page")
    ctx.close()
