"""`jinguo demo` on a fresh data folder leaves a platform in use, and a second run changes nothing.

The hub is started as `make demo` does it: `jinguo demo` (the whole demo: courses graded in the real sandbox,
competitions, rounds, studios, a survey), then `jinguo serve`. What a newcomer would look at is then checked
through the running platform: the report's columns, the boards, a certificate, the public notice, the survey."""
from __future__ import annotations

import re
import subprocess

import pytest
from sqlalchemy import select

from hub.nominations import rounds as nominations

from hub.surveys import responses as surveys
from hub.store.db import session_scope
from hub.demo.activity import CLOSED_SLUG, FINAL_ROUND, NOTICE_ROUND, OPEN_SLUG, digest
from hub.store.orm import Certificate, Member, NominationRound, Survey
from hub.reports.tables import build_tables, parse_scope
from hub.testing import VENV_BIN, start_hub, stop_hub
from tests.conftest import ARTIFACTS, browser_login, platform_client
from tests.conftest import shot as save_shot

pytestmark = [pytest.mark.slow, pytest.mark.timeout(1500)]  # the demo grades ~70 hand-ins: a loaded CI
SERVICE = "/services/jinguo/"


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("demo")
    h = start_hub(tmp, demo_activity=True)
    h.demo_log = (tmp / "demo.log").read_text(encoding="utf-8")
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "demo").mkdir(exist_ok=True)
    (ARTIFACTS / "demo" / "jinguo-demo.log").write_text(h.demo_log, encoding="utf-8")  # its progress and timings
    yield h
    stop_hub(h)


def report_totals(db_url: str) -> dict[str, int]:
    """The report's total row (every table sums to the same totals), by column."""
    with session_scope(db_url) as s:
        table = build_tables(s, parse_scope(s))[0]
    return dict(zip(table.columns[1:-1], table.rows[-1][1:-1]))


def test_every_report_column_is_non_zero(demo):
    # progress was shown, one line per step, in Chinese (and English)
    steps = [line for line in demo.demo_log.splitlines() if re.match(r"\[\d+/10\] ", line)]
    assert len(steps) == 10 and all(re.search("[\u4e00-\u9fff]", line) for line in steps)
    totals = report_totals(demo.db_url)
    assert len(totals) == 6 and all(totals.values()), totals  # registered … cadres trained
    page = demo.session("organizer").get(demo.url + SERVICE + "reports")
    assert page.status_code == 200


def test_open_board_spans_divisions_and_closed_one_has_its_final_board(demo):
    client = platform_client(demo, "worker03")
    board = client.leaderboard(OPEN_SLUG, limit=50)
    assert board["board"] == "public" and board["total"] >= 8
    with session_scope(demo.db_url) as s:
        regions = {m.region.code for m in s.scalars(select(Member).where(Member.username.like("worker%")))}
    divisions = {r: client.leaderboard(OPEN_SLUG, division=f"region:{r}")["total"] for r in sorted(regions)}
    assert sum(1 for n in divisions.values() if n) >= 2, divisions
    final = client.leaderboard(CLOSED_SLUG, board="private", limit=50)  # shown to anyone once the phase closed
    assert final["board"] == "private" and final["total"] >= 10 and final["entries"][0]["score"] == 4


def test_certificate_verifies_round_in_notice_with_objection_and_survey_results(demo):
    with session_scope(demo.db_url) as s:
        code, name = s.execute(select(Certificate.code, Certificate.name).order_by(Certificate.id)).first()
        final, notice = (s.scalar(select(NominationRound).where(NominationRound.slug == slug))
                         for slug in (FINAL_ROUND, NOTICE_ROUND))
        assert final.stage == "final" and notice.stage == "notice"
        assert len(nominations.objections_of(s, notice)) == 1
        survey = s.scalar(select(Survey))
        results = surveys.results(s, survey)
        assert survey.status == "open" and results.respondents and results.respondents >= results.k
        assert all(q.answered for q in results.questions if q.kind != "text")
    anonymous = demo.session()
    valid = anonymous.get(demo.url + SERVICE + f"certificates/{code}")
    assert valid.status_code == 200 and "证书真实有效" in valid.text and name in valid.text
    public_notice = anonymous.get(demo.url + SERVICE + f"nominations/{NOTICE_ROUND}/notice")
    assert public_notice.status_code == 200 and "公示" in public_notice.text
    shown = demo.session("organizer").get(demo.url + SERVICE + f"surveys/{survey.slug}/results")
    assert shown.status_code == 200 and "人数不足" not in shown.text.split("<body", 1)[-1][:200]


def test_second_run_changes_nothing(demo):
    before, totals = digest(demo.db_url), report_totals(demo.db_url)
    again = subprocess.run([str(VENV_BIN / "jinguo"), "demo"], env=demo.env, capture_output=True, text=True,
                           timeout=900)
    assert again.returncode == 0, again.stderr[-3000:]
    assert again.stdout.count("无变化") == 10, again.stdout
    assert digest(demo.db_url) == before and report_totals(demo.db_url) == totals


@pytest.mark.browser
@pytest.mark.parametrize("persona,pages", [
    ("worker01", [("", "办公数据处理入门"), ("courses/office-data", "恭喜您已结业"),
                  (f"competitions/{OPEN_SLUG}", "排行榜")]),
    ("worker04", [("courses/office-data", "完成进度")]),
    ("teacher1", [("courses/office-data", "学员学习进度"), ("courses/office-data/progress", "王秀英")]),
    ("organizer", [(f"competitions/{CLOSED_SLUG}", "最终榜"), (f"nominations/{NOTICE_ROUND}", "异议"),
                   (f"nominations/{FINAL_ROUND}", "定稿"), ("studios", "杭州电商巾帼数字创新工作室"),
                   ("surveys/women-workforce-2027/results", "30"), ("reports", "培训干部")]),
    ("admin", [("reports", "被推荐")]),
])
def test_each_persona_sees_the_demo(demo, browser, artifacts, persona, pages):
    """What each persona opens first on the fresh demo, each page with what it must show; screenshots are kept
    under test-artifacts/demo/."""
    ctx, page = browser_login(browser, demo, persona, viewport={"width": 1280, "height": 900})
    try:
        save_shot(page, artifacts, "demo", f"{persona}-00-home")
        for i, (path, expected) in enumerate(pages, start=1):
            response = page.goto(demo.url + SERVICE + path)
            assert response is not None and response.status == 200, (persona, path)
            page.wait_for_load_state("networkidle")  # the report's charts are images loaded after the page
            assert expected in page.inner_text("body"), (persona, path, expected)
            save_shot(page, artifacts, "demo", f"{persona}-{i:02d}-{path.replace('/', '-') or 'zone'}")
    finally:
        ctx.close()
