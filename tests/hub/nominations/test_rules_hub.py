"""The round's rules hold when the organizer adjusts the list on the round page of a real hub (the form an organizer
uses: POST nominations/SLUG/adjust with her XSRF token). The two cases of the finding are refused with their reasons
and nothing changes; a round that allows overrides takes one only with a written reason, and shows the exception on
the list, in the audit and on the public notice."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from hub.nominations import rounds as nominations
from hub.store.db import session_scope
from hub.store.orm import AuditLog
from tests.conftest import browser_login, shot, xsrf
from tests.hub.nominations.factory import add_person, grade_in, own_competition, round_yaml

BASE = "/services/jinguo/nominations"
COMP = "hub-rules-comp-2030"
# (user name, name, unit, gender, result): two women and three men, each in a union of their own
PEOPLE = [("rulesw1", "钱秀兰", "zj-hz-ecom", "female", 0.99), ("rulesw2", "孔美华", "zj-hz-textile", "female", 0.97),
          ("rulesm1", "冯建军", "zj-nb-port", "male", 0.95), ("rulesm2", "褚国强", "zj-hz-riders", "male", 0.93),
          ("rulesm3", "卫志刚", "zj-hz-ecom", "male", 0.90)]


def seed(hub, suffix: str) -> dict[str, str]:
    """The five people (user names made unique per test) and their results in a competition of the test's own
    (``COMP-suffix``), so that each test's rounds see only its own people; name → user name."""
    names = {}
    with session_scope(hub.db_url) as s:
        comp = own_competition(s, f"{COMP}-{suffix}", f"2030 年规则测试竞赛 {suffix}")
        for username, name, unit, gender, ratio in PEOPLE:
            add_person(s, username + suffix, name + suffix, unit, gender=gender)
            grade_in(s, comp, username + suffix, ratio)
            names[name + suffix] = username + suffix
    return names


def post(session, path: str, data: dict):
    return session.post(path, data={**data, "_xsrf": xsrf(session, "/services/jinguo/")}, allow_redirects=False)


def create_and_review(hub, org, text: str, slug: str) -> None:
    base = f"{hub.url}{BASE}"
    assert org.get(f"{base}/").status_code == 200  # her XSRF cookie for the service
    made = post(org, f"{base}/", {"spec_yaml": text})
    assert made.status_code == 303, made.text[:800]
    for action in ("draft", "start-review"):
        done = post(org, f"{base}/{slug}/{action}", {})
        assert done.status_code == 303 and done.headers["Location"].endswith(f"done={action}"), done.text[:800]


def entries(hub, slug: str) -> dict[str, tuple[int, bool, str]]:
    with session_scope(hub.db_url) as s:
        row = nominations.get_round(s, slug)
        return {e.name: (e.id, e.included, e.reason) for e in nominations.entries_of(s, row)}


def audit_count(hub, slug: str) -> int:
    with session_scope(hub.db_url) as s:
        return len(nominations.audit_rows(s, nominations.get_round(s, slug)))


def test_a_fifth_person_on_four_places_at_40_percent_women_is_refused_on_the_round_page(hub, browser, artifacts):
    seed(hub, "a")
    slug = "hub-rules-places-2030"
    org = hub.session("organizer")
    create_and_review(hub, org, round_yaml(slug, "may_day_medal", 2030, f"{COMP}-a", 4, women=0.5), slug)
    got = entries(hub, slug)
    assert sorted(n for n, (_, inc, _) in got.items() if inc) == ["冯建军a", "孔美华a", "褚国强a", "钱秀兰a"]
    before = audit_count(hub, slug)

    refused = post(org, f"{hub.url}{BASE}/{slug}/adjust", {"entry": got["卫志刚a"][0], "include": "yes",
                                                            "reason": "评审认为事迹突出，增列一人"})
    assert refused.status_code == 409
    assert "未执行" in refused.text and "这项调整会违反本轮推荐规则" in refused.text
    assert "名单列入 5 人，超过名额 4 名" in refused.text and "5 people listed for 4 places" in refused.text
    assert "女性 2 名，占 40%，低于最低比例 50%" in refused.text and "40% of the list" in refused.text
    assert entries(hub, slug) == got and audit_count(hub, slug) == before  # nothing changed, nothing audited
    # the page's own form has no place for an exception: this round allows none
    assert 'name="override_reason"' not in refused.text
    # the same in her browser: the adjust form of the row, the refusal on the page, the list unchanged
    ctx, page = browser_login(browser, hub, "organizer", viewport={"width": 1280, "height": 900})
    try:
        page.goto(f"{hub.url}{BASE}/{slug}")
        row = page.locator('#entries tr[data-name="卫志刚a"]')
        row.locator(".adjust-form input[name=reason]").fill("评审认为事迹突出，增列一人")
        row.locator(".adjust-form button").click()
        page.wait_for_selector("#error")
        error = page.inner_text("#error")
        assert "超过名额 4 名" in error and "低于最低比例 50%" in error and "refused" in error
        assert page.locator('#entries tr[data-name="卫志刚a"]').get_attribute("data-included") == "no"
        shot(page, artifacts, "nominations", "rules-adjust-refused")
    finally:
        ctx.close()
    assert entries(hub, slug) == got

    # what she can do instead: 卫志刚 takes 褚国强's place (递补), one man for another
    swapped = post(org, f"{hub.url}{BASE}/{slug}/swap", {"off": got["褚国强a"][0], "on": got["卫志刚a"][0],
                                                          "reason": "褚国强本人申请退出，由卫志刚递补"})
    assert swapped.status_code == 303 and swapped.headers["Location"].endswith("done=swap"), swapped.text[:800]
    assert sorted(n for n, (_, inc, _) in entries(hub, slug).items() if inc) == ["冯建军a", "卫志刚a", "孔美华a",
                                                                                "钱秀兰a"]
    assert post(org, f"{hub.url}{BASE}/{slug}/start-notice", {}).status_code == 303


