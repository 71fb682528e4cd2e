"""Studios on the real hub: an organizer creates a studio, adds a member and records achievements through the pages
(a bad form is refused with every problem, nothing stored); a studio round's final list makes the winners; a worker
reads the showcase — public achievements and winners, nothing private — and may not write. One browser visit."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest

from hub.nominations import rounds as nominations
from hub.store.db import session_scope
from tests.conftest import browser_login, shot, xsrf
from tests.hub.nominations.factory import EXAMPLES, grade_prelim

BASE = "/services/jinguo/studios/"
NAME = "秀英数字纺织创新工作室"
ROUND = "hub-studio-showcase-2027"


def post(s, url: str, data: dict):
    return s.post(url, data={**data, "_xsrf": xsrf(s, "/services/jinguo/")}, allow_redirects=False)


@pytest.fixture(scope="module")
def studio(hub) -> str:
    """The studio as the organizer makes it on the pages; its URL."""
    org = hub.session("organizer")
    assert org.get(hub.url + BASE).status_code == 200
    bad = post(org, hub.url + BASE, {"name": "", "leader": "nobody", "unit": "zj-hz-textile"})
    assert bad.status_code == 400 and "未保存" in bad.text and "请填写工作室名称" in bad.text and "找不到领衔人" in bad.text
    made = post(org, hub.url + BASE, {"name": NAME, "leader": "worker03", "unit": "zj-hz-textile",
                                      "summary": "纺织工艺数字化改造"})
    assert made.status_code == 303, made.text[:500]
    url = hub.url + made.headers["Location"].split("?")[0]
    assert re.search(r"/studios/\d+$", url)
    assert post(org, url + "/members", {"username": "worker18"}).status_code == 303
    again = post(org, url + "/members", {"username": "worker18"})
    assert again.status_code == 400 and "已是工作室成员" in again.text
    for title, kind, public, credited in (("织机断线自动检测装置", "patent", "yes", ""),
                                          ("内部排班改进方案", "suggestion", "", "worker18")):
        r = post(org, url + "/achievements", {"title": title, "kind": kind, "achieved_on": "2026-05-01",
                                              "description": "已在车间推广", "public": public, "credited": credited})
        assert r.status_code == 303 and r.headers["Location"].endswith("?done=achievements"), r.text[:500]
    refused = post(org, url + "/achievements", {"title": "", "kind": "invention", "achieved_on": "明天"})
    assert refused.status_code == 400 and "请填写成果名称" in refused.text and "请填写日期" in refused.text
    page = org.get(url).text
    assert "内部排班改进方案" in page and "不公开" in page and "worker18" in page  # organizers see it all
    return url


def test_members_read_the_public_showcase_and_cannot_write(hub, studio):
    with session_scope(hub.db_url) as s:  # a studio round from the example, made final (times moved on)
        grade_prelim(s, "worker03", 0.9)
        text = (EXAMPLES / "studio-cultivation-2027.yaml").read_text(encoding="utf-8")
        nominations.create_round(s, text.replace("zj-studio-cultivation-2027", ROUND), "organizer")
        t0 = datetime.now(timezone.utc) - timedelta(days=10)
        for step in (nominations.compute_draft, nominations.start_review, nominations.start_notice):
            step(s, ROUND, "organizer", now=t0)
        nominations.finalize(s, ROUND, "organizer", now=t0 + timedelta(days=6))

    worker = hub.session("worker01")
    showcase = worker.get(hub.url + BASE).text
    assert NAME in showcase and "织机断线自动检测装置" in showcase and "纺织工艺数字化改造" in showcase
    winners = showcase.split('id="winners"', 1)[1]
    assert NAME in winners and "杭州某纺织有限公司工会" in winners and "专利 1 项" in winners
    detail = worker.get(studio).text
    assert "织机断线自动检测装置" in detail and "2 人" in detail
    for private in ("内部排班改进方案", "worker18", "worker03", "create-studio", "add-achievement"):
        assert private not in showcase + detail, private
    assert post(worker, hub.url + BASE, {"name": "我的工作室", "leader": "worker01", "unit": "zj-hz-ecom"}).status_code == 403
    assert post(worker, studio + "/members", {"username": "worker02"}).status_code == 403
    assert worker.get(hub.url + BASE + "99999").status_code == 404


@pytest.mark.browser
def test_the_showcase_in_a_browser(hub, studio, browser, artifacts):
    ctx, page = browser_login(browser, hub, "worker02", viewport={"width": 390, "height": 844})  # a phone
    try:
        page.click("#studios-link")
        page.wait_for_url(re.compile(r"/studios/$"))
        card = page.locator(".studio", has_text=NAME)
        assert "织机断线自动检测装置" in card.inner_text()
        shot(page, artifacts, "studios", "showcase-phone")
        card.locator("a").first.click()
        page.wait_for_url(re.compile(r"/studios/\d+$"))
        assert page.inner_text("#studio-title") == NAME
        assert "内部排班改进方案" not in page.content()
    finally:
        ctx.close()
