"""An organizer's and two competitors' competition, driven in Chromium against a real hub with real grading:
define and open → join in different divisions → submit → boards update → close → the private board decides,
then a disqualification with a reason, the collective board and the results export."""
from __future__ import annotations

import io
import os
import re
import shutil
from datetime import datetime, timedelta, timezone

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from hub.store.db import session_scope
from hub.store.orm import AuditLog
from tests.grading.corpus import KINDS, make_course
from tests.conftest import browser_login, platform_client as client_for
from tests.conftest import shot as save_shot
from tests.journeys.test_competition_submissions import notebook
from tests.journeys.test_competition_submissions import wait_final as wait_for

pytestmark = [pytest.mark.slow, pytest.mark.browser,
              pytest.mark.skipif(os.geteuid() != 0, reason="grading switches to an unprivileged uid: run as root")]
SLUG = "journey-2026"


def spec_yaml(now: datetime, broken: bool = False) -> str:
    closes = now - timedelta(hours=2) if broken else now + timedelta(days=3)
    return f"""slug: {SLUG}
title: 2026 年数字技能竞赛（旅程测试）
description: 两位选手、两个赛区；公开榜只用可见测试，最终榜用全部测试。
phases:
  - key: prelim
    title: 初赛
    opens_at: {(now - timedelta(hours=1)).isoformat()}
    closes_at: {closes.isoformat()}
    tasks:
      - {{assignment: task1, title: 求和, max_score: 3}}
    public_tests: {{marker: visible}}
divisions:
  - {{key: region, title: 按区域, split_by: region}}
limits: {{per_day: 5}}
"""


def login(browser, hub, username: str):
    return browser_login(browser, hub, username, viewport={"width": 412, "height": 915})[1]


def shot(page, artifacts, name: str) -> None:
    save_shot(page, artifacts, "competition", name)


def wait_final(client, sid: int) -> dict:
    return wait_for(client, sid, slug=SLUG)


def board_names(page, board: str) -> list[str]:
    return [n.strip() for n in page.locator(f"#{board} td.name").all_inner_texts()]


