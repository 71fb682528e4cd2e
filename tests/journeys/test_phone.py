"""A rider with a phone and ten minutes (issue 19), in Chromium at 390×844 against a real hub: she enrols in the
rights course, reads lesson 1, answers every quiz assignment on pages, sees her scores, completes the course and
downloads her certificate — and the hub never started a notebook server for her."""
from __future__ import annotations

import re

import pytest

from courses.catalogue import quiz_items
from hub.courses import quiz_pages as qp
from tests.conftest import browser_login, shot as save_shot
from tests.hub.courses.conftest import SERVICE, publish_directly
from tests.hub.lab.courses import publish

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SLUG, WHO = "rights", "worker19"
REQUIRED = ("maternity", "nursing", "equality")
WEIGHTS: dict[str, int] = {}


def shot(page, artifacts, name: str) -> None:
    save_shot(page, artifacts, "phone", name)


def weigh(page, name: str) -> None:
    """Bytes of the page's HTML and everything it loaded (first load, nothing cached)."""
    WEIGHTS[name] = page.evaluate("""() => {
        const nav = performance.getEntriesByType('navigation')[0];
        return performance.getEntriesByType('resource').reduce((n, r) => n + (r.transferSize || r.decodedBodySize || 0),
                                                                nav.transferSize || nav.decodedBodySize || 0);
    }""")


def test_she_completes_the_rights_course_on_her_phone_without_a_server(hub, browser, artifacts):
    publish_directly(hub, SLUG)
    publish(hub, SLUG, {name: None for name in REQUIRED})
    ctx, page = browser_login(browser, hub, WHO, viewport={"width": 390, "height": 844}, is_mobile=True,
                              has_touch=True)
    try:
        # The zone: on a phone "我的笔记本" opens Notebook 7 (/tree), not JupyterLab.
        nav = page.get_attribute("header a.my-notebooks", "href")
        assert nav.endswith(f"spawn?next=/user/{WHO}/tree"), nav
        page.goto(f"{hub.url}{SERVICE}courses/")
        page.click(f"#enrol-{SLUG}")
        page.wait_for_url(re.compile(r"done=enrolled"))
        page.goto(f"{hub.url}{SERVICE}")
        assert page.is_visible(f'.my-course[data-slug="{SLUG}"]')
        shot(page, artifacts, "01-zone-two-ways")
        page.click(f'a.phone-way[href$="/courses/{SLUG}/phone"]')
        page.wait_for_selector("#phone-lessons")
        shot(page, artifacts, "02-course-on-the-phone")

        # Lesson 1, as a page that fits the screen.
        page.click("a.phone-lesson >> nth=0")
        page.wait_for_selector("#lesson")
        weigh(page, "lesson 1")
        assert page.evaluate("document.documentElement.scrollWidth") <= 390  # nothing wider than the phone
        assert "98" in page.inner_text("#lesson")
        shot(page, artifacts, "03-lesson-1")

        items = quiz_items(SLUG)
        for n, name in enumerate(REQUIRED, 4):
            page.goto(f"{hub.url}{SERVICE}courses/{SLUG}/phone")
            page.click(f'.phone-quiz[data-name="{name}"] a')
            page.wait_for_selector("#quiz-form")
            if name == REQUIRED[0]:
                weigh(page, "quiz page")
            assert page.evaluate("document.documentElement.scrollWidth") <= 390
            for slot in qp.assignment_slots(SLUG, name):
                for key in items[slot.item.id].answer:
                    page.check(f'fieldset[data-quiz="{slot.item.id}"] input[value="{key}"]')
            shot(page, artifacts, f"{n:02d}-quiz-{name}-answered")
            page.click("#hand-in")
            page.wait_for_selector("#received")
            page.wait_for_selector("#score", timeout=180_000)  # the page refreshes itself while grading
            score = page.inner_text("#score")
            assert score == f"{sum(s.points for s in qp.assignment_slots(SLUG, name)):g}", (name, score)
            assert page.get_attribute("#status", "data-status") == "passed"
            assert "依据" in page.inner_text(".why >> nth=0")
            shot(page, artifacts, f"{n:02d}-quiz-{name}-explained")

        # Completed: the course page offers her certificate.
        page.goto(f"{hub.url}{SERVICE}courses/{SLUG}/phone")
        assert page.inner_text("#percent") == "100%"
        page.click("#phone-certificate")
        page.wait_for_selector("#certificate")
        shot(page, artifacts, "07-certificate")
        with page.expect_download() as dl:
            page.click("#download-certificate")
        with open(dl.value.path(), "rb") as f:
            assert f.read(5) == b"%PDF-"

        # The hub started no notebook server for her at any point.
        her = hub.session(WHO)
        user = her.get(f"{hub.url}/hub/api/users/{WHO}").json()
        assert user["servers"] == {} and user["server"] is None, user
    finally:
        ctx.close()
    print("page weights (bytes, first load):", WEIGHTS)
    assert WEIGHTS["lesson 1"] < 150 * 1024 and WEIGHTS["quiz page"] < 150 * 1024


def test_on_a_phone_my_notebooks_opens_notebook_7_in_chinese_on_a_desktop_jupyterlab(hub, browser, artifacts):
    who = "worker30"
    ctx, page = browser_login(browser, hub, who, viewport={"width": 1280, "height": 800})
    try:  # a desktop keeps JupyterLab (the hub's default URL)
        assert page.get_attribute("header a.my-notebooks", "href").endswith("hub/spawn")
    finally:
        ctx.close()
    ctx, page = browser_login(browser, hub, who, viewport={"width": 390, "height": 844}, is_mobile=True,
                              has_touch=True)
    try:
        page.click("#start-server")
        try:
            page.wait_for_url(re.compile(rf"/user/{who}/tree"), timeout=240_000)  # a spawn under load is slow
        except Exception:
            shot(page, artifacts, "08-notebook-7-not-reached")
            raise AssertionError(f"Notebook 7 not reached: {page.url}") from None
        page.wait_for_selector("#main-panel, .jp-DirListing", timeout=60_000)
        assert "/lab" not in page.url
        text = page.inner_text("body")
        assert "文件" in text or "新建" in text or "上传" in text, text[:500]  # zh-CN language pack
        shot(page, artifacts, "08-notebook-7-tree")
    finally:
        ctx.close()
        her = hub.session(who)
        her.delete(f"{hub.url}/hub/api/users/{who}/server", headers={"X-XSRFToken": _xsrf_of(her, hub)})


def _xsrf_of(session, hub) -> str:
    page = session.get(f"{hub.url}/hub/home").text
    return page.split('xsrf_token: "', 1)[1].split('"', 1)[0]
