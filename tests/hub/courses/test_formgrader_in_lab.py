"""JupyterLab as instructors and learners meet it, in Chromium at zh-CN, each server as her own Unix account.

- An instructor opens the Formgrader panel in JupyterLab (the instructor guide's path) and sees her course's
  assignments inside the panel's frame, in Chinese. It used to be blank ("127.0.0.1 refused to connect"): her
  server sent ``frame-ancestors 'none'``, so the browser refused to show formgrader inside JupyterLab.
- A learner's Assignments tab (nbgrader's lab extension) speaks Chinese: 可以获取的作业, 获取, ...

This module starts its own hub in a folder every account can pass through: her formgrader reads the course
folder as her own account, and the session hub lives under pytest's private (0700) temp folder.
"""
from __future__ import annotations

import os
import re
import shutil
import tempfile
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import select

from hub.jupyterhub import unix_groups as course_access
from hub.courses.publish import publish_course, release_assignment
from hub.store.db import session_scope
from hub.store.orm import Assignment, Course
from hub.testing import start_hub, stop_hub
from tests.conftest import browser_login, shot, unix_names_of
from tests.hub.lab.courses import enrol

pytestmark = [pytest.mark.browser, pytest.mark.slow,
              pytest.mark.skipif(os.geteuid() != 0, reason="servers run as their own accounts: run as root")]
TEACHER, LEARNER = "teacher1", "worker07"


@pytest.fixture(scope="module")
def lab_hub():
    outer = Path(tempfile.mkdtemp(prefix="jg-lab-test-"))
    os.chmod(outer, 0o755)
    hub = start_hub(outer / "hub")
    try:
        with unix_names_of(hub):  # course groups made here use this hub's Unix names
            with session_scope(hub.db_url) as s:
                publish_course(s, str(hub.data_dir), "office-data", "admin", (TEACHER,))
                s.flush()
                release_assignment(s, str(hub.data_dir), "office-data", "sums", TEACHER,
                                   due_at=datetime.now(timezone.utc) + timedelta(days=7))
            enrol(hub, "office-data", [LEARNER])
            yield hub
    finally:
        stop_hub(hub)
        shutil.rmtree(outer, ignore_errors=True)


def _open_lab(page, hub, who: str) -> None:
    page.click("#start-server")
    page.wait_for_url(re.compile(rf"/user/{who}/lab"), timeout=180_000)
    page.wait_for_selector("#jp-MainMenu", timeout=180_000)


def _first_course_assignments(hub) -> tuple[str, list[str]]:
    """The course her formgrader opens (the first she teaches, hub/jupyterhub/spawner.py) and its assignments."""
    with session_scope(hub.db_url) as s:
        slug = course_access.taught_courses(s, TEACHER)[0].slug
        names = s.scalars(select(Assignment.name).join(Course, Course.id == Assignment.course_id)
                          .where(Course.slug == slug)).all()
    return slug, list(names)


def test_formgrader_panel_shows_her_course_in_chinese(lab_hub, browser, artifacts):
    ctx, page = browser_login(browser, lab_hub, TEACHER, viewport={"width": 1400, "height": 900})
    _open_lab(page, lab_hub, TEACHER)
    page.click("#jp-MainMenu >> text=作业")  # nbgrader's menu, in Chinese
    page.click(".lm-Menu-content >> text=评分 Formgrader")
    frame = page.frame_locator("#formgrader iframe")
    frame.locator("h1", has_text="管理作业").wait_for(timeout=90_000)
    slug, assignments = _first_course_assignments(lab_hub)
    assert assignments, slug
    rows = frame.locator("#main-table tr")
    rows.filter(has_text=assignments[0]).first.wait_for(timeout=60_000)  # drawn by formgrader from her gradebook
    table = frame.locator("#main-table").inner_text()
    assert all(name in table for name in assignments), (slug, assignments, table)
    head = frame.locator("thead").inner_text()
    assert "截止时间" in head and "提交数" in head and "Due Date" not in head
    assert "人工评分" in frame.locator(".nav").inner_text()
    shot(page, artifacts, "lab", "01-formgrader-in-jupyterlab")
    ctx.close()


def test_assignments_tab_speaks_chinese(lab_hub, browser, artifacts):
    ctx, page = browser_login(browser, lab_hub, LEARNER, viewport={"width": 1400, "height": 900})
    _open_lab(page, lab_hub, LEARNER)
    page.click("#jp-MainMenu >> text=作业")
    page.click(".lm-Menu-content >> text=作业列表")
    panel = page.locator("#nbgrader-assignment-list")
    released = panel.locator("#released_assignments_list")
    row = released.locator(".list_item", has_text="合计与平均")  # the assignment's title, not its slug
    row.wait_for(timeout=90_000)
    text = panel.inner_text()
    for words in ("可以获取的作业", "已获取的作业", "已提交的作业"):
        assert words in text, text
    for english in ("Released assignments", "Downloaded assignments", "Submitted assignments"):
        assert english not in text, text
    assert row.locator("button").inner_text().strip() == "获取"
    assert page.locator('.lm-TabBar-tab[data-id="nbgrader-assignment-list"]').inner_text().strip() == "作业"  # its tab
    shot(page, artifacts, "lab", "02-assignments-tab-zh")

    row.locator("button", has_text="获取").click()
    fetched = panel.locator("#fetched_assignments_list .list_item", has_text="合计与平均")  # the assignment's title, not its slug.first
    fetched.wait_for(timeout=90_000)
    assert fetched.locator("button").first.inner_text().strip() == "提交"
    fetched.locator("a.assignment-notebooks-link").click()  # her notebooks, each with its 检查 button
    panel.locator("#fetched_assignments_list button", has_text="检查").first.wait_for(timeout=30_000)
    shot(page, artifacts, "lab", "03-fetched-zh")
    ctx.close()
