"""A woman worker's first day, driven in Chromium against a real hub: sign up → approval → zone → JupyterLab."""
from __future__ import annotations

import os
import re

import pytest

from tests.conftest import shot as save_shot

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def shot(page, artifacts, name: str) -> None:
    save_shot(page, artifacts, "e2e", name)


def test_signup_approval_zone_and_jupyterlab_in_chinese(hub, browser, artifacts):
    ctx = browser.new_context(viewport={"width": 412, "height": 915}, locale="zh-CN")  # a phone
    page = ctx.new_page()
    page.set_default_timeout(30_000)

    # 1. She signs up with her full profile.
    page.goto(f"{hub.url}/hub/signup")
    page.fill("#username", "liping")
    page.fill("#real_name", "李萍")
    assert "五一劳动奖章" in page.inner_text("#gender-why")  # why 性别 is asked
    page.check("#gender-female")
    page.select_option("#unit", "zj-hz-riders")
    page.select_option("#region", "zhejiang")
    page.select_option("#industry", "logistics")
    page.select_option("#employment_form", "delivery_rider")
    page.fill("#password_input", "Qiaoshou-2026!")
    page.fill("#password_confirmation_input", "Qiaoshou-2026!")
    shot(page, artifacts, "01-signup-form")
    page.click("#signup_submit")
    page.wait_for_selector("#signup-done")
    shot(page, artifacts, "02-signup-done")

    # Before approval she cannot log in, and is told why.
    page.goto(f"{hub.url}/hub/login")
    page.fill("#username_input", "liping")
    page.fill("#password_input", "Qiaoshou-2026!")
    page.click("#login_submit")
    assert "等待工会审核" in page.inner_text("#login-error")

    # 2. The union organizer approves her on the approval page.
    org = browser.new_context(viewport={"width": 1280, "height": 800})
    op = org.new_page()
    op.goto(f"{hub.url}/hub/login")
    op.fill("#username_input", "organizer")
    op.fill("#password_input", "jinguo-demo-2026")
    op.click("#login_submit")
    op.goto(f"{hub.url}/services/jinguo/admin/signups")
    row = op.locator('tr[data-username="liping"]')
    assert "李萍" in row.inner_text() and row.locator("td.sex").inner_text() == "女"
    row.locator('textarea[name="reason"]').fill("信息核实无误")  # the review comment the organizer guide mentions
    shot(op, artifacts, "03-organizer-pending")
    row.locator('button[value="approve"]').click()
    op.wait_for_url(re.compile(r"done=liping"))
    assert op.locator('tr[data-username="liping"]').count() == 0
    org.close()

    # 3. She logs in; the 女职工专区 shows her name and union.
    page.goto(f"{hub.url}/hub/login")
    page.fill("#username_input", "liping")
    page.fill("#password_input", "Qiaoshou-2026!")
    page.click("#login_submit")
    page.wait_for_url(re.compile(r"/services/jinguo/"))
    assert page.inner_text("#real-name") == "李萍"
    assert page.inner_text("#unit") == "杭州市网约配送员联合工会"
    shot(page, artifacts, "04-zone")

    # 4. She starts her notebook server from her phone: Notebook 7 opens (a phone gets the single-document
    # interface, issue 19; a desktop JupyterLab, tests/journeys/test_phone.py), with Chinese menus.
    page.click("#start-server")
    page.wait_for_url(re.compile(r"/user/liping/tree"), timeout=120_000)
    page.wait_for_selector(".jp-DirListing", timeout=120_000)
    menus = page.inner_text("body")
    assert "文件" in menus and "新建" in menus, menus[:500]
    shot(page, artifacts, "05-notebook-zh")
    ctx.close()

    if os.geteuid() == 0:  # her server runs as her own account with a private home
        import pwd

        entry = pwd.getpwnam(hub.unix_prefix + "liping")
        home = hub.home_root / "liping"
        assert home.stat().st_uid == entry.pw_uid
        assert home.stat().st_mode & 0o777 == 0o700