def test_re_listing_a_person_who_already_received_the_award_is_refused_in_the_second_round(hub):
    names = seed(hub, "b")
    first, second = "hub-rules-first-2031", "hub-rules-second-2032"
    with session_scope(hub.db_url) as s:  # the first round ran its course last year: 钱秀兰 is on its final list
        t0 = datetime.now(timezone.utc) - timedelta(days=30)
        nominations.create_round(s, round_yaml(first, "may_day_women", 2031, f"{COMP}-b", 1), "organizer")
        for step in (nominations.compute_draft, nominations.start_review, nominations.start_notice):
            step(s, first, "organizer", now=t0)
        nominations.finalize(s, first, "organizer", now=t0 + timedelta(days=6))
        assert [e.name for e in nominations.entries_of(s, nominations.get_round(s, first)) if e.included] == ["钱秀兰b"]
    assert names["钱秀兰b"]

    org = hub.session("organizer")
    create_and_review(hub, org, round_yaml(second, "may_day_women", 2032, f"{COMP}-b", 2,
                                                  not_awarded_within_years=3),
                      second)
    got = entries(hub, second)
    entry_id, included, reason = got["钱秀兰b"]
    assert not included and "2031 年已获此奖项" in reason
    before = audit_count(hub, second)
    refused = post(org, f"{hub.url}{BASE}/{second}/adjust", {"entry": entry_id, "include": "yes",
                                                              "reason": "第二轮评审决定重新列入"})
    assert refused.status_code == 409
    assert "钱秀兰b 不符合推荐条件：2031 年已获此奖项" in refused.text and "received this award in 2031" in refused.text
    assert entries(hub, second) == got and audit_count(hub, second) == before


def test_an_allowed_exception_needs_its_reason_and_is_shown_on_the_list_the_audit_and_the_notice(hub):
    seed(hub, "c")
    slug = "hub-rules-override-2033"
    org = hub.session("organizer")
    create_and_review(hub, org, round_yaml(slug, "may_day_medal", 2033, f"{COMP}-c", 4, women=0.5,
                                                       override=True), slug)
    page = org.get(f"{hub.url}{BASE}/{slug}").text
    assert 'name="override_reason"' in page  # the adjust form asks for it where the round allows exceptions
    wei = entries(hub, slug)["卫志刚c"][0]
    form = {"entry": wei, "include": "yes", "reason": "评审认为事迹突出，增列一人"}
    no_reason = post(org, f"{hub.url}{BASE}/{slug}/adjust", form)
    assert no_reason.status_code == 409 and "本轮允许例外，但必须写明例外理由" in no_reason.text
    why = "省总工会批复同意本轮增列一名（批复文号 2033-17）"
    done = post(org, f"{hub.url}{BASE}/{slug}/adjust", {**form, "override_reason": why})
    assert done.status_code == 303, done.text[:800]

    listed = org.get(f"{hub.url}{BASE}/{slug}").text
    exceptions = listed.split('id="exceptions"', 1)[1].split("</div>", 1)[0]
    assert "名单列入 5 人，超过名额 4 名" in exceptions and "女性 2 名，占 40%" in exceptions and why in exceptions
    assert 'id="rule-breaches"' not in listed
    assert post(org, f"{hub.url}{BASE}/{slug}/start-notice", {}).status_code == 303

    audit = org.get(f"{hub.url}{BASE}/{slug}/audit").text
    assert audit.count('data-action="nomination.exception"') == 2 and why in audit
    notice_row = audit.split('data-action="nomination.notice"', 1)[1].split("</tr>", 1)[0]
    assert "（北京时间）" in notice_row and "+00:00" not in notice_row  # when the notice ends, in Beijing time
    with session_scope(hub.db_url) as s:
        rows = s.scalars(select(AuditLog).where(AuditLog.action == "nomination.exception",
                                                AuditLog.target_id == slug)).all()
        assert {r.after["code"] for r in rows} == {"places", "women_share"} and {r.reason for r in rows} == {why}

    notice = hub.session().get(f"{hub.url}{BASE}/{slug}/notice")  # the public, without logging in
    assert notice.status_code == 200
    shown = notice.text.split('id="exceptions"', 1)[1].split("</ul>", 1)[0]
    assert "列入 5 人，超过名额 4 名" in shown and "女性 2 名" in shown and why in shown
