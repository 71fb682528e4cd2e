"""The public pages of a real hub, fetched without logging in: the 公示 of a round and the showcase of final lists
show name, unit and achievement — as the round's privacy settings say — and no score or points of anyone, not even
from an achievement line stored before scores were taken out of it."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

from hub.nominations import rounds as nominations
from hub.store.db import session_scope
from tests.hub.nominations.factory import add_person, grade_in, own_competition, round_yaml

BASE = "/services/jinguo"
COMP, COMP_TITLE = "hub-public-comp-2034", "2034 年公开页面测试竞赛"
FINAL, NOTICE = "hub-public-final-2034", "hub-public-notice-2035"
PEOPLE = [("pubw1", "沈玉兰", "zj-hz-ecom", 0.98), ("pubw2", "韩晓燕", "zj-nb-port", 0.91),
          ("pubw3", "杨淑珍", "zj-hz-textile", 0.62)]
POINTS = re.compile(r"\d+(?:\.\d+)?\s*分(?!公司)")  # "100.0 分", "87 分"


def section(html: str, element_id: str, end: str) -> str:
    return html.split(f'id="{element_id}"', 1)[1].split(end, 1)[0]


def test_the_notice_and_the_showcase_show_no_score_without_login(hub):
    with session_scope(hub.db_url) as s:
        comp = own_competition(s, COMP, COMP_TITLE)
        for username, name, unit, ratio in PEOPLE:
            add_person(s, username, name, unit)
            grade_in(s, comp, username, ratio)
        t0 = datetime.now(timezone.utc) - timedelta(days=20)
        # a final list (the showcase), and a round on notice that shows names and achievements only
        nominations.create_round(s, round_yaml(FINAL, "may_day_women", 2034, COMP, 2), "organizer")
        hidden_unit = "privacy:\n  public_fields: [name, achievement]\n"
        nominations.create_round(s, round_yaml(NOTICE, "may_day_women", 2035, COMP, 3, extra=hidden_unit),
                                 "organizer")
        for slug, when in ((FINAL, t0), (NOTICE, datetime.now(timezone.utc))):
            for step in (nominations.compute_draft, nominations.start_review, nominations.start_notice):
                step(s, slug, "organizer", now=when)
        nominations.finalize(s, FINAL, "organizer", now=t0 + timedelta(days=6))
        rows = {slug: nominations.entries_of(s, nominations.get_round(s, slug)) for slug in (FINAL, NOTICE)}
        merits = {f"{e.merit:.1f}" for entries in rows.values() for e in entries}
        # a line stored before points were taken out of achievements, as older rounds hold them
        legacy = next(e for e in rows[NOTICE] if e.name == "韩晓燕")
        legacy.achievement = f"{COMP_TITLE}成绩 91.0 分；带领班组完成港口调度数字化"

    anonymous = hub.session()  # nobody logged in
    final_notice = anonymous.get(f"{hub.url}{BASE}/nominations/{FINAL}/notice", allow_redirects=False)
    assert final_notice.status_code == 200
    table = section(final_notice.text, "notice", "</table>")
    assert "沈玉兰" in table and "韩晓燕" in table  # the final list: names ...
    assert "杭州某电子商务园区联合工会" in table  # ... units (the default privacy settings) ...
    assert f"参加《{COMP_TITLE}》" in table  # ... and achievements
    assert not POINTS.search(final_notice.text) and "成绩" not in table
    assert not any(m in final_notice.text for m in merits)

    on_notice = anonymous.get(f"{hub.url}{BASE}/nominations/{NOTICE}/notice", allow_redirects=False)
    assert on_notice.status_code == 200
    table = section(on_notice.text, "notice", "</table>")
    assert "韩晓燕" in table and "带领班组完成港口调度数字化" in table  # the legacy line without its score
    assert "宁波" not in table and "工会" not in table  # privacy.public_fields leaves the unit out
    assert not POINTS.search(on_notice.text) and "成绩" not in table
    assert not any(m in on_notice.text for m in merits)

    showcase = anonymous.get(f"{hub.url}{BASE}/studios/", allow_redirects=False)
    assert showcase.status_code == 200  # public, like the notice
    winners = section(showcase.text, "winners", "</table>")
    assert "沈玉兰" in winners and "杭州某电子商务园区联合工会" in winners and f"参加《{COMP_TITLE}》" in winners
    assert not POINTS.search(showcase.text) and "成绩" not in winners
    assert not any(m in showcase.text for m in merits)
    assert "create-studio" not in showcase.text  # no organizer's form for the public
