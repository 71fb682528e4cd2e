"""The 女职工专区 as a worker on a phone receives it."""
from __future__ import annotations

import re


def test_zone_is_small_self_contained_and_chinese(hub):
    r = hub.session("worker03").get(hub.url + "/services/jinguo/")
    assert r.status_code == 200
    assert len(r.content) <= 150_000
    # Nothing else to fetch on first load: no external scripts, styles or images.
    assert not re.search(r"<(script|link|img)[^>]+(src|href)=", r.text)
    assert '<html lang="zh-CN">' in r.text and 'name="viewport"' in r.text
    for heading in ("我的信息", "我的课程与进度", "正在进行的竞赛", "工会动态"):
        assert heading in r.text


def test_unknown_page_is_a_clean_chinese_404(hub):
    s = hub.session("worker03")
    r = s.get(hub.url + "/services/jinguo/no/such/page")
    assert r.status_code == 404 and "页面不存在" in r.text and "Traceback" not in r.text
    r = s.get(hub.url + "/services/jinguo/api/no-such-thing")
    assert r.status_code == 404 and r.json()["error"]["en"] == "No such API endpoint"
