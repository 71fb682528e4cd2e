"""Correcting a studio on the real hub's pages: the organizer removes a member (never the leader), edits an
achievement and withdraws one with a reason (struck through on her page, gone from the showcase); a worker gets 403
for each of these; one browser visit at phone width where the organizer withdraws an achievement from the page."""
from __future__ import annotations

import re

import pytest

from tests.conftest import browser_login, shot, xsrf

BASE = "/services/jinguo/studios/"
NAME = "慧芳智能质检创新工作室"
TYPO, FIXED = "视觉质检算发优化", "视觉质检算法优化"
WITHDRAWN, IN_BROWSER = "包装线合理化建议", "来料检验数字化方案"


def post(s, url: str, data: dict):
    return s.post(url, data={**data, "_xsrf": xsrf(s, "/services/jinguo/")}, allow_redirects=False)


def achievement_ids(page: str) -> dict[str, int]:
    """title → id, as the organizer's page lists them."""
    return {title: int(aid) for aid, title in re.findall(r'<tr data-achievement="(\d+)"[^>]*><td[^>]*>([^<]+)</td>',
                                                         page)}


@pytest.fixture(scope="module")
def studio(hub) -> str:
    """A studio led by worker22 with worker23 and worker24, and three public achievements; its URL."""
    org = hub.session("organizer")
    made = post(org, hub.url + BASE, {"name": NAME, "leader": "worker22", "unit": "zj-hz-textile", "summary": ""})
    assert made.status_code == 303, made.text[:500]
    url = hub.url + made.headers["Location"].split("?")[0]
    for username in ("worker23", "worker24"):
        assert post(org, url + "/members", {"username": username}).status_code == 303
    for title, kind, day in ((TYPO, "patent", "2026-03-01"), (WITHDRAWN, "suggestion", "2026-04-01"),
                             (IN_BROWSER, "innovation", "2026-06-01")):
        r = post(org, url + "/achievements", {"title": title, "kind": kind, "achieved_on": day, "public": "yes",
                                              "credited": "worker23", "description": ""})
        assert r.status_code == 303, r.text[:500]
    return url


def test_organizers_correct_a_studio_on_its_page_and_workers_may_not(hub, studio):
    org, worker = hub.session("organizer"), hub.session("worker21")
    ids = achievement_ids(org.get(studio).text)
    typo, withdrawn = ids[TYPO], ids[WITHDRAWN]
    edit = {"title": FIXED, "kind": "patent", "achieved_on": "2026-03-01", "public": "yes", "credited": "worker23",
            "description": "已在质检线推广"}
    for path, data in (("/members/remove", {"username": "worker24"}), (f"/achievements/{typo}/edit", edit),
                       (f"/achievements/{withdrawn}/withdraw", {"reason": "不是本工作室的成果"})):
        refused = post(worker, studio + path, data)
        assert refused.status_code == 403 and "您没有权限进行此操作" in refused.text, path
    page = org.get(studio).text
    assert 'data-member="worker24"' in page and TYPO in page and 'class="withdrawn"' not in page  # nothing changed

    leader = post(org, studio + "/members/remove", {"username": "worker22"})
    assert leader.status_code == 400 and "未保存" in leader.text and "是领衔人，不能移出" in leader.text
    removed = post(org, studio + "/members/remove", {"username": "worker24"})
    assert removed.status_code == 303 and removed.headers["Location"].endswith("?done=removed")
    bad = post(org, studio + f"/achievements/{typo}/edit", {**edit, "achieved_on": "明天"})
    assert bad.status_code == 400 and "请填写日期" in bad.text and f'id="correct-{typo}" open' in bad.text
    assert f'value="{FIXED}"' in bad.text  # her typing is kept
    edited = post(org, studio + f"/achievements/{typo}/edit", edit)
    assert edited.status_code == 303 and edited.headers["Location"].endswith("?done=edited")
    no_reason = post(org, studio + f"/achievements/{withdrawn}/withdraw", {"reason": " "})
    assert no_reason.status_code == 400 and "请填写撤回理由" in no_reason.text
    done = post(org, studio + f"/achievements/{withdrawn}/withdraw", {"reason": "不是本工作室的成果"})
    assert done.status_code == 303 and done.headers["Location"].endswith("?done=withdrawn")
    twice = post(org, studio + f"/achievements/{withdrawn}/withdraw", {"reason": "再撤一次"})
    assert twice.status_code == 409 and "不能再次撤回" in twice.text and "cannot be withdrawn again" in twice.text

    page = org.get(studio).text
    members = page.split('id="members"', 1)[1].split("</table>", 1)[0]
    assert "worker24" not in members and "worker24" in page.split('id="former-members"', 1)[1]
    assert FIXED in page and TYPO not in page
    struck = page.split(f'data-achievement="{withdrawn}" class="withdrawn"', 1)[1].split("</tr>", 2)
    assert WITHDRAWN in struck[0] and "不是本工作室的成果" in struck[1]  # struck through, the reason below it
    assert f"achievements/{withdrawn}/edit" not in page  # a withdrawn achievement has no forms any more
    for text in (worker.get(studio).text, worker.get(hub.url + BASE).text):
        assert FIXED in text and WITHDRAWN not in text and "不是本工作室的成果" not in text
    assert 'id="size">2 人' in worker.get(studio).text  # worker22 and worker23


@pytest.mark.browser
def test_the_organizer_withdraws_an_achievement_from_the_page(hub, studio, browser, artifacts):
    worker = hub.session("worker21")
    assert IN_BROWSER in worker.get(hub.url + BASE).text  # on the showcase before
    ctx, page = browser_login(browser, hub, "organizer", viewport={"width": 390, "height": 844})  # a phone
    try:
        page.goto(studio)
        row = page.locator("tr[data-achievement]", has_text=IN_BROWSER)
        aid = row.get_attribute("data-achievement")
        correct = page.locator(f"#correct-{aid}")
        correct.locator("summary").click()
        correct.locator(".withdraw-achievement textarea[name=reason]").fill("经核实为他人成果")
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")  # nothing off-screen
        shot(page, artifacts, "studios", "withdraw-phone")
        correct.locator(".withdraw-achievement button").click()
        page.wait_for_url(re.compile(r"done=withdrawn"))
        assert "withdrawn" in page.locator(f'tr[data-achievement="{aid}"]').get_attribute("class")
        assert "经核实为他人成果" in page.locator(f'tr[data-withdrawn="{aid}"]').inner_text()
        page.goto(hub.url + BASE)
        assert IN_BROWSER not in page.locator(".studio", has_text=NAME).inner_text()
    finally:
        ctx.close()
    assert IN_BROWSER not in worker.get(hub.url + BASE).text