def test_define_join_submit_close_and_the_private_board_decides(hub, browser, artifacts):
    course = hub.data_dir / "competitions" / SLUG  # the organizer has put the task's nbgrader folder in place
    make_course(course, {"seed": KINDS["full"]}, assignment="task1")
    shutil.rmtree(course / "submitted")
    base = f"{hub.url}/services/jinguo"
    now = datetime.now(timezone.utc)

    # 1. The organizer pastes the file, is told what is wrong, fixes it and opens the competition.
    org = login(browser, hub, "organizer")
    org.goto(f"{base}/competitions-new")
    org.fill("#spec", spec_yaml(now, broken=True))
    org.click("#check")
    assert "closes_at" in org.inner_text("#problems") and "晚于" in org.inner_text("#problems")
    shot(org, artifacts, "01-problems")
    org.fill("#spec", spec_yaml(now))
    org.click("#check")
    assert "检查通过" in org.inner_text("#valid")
    org.click("#open")
    org.wait_for_url(re.compile(r"/manage\?done=open"))

    # 2. Two competitors from different regions join from the zone's link.
    ann, bei = login(browser, hub, "worker01"), login(browser, hub, "worker05")
    for page in (ann, bei):
        page.goto(f"{base}/")
        page.click(f'a[href$="competitions/{SLUG}"]')
        page.click("#join")
        page.wait_for_selector("#joined-notice")
    shot(bei, artifacts, "02-joined")

    # 3. They submit (as the Submit widget does): she of Zhejiang a partial answer first, she of Guangdong a
    #    full one later. The public board (visible test only) ties them and puts the earlier first.
    #    Until the close each sees her public score only; the organizer sees the score over every test.
    a, b, o = client_for(hub, "worker01"), client_for(hub, "worker05"), client_for(hub, "organizer")
    sa = a.submit(SLUG, "task1", notebook(course, KINDS["partial"]))
    assert wait_final(a, sa["id"])["score"] == 3.0 and wait_final(o, sa["id"])["score"] == 1.0
    sb = b.submit(SLUG, "task1", notebook(course, KINDS["full"]))
    assert wait_final(b, sb["id"])["score"] == 3.0 and wait_final(o, sb["id"])["score"] == 3.0
    ann.goto(f"{base}/competitions/{SLUG}")
    assert ann.locator("#history td.status").first.inner_text() == "已评分"
    assert len(board_names(ann, "public-board")) == 2
    assert [r.strip() for r in ann.locator("#public-board td.rank").all_inner_texts()] == ["1", "2"]
    assert ann.locator("#public-board tr.me td.rank").inner_text() == "1"
    assert ann.locator("#final-board").count() == 0  # the private board stays hidden while the phase runs
    ann.select_option('select[name="division"]', "region:guangdong")
    ann.wait_for_url(re.compile(r"division=region"))
    assert len(board_names(ann, "public-board")) == 1  # her own division's board holds only her rival
    shot(ann, artifacts, "03-public-board")

    # 4. The organizer sees who takes part, rescores the task (its tests unchanged: the same scores come back)
    #    and closes the phase now, each with a reason.
    org.goto(f"{base}/competitions/{SLUG}/manage")
    assert "浙江" in org.inner_text(".participation >> nth=0")
    org.fill("#rescore-form input[name=reason]", "核对测试后重新评分")
    org.click('#rescore-form button[value="rescore"]')
    org.wait_for_url(re.compile(r"done=rescore"))
    assert wait_final(o, sa["id"])["score"] == 1.0 and wait_final(o, sb["id"])["score"] == 3.0
    org.fill("#close-form input[name=reason]", "提前完成全部比赛")
    org.click('#close-form button[value="close"]')
    org.wait_for_url(re.compile(r"done=close"))

    # 5. The final ranks come from the private board: the full answer wins.
    bei.goto(f"{base}/competitions/{SLUG}")
    assert bei.locator("#closed").count() == 1
    assert bei.locator("#final-board tr.me td.rank").inner_text() == "1"
    shot(bei, artifacts, "04-final-board")
    with org.expect_download() as dl:
        org.click("#export")
    sheet = load_workbook(io.BytesIO(open(dl.value.path(), "rb").read()))["总榜"]
    assert [sheet.cell(3, c).value for c in (1, 3, 8)] == [1, "worker05", 3.0]
    assert [sheet.cell(4, c).value for c in (1, 3, 8)] == [2, "worker01", 1.0]

    # 6. A disqualification needs a reason, takes her off the boards and stops her submitting.
    org.goto(f"{base}/competitions/{SLUG}/manage")
    org.fill("#disqualify-form input[name=username]", "worker05")
    org.fill("#disqualify-form input[name=reason]", "提交的代码与他人雷同")
    org.click('#disqualify-form button[value="disqualify"]')
    org.wait_for_url(re.compile(r"done=disqualify"))
    assert "雷同" in org.inner_text("#disqualified")
    bei.goto(f"{base}/competitions/{SLUG}")
    assert "取消参赛资格" in bei.inner_text("#not-eligible")
    assert bei.locator("#final-board tr.me").count() == 0
    bei.goto(f"{base}/competitions/{SLUG}/units")
    assert bei.locator("#units tr").count() >= 2
    shot(bei, artifacts, "05-units")

    with session_scope(hub.db_url) as s:
        actions = [(a.action, a.actor) for a in s.scalars(select(AuditLog).where(AuditLog.target_id == SLUG)
                                                           .order_by(AuditLog.id))]
    assert actions[0] == ("competition.open", "organizer")
    assert ("competition.join", "worker01") in actions and ("competition.join", "worker05") in actions
    assert actions[-3:] == [("competition.rescore", "organizer"), ("competition.close_phase", "organizer"),
                            ("competition.disqualify", "organizer")]
