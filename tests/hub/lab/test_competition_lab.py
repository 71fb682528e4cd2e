"""ONE browser journey of a competitor (issue 16 item 1), her own server as her own Unix account: the organizer opens
a competition from YAML → she joins on her competition page → JupyterLab's Assignments tab lists the task under the
competition's title → Fetch → Validate → she writes her answer → Submit → her row on the board; Fetch Feedback on
a task says in words where her score is instead of doing nothing."""
from __future__ import annotations

import json
import os
import pwd
import re
from datetime import timedelta

import pytest

from tests.conftest import browser_login, platform_client, shot
from tests.grading.corpus import KINDS
from tests.journeys.competition import open_competition

pytestmark = [pytest.mark.slow, pytest.mark.browser,
              pytest.mark.skipif(os.geteuid() != 0, reason="her server runs as her own account: run as root")]
WHO, SLUG, TITLE = "worker30", "lab-task-2026", "巾帼数字技能赛（实验室）"


def _answer_as_her(hub, path) -> None:
    """She writes her answer into the fetched notebook (as her own account: it is her file)."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    for cell in nb["cells"]:
        grade_id = cell["metadata"].get("nbgrader", {}).get("grade_id")
        if grade_id == "answer":
            cell["source"] = KINDS["full"]
        elif grade_id == "explain":  # the written answer, which Validate checks is there
            cell["source"] = "空值表示没有数据，不能算作 0。"
    path.write_text(json.dumps(nb, ensure_ascii=False), encoding="utf-8")
    entry = pwd.getpwnam(hub.unix_prefix + WHO)
    os.chown(path, entry.pw_uid, entry.pw_gid)


def test_competitor_fetches_and_submits_the_task_from_the_assignments_tab(hub, browser, artifacts, tmp_path):
    open_competition(hub, tmp_path, SLUG, TITLE, per_day=5, open_for=timedelta(days=2))
    ctx, page = browser_login(browser, hub, WHO)
    zone = page.url
    page.goto(f"{hub.url}/services/jinguo/competitions/{SLUG}")
    page.click("#join")
    page.wait_for_selector("#joined-notice")
    assert page.locator("a.task-download").count() == 1  # the task, as a download on her page too
    shot(page, artifacts, "exchange", "11-competition-joined")

    page.goto(zone)
    page.click("#start-server")
    page.wait_for_url(re.compile(rf"/user/{WHO}/lab"), timeout=120_000)
    page.wait_for_selector("#jp-MainMenu", timeout=120_000)
    page.click("#jp-MainMenu >> text=作业")
    page.click(".lm-Menu-content >> text=作业列表")
    panel = page.locator("#nbgrader-assignment-list")
    page.locator("#course_list_dropdown:not([disabled])").wait_for(timeout=60_000)
    page.click("#course_list_dropdown")
    page.locator("#course_list", has_text=TITLE).wait_for(timeout=30_000)  # the competition, by its title
    page.locator(f"#course_list >> text={TITLE}").click()
    row = panel.locator("#released_assignments_list .list_item", has_text="求和")
    row.wait_for(timeout=60_000)
    shot(page, artifacts, "exchange", "12-task-listed")

    row.locator("button", has_text="获取").click()
    fetched = panel.locator("#fetched_assignments_list .list_item", has_text="求和").first
    fetched.wait_for(timeout=60_000)
    notebook = hub.home_root / WHO / "competitions" / SLUG / "task1" / "problem.ipynb"
    assert notebook.is_file() and "BEGIN HIDDEN" not in notebook.read_text()
    _answer_as_her(hub, notebook)

    fetched.locator(".assignment-notebooks-link").click()  # her notebooks, each with Validate
    fetched.locator("button", has_text="检查").click()
    page.locator(".nbgrader-ErrorDialog, .nbgrader-SuccessDialog").wait_for(timeout=180_000)
    assert page.locator("#validation-message").inner_text().startswith("全部通过")  # nbgrader's "Success", in Chinese
    shot(page, artifacts, "exchange", "13-validated")
    page.locator(".jp-Dialog button", has_text="Ok").or_(page.locator(".jp-Dialog .jp-mod-accept")).first.click()

    fetched.locator("button", has_text="提交").first.click()
    submitted = panel.locator("#submitted_assignments_list .list_item", has_text="求和").first
    submitted.wait_for(timeout=60_000)
    shot(page, artifacts, "exchange", "14-task-submitted")

    client = platform_client(hub, WHO)
    deadline = 600
    board = client.get(f"/competitions/{SLUG}/leaderboard")
    while board["me"] is None and deadline:
        page.wait_for_timeout(1000)
        deadline -= 1
        board = client.get(f"/competitions/{SLUG}/leaderboard")
    assert board["me"] and board["me"]["score"] > 0  # her row on the board

    # no feedback notebook for a task: she reads why, in the panel, instead of nothing happening
    panel.locator("#submitted_assignments_list button", has_text="获取反馈").first.click()
    panel.locator("text=得分和名次请看竞赛页面").first.wait_for(timeout=60_000)
    shot(page, artifacts, "exchange", "15-feedback-refusal-in-words")

    page.goto(f"{hub.url}/services/jinguo/competitions/{SLUG}")
    assert page.locator("#public-board tr.me").count() == 1
    shot(page, artifacts, "exchange", "16-board")
    ctx.close()
