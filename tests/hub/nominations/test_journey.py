"""A nomination round from YAML to final list, driven in Chromium against a real hub: the organizer creates the
round and computes the draft, a reviewer comments, votes and adjusts with a reason, the notice is public, a member
objects, the organizer answers, the list becomes final and immutable, and the audit page shows every step."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from hub.nominations import rounds as nominations
from hub.store.db import session_scope
from hub.store.orm import NominationRound
from tests.conftest import browser_login
from tests.conftest import shot as save_shot
from tests.hub.nominations.factory import MEDAL_YAML, OUTSIDE_CSV, grade_prelim

pytestmark = [pytest.mark.browser, pytest.mark.slow]
SLUG = "zj-may-day-medal-2027"
# demo workers in Zhejiang's unions, with their preliminary results (worker01, 14 and 16 share one union)
RESULTS = {"worker01": 0.98, "worker14": 0.95, "worker16": 0.93, "worker02": 0.9, "worker03": 0.85,
           "worker04": 0.8, "worker17": 0.7, "worker18": 0.6, "worker06": 0.99}  # worker06 is in Guangdong


def shot(page, artifacts, name: str) -> None:
    save_shot(page, artifacts, "nominations", name)


def xsrf_of(page) -> str:
    return page.locator('input[name="_xsrf"]').first.get_attribute("value")


def test_round_from_yaml_to_final_list_with_its_audit_trail(hub, browser, artifacts):
    with session_scope(hub.db_url) as s:
        for username, ratio in RESULTS.items():
            grade_prelim(s, username, ratio)
    base = f"{hub.url}/services/jinguo/nominations"
    org, op = browser_login(browser, hub, "organizer", viewport={"width": 1280, "height": 900})

    # 1. A malformed round is refused with its field paths; the example round is created.
    op.goto(f"{base}/")
    op.fill("#spec_yaml", "slug: 坏名字\ntitle: 2027 年推荐\naward: medal\n")
    op.click("#create-submit")
    problems = op.inner_text("#spec-problems")
    assert "slug" in problems and "award" in problems and "未保存" in problems and "nothing was stored" in problems
    shot(op, artifacts, "01-bad-yaml")
    op.fill("#spec_yaml", MEDAL_YAML.read_text(encoding="utf-8"))
    op.click("#create-submit")
    op.wait_for_url(re.compile(rf"/nominations/{SLUG}\?done=created"))

    # 2. Outside candidates (GBK csv, as union offices export it), then the draft with every candidate's reason.
    op.set_input_files("#import-form input[type=file]", files=[
        {"name": "外部候选人.csv", "mimeType": "text/csv", "buffer": OUTSIDE_CSV.encode("gbk")}])
    op.click("#import-submit")
    op.wait_for_url(re.compile(r"done=import"))
    op.click("#compute-draft")
    op.wait_for_url(re.compile(r"done=draft"))
    reasons = {row.get_attribute("data-name"): row.locator(".reason").inner_text()
               for row in op.locator("#entries tr[data-entry]").all()}
    assert "按成绩排序入选" in reasons["张建国"]
    assert "本单位名额（2 名）已满" in reasons["郭秀英"]  # worker16: the third of one union
    assert "不属于本轮推荐范围的工会" in reasons["杨春梅"]  # worker06: a Guangdong union
    assert all(reasons.values())
    shot(op, artifacts, "02-draft-with-reasons")

    # 3. Review: the round's reviewer (the organizer, named in the file) comments, votes, adjusts with a reason.
    op.click("#start-review")
    op.wait_for_url(re.compile(r"done=start-review"))
    zhao = op.locator('#entries tr[data-name="赵明"]')
    zhao.locator(".comment-form input[name=text]").fill("事迹材料缺少单位推荐意见")
    zhao.locator(".comment-form button").click()
    op.wait_for_url(re.compile(r"done=comment"))
    op.locator('#entries tr[data-name="赵明"] .vote-form button[value="no"]').click()
    op.wait_for_url(re.compile(r"done=vote"))
    entry_id = op.locator('#entries tr[data-name="赵明"]').get_attribute("data-entry")
    no_reason = op.request.post(f"{base}/{SLUG}/adjust", form={
        "_xsrf": xsrf_of(op), "entry": entry_id, "include": "no", "reason": ""})
    assert no_reason.status == 409 and "调整名单必须写明理由" in no_reason.text()
    op.locator('#entries tr[data-name="赵明"] .adjust-form input[name=reason]').fill("事迹材料不全，经评审暂不列入")
    op.locator('#entries tr[data-name="赵明"] .adjust-form button').click()
    op.wait_for_url(re.compile(r"done=adjust"))
    zhao = op.locator('#entries tr[data-name="赵明"]')
    assert zhao.get_attribute("data-included") == "no" and "经评审暂不列入" in zhao.inner_text()
    assert "事迹材料缺少单位推荐意见" in zhao.inner_text() and "反对" in zhao.inner_text()
    shot(op, artifacts, "03-review-adjusted")

    # 4. The notice: public without logging in; name, unit and achievement only.
    op.click("#start-notice")
    op.wait_for_url(re.compile(r"done=start-notice"))
    anon = browser.new_context(locale="zh-CN")
    ap = anon.new_page()
    ap.goto(f"{base}/{SLUG}/notice")
    table = ap.inner_text("#notice")
    assert "张建国" in table and "港口自动化改造带头人" in table and "赵明" not in table and "杨春梅" not in table
    html = ap.content()
    for private in ("性别", "worker0", "member:", "13800", "评分", "female"):
        assert private not in html, private
    assert "公示期" in ap.inner_text("#period") and ap.locator("#login-to-object").count() == 1
    shot(ap, artifacts, "04-public-notice")
    anon.close()

    # 5. A member objects from the notice page.
    mem, mp = browser_login(browser, hub, "worker05", viewport={"width": 412, "height": 915})
    assert mp.goto(f"{base}/{SLUG}").status == 403  # the round page is for organizers and reviewers
    mp.goto(f"{base}/{SLUG}/notice")
    mp.select_option("#objection-entry", mp.locator("#objection-entry option", has_text="孙海红").get_attribute("value"))
    mp.fill("#objection-text", "据了解该同志的事迹中有一项成果为集体成果，请核实")
    mp.click("#objection-submit")
    mp.wait_for_selector("#filed")
    assert "等待答复" in mp.inner_text("#my-objections")
    shot(mp, artifacts, "05-member-objection")

    # 6. The organizer answers on the round page; the answer is recorded and shown to her.
    op.goto(f"{base}/{SLUG}")
    assert "集体成果" in op.inner_text("#objections")
    op.fill('#objections tr[data-number="1"] textarea', "经核实，该成果为本人主持完成，集体署名不影响推荐")
    op.click('#objections tr[data-number="1"] .answer-form button')
    op.wait_for_url(re.compile(r"done=answer"))
    assert "本人主持完成" in op.inner_text('#objections tr[data-number="1"] .answer')
    shot(op, artifacts, "06-objection-answered")
    mp.goto(f"{base}/{SLUG}/notice")
    assert "本人主持完成" in mp.inner_text("#my-objections")
    mem.close()

    # 7. The notice period runs its days (moved back in the database), then the list becomes final.
    op.click("#finalize")
    early = op.inner_text("#error")  # too early: when the notice ends, in Beijing time in both languages
    assert "公示期到" in early and "（北京时间）" in early and "(Beijing time)" in early and "+00:00" not in early
    with session_scope(hub.db_url) as s:
        row = s.scalar(select(NominationRound).where(NominationRound.slug == SLUG))
        days = timedelta(days=row.notice_days, minutes=1)
        row.notice_starts_at, row.notice_ends_at = row.notice_starts_at - days, row.notice_ends_at - days
    op.goto(f"{base}/{SLUG}")
    token = xsrf_of(op)  # the final page has no forms left to take it from
    op.click("#finalize")
    op.wait_for_url(re.compile(r"done=finalize"))
    assert op.get_attribute("#stage", "data-stage") == "final" and op.locator("#final-note").count() == 1
    assert op.locator("form.adjust-form, form.answer-form, #steps").count() == 0
    shot(op, artifacts, "07-final")
    with session_scope(hub.db_url) as s:
        row = nominations.get_round(s, SLUG)
        listed = {e.candidate_key for e in nominations.entries_of(s, row) if e.included}
        audit_count = len(nominations.audit_rows(s, row))
    for action, form in (("adjust", {"entry": entry_id, "include": "yes", "reason": "定稿后试图重新列入"}),
                         ("answer", {"number": "1", "text": "定稿后改写答复"}), ("draft", {})):
        refused = op.request.post(f"{base}/{SLUG}/{action}", form={"_xsrf": token, **form})
        assert refused.status == 409 and "名单已定稿，不能再修改" in refused.text(), action
    with session_scope(hub.db_url) as s:
        row = nominations.get_round(s, SLUG)
        assert {e.candidate_key for e in nominations.entries_of(s, row) if e.included} == listed
        assert len(nominations.audit_rows(s, row)) == audit_count

    # 8. The audit page shows every step in order; its export replays the final list.
    op.goto(f"{base}/{SLUG}/audit")
    actions = [a.inner_text() for a in op.locator("#audit td.action").all()]
    assert actions == ["nomination.create", "nomination.import", "nomination.draft", "nomination.review",
                       "nomination.comment", "nomination.vote", "nomination.adjust", "nomination.notice",
                       "nomination.objection", "nomination.answer", "nomination.final"]
    adjust_row = op.inner_text('#audit tr[data-action="nomination.adjust"]')
    assert "organizer" in adjust_row and "赵明" in adjust_row and "事迹材料不全，经评审暂不列入" in adjust_row
    shot(op, artifacts, "08-audit")
    export = op.request.get(f"{base}/{SLUG}/audit.csv")
    assert export.status == 200 and export.body().startswith("\ufeff".encode())
    replayed = nominations.replay(nominations.read_audit_csv(export.body()))
    assert replayed.stage == "final" and replayed.listed == listed
    assert replayed.objections == {1: "经核实，该成果为本人主持完成，集体署名不影响推荐"}
    org.close()
