"""In a real browser: an instructor publishes a course from the catalogue and releases an assignment; a learner
enrols from the zone, sees her course page, completes the course (grades written directly: grading has its own
tests), downloads her certificate and opens its public verification page."""
from __future__ import annotations

import re

import pytest

from tests.conftest import browser_login, shot
from tests.hub.courses.conftest import SERVICE, grade_directly


@pytest.fixture(scope="module")
def hub(own_hub):
    """This file starts from unpublished courses: a hub of its own (tests/hub/courses/conftest.py own_hub)."""
    return own_hub


SLUG = "new-forms"
FOLDER = "courses-journey"


def test_publish_release_enrol_complete_and_verify(hub, browser, artifacts, tmp_path):
    ctx, page = browser_login(browser, hub, "teacher2")
    page.goto(hub.url + SERVICE + "courses/")
    page.click(f"#publish-{SLUG}")
    page.wait_for_selector("#done")
    assert "课程已发布" in page.inner_text("#done")
    page.fill(f"#assignment-{SLUG}-shop input[name=due]", "2030-06-30T18:00")
    page.click(f"#release-{SLUG}-shop")
    page.wait_for_selector("#done")
    assert "作业已发布" in page.inner_text("#done")
    row = page.inner_text(f"#assignment-{SLUG}-shop")
    assert "已发布" in row and "未发布" not in row
    assert "未发布" in page.inner_text(f"#assignment-{SLUG}-hours")
    shot(page, artifacts, FOLDER, "1-instructor-published-and-released")
    release = hub.data_dir / "courses" / SLUG / "release" / "shop" / "shop.ipynb"
    assert release.is_file() and "BEGIN HIDDEN TESTS" not in release.read_text(encoding="utf-8")
    ctx.close()

    ctx, page = browser_login(browser, hub, "worker10")
    page.click("#courses-link")
    page.click(f"#enrol-{SLUG}")
    page.wait_for_selector("#done")
    assert "报名成功" in page.inner_text("#done")
    page.click(f"#open-{SLUG}")
    page.wait_for_selector("#assignments")
    assert page.get_attribute('tr[data-name="shop"]', "data-status") == "not_started"
    assert "2030-06-30 18:00" in page.inner_text('tr[data-name="shop"]')  # due, Beijing time as typed
    assert page.inner_text("#percent") == "0%"
    shot(page, artifacts, FOLDER, "2-learner-course-page")

    grade_directly(hub, SLUG, "worker10", {"shop": 100.0, "hours": 100.0, "waiting": 100.0})
    page.reload()
    assert page.inner_text("#percent") == "100%"
    code = page.inner_text("#cert-code")
    assert re.fullmatch(r"JG(-[0-9A-Z]{4}){4}", code)
    with page.expect_download() as download:
        page.click("#download-certificate")
    saved = tmp_path / "certificate.pdf"
    download.value.save_as(saved)
    assert saved.read_bytes()[:5] == b"%PDF-"
    shot(page, artifacts, FOLDER, "3-learner-completed")
    page.goto(hub.url + SERVICE)
    assert "已结业" in page.inner_text(f'.my-course[data-slug="{SLUG}"]')
    ctx.close()

    anonymous = browser.new_context(locale="zh-CN")
    public = anonymous.new_page()
    public.goto(hub.url + SERVICE + f"certificates/{code}")
    assert "证书真实有效" in public.inner_text("#valid") and "新就业形态数字技能" in public.inner_text("#cert-course")
    shot(public, artifacts, FOLDER, "4-public-verification")
    anonymous.close()
