"""Her competition page says what is true now (issue 16): between phases it says the phase has closed and when
the next one opens (Beijing time), after the last one that the competition has ended, never "submit"; boards
are named by the region's Chinese name (地区分榜·浙江省), not its code, on the page and in the JSON API."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

from tests.conftest import platform_client

CST = timezone(timedelta(hours=8))


def open_spec(hub, tmp_path, slug: str, phases: list[tuple[str, str, datetime, datetime]]) -> None:
    text = f"slug: {slug}\ntitle: 措辞测试赛\ndivisions:\n  - {{key: region, title: 地区分榜, split_by: region}}\nphases:\n"
    for key, title, opens, closes in phases:
        text += (f"  - key: {key}\n    title: {title}\n    opens_at: {opens.isoformat()}\n"
                 f"    closes_at: {closes.isoformat()}\n    tasks:\n      - {{assignment: {key}-task, max_score: 10}}\n")
    path = tmp_path / f"{slug}.yaml"
    path.write_text(text, encoding="utf-8")
    opened = hub.jinguo("competition", "open", str(path))
    assert opened.returncode == 0, opened.stderr


def her_page(hub, username: str, slug: str, query: str = "") -> str:
    s = hub.session(username)
    r = s.get(f"{hub.url}/services/jinguo/competitions/{slug}{query}")
    assert r.status_code == 200
    if 'id="join"' in r.text:  # she joins, as she would from the page
        from tests.conftest import xsrf

        r = s.post(f"{hub.url}/services/jinguo/competitions/{slug}",
                   data={"action": "join", "_xsrf": xsrf(s, "/services/jinguo/")})
        assert r.status_code == 200
    return s.get(f"{hub.url}/services/jinguo/competitions/{slug}{query}").text


def text_of(html: str, element_id: str) -> str:
    m = re.search(rf'id="{element_id}"[^>]*>(.*?)</p>', html, re.S)
    return re.sub(r"<[^>]+>", "", m.group(1)) if m else ""


def test_between_phases_the_page_says_closed_and_when_the_next_opens(hub, tmp_path):
    now = datetime.now(timezone.utc)
    opens = (now + timedelta(days=2)).astimezone(CST).replace(hour=9, minute=30, second=0, microsecond=0)
    open_spec(hub, tmp_path, "wording-between", [
        ("prelim", "初赛", now - timedelta(days=3), now - timedelta(hours=2)),
        ("final", "决赛", opens, opens + timedelta(hours=3))])
    html = her_page(hub, "worker30", "wording-between")
    assert "初赛已结束，现在不能提交" in text_of(html, "phase-closed")
    assert f"决赛将于 {opens:%Y-%m-%d %H:%M}（北京时间）开始" in text_of(html, "next-phase")
    joined = text_of(html, "is-joined")
    assert "提交按钮" not in joined and "Submit 小部件" not in joined and "决赛开始后" in joined
    looking_ahead = her_page(hub, "worker30", "wording-between", "?phase=final")  # the closed one is still named
    assert "初赛已结束" in text_of(looking_ahead, "phase-closed")


def test_after_the_last_phase_the_page_says_the_competition_has_ended(hub, tmp_path):
    now = datetime.now(timezone.utc)
    open_spec(hub, tmp_path, "wording-ended", [("prelim", "初赛", now - timedelta(days=3), now - timedelta(hours=2))])
    html = her_page(hub, "worker30", "wording-ended")
    assert "竞赛已结束，不再接受提交" in text_of(html, "closed")
    assert "Submit 小部件" not in html and "竞赛已结束" in text_of(html, "is-joined")


def test_boards_are_named_by_the_regions_chinese_name(hub, tmp_path):
    username = "worker30"
    now = datetime.now(timezone.utc)
    open_spec(hub, tmp_path, "wording-open", [("prelim", "初赛", now - timedelta(hours=1), now + timedelta(days=1))])
    her = platform_client(hub, username)
    board = her.leaderboard("wording-open", division="region:zhejiang")
    assert board["division_title"] == "地区分榜·浙江省"
    assert her.leaderboard("wording-open")["division_title"] == "总榜"
    html = her_page(hub, username, "wording-open")
    assert "用“提交”按钮或 Submit 小部件提交" in text_of(html, "is-joined")  # open: she is told how to submit
