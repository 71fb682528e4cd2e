"""A competition's task reaches the competitor (issue 16 item 1), against a real hub with real grading: opened from
YAML by `jinguo competition open`, joined, listed and fetched through our Exchange classes, submitted the Submit
widget's road; and the walls: only the RELEASED task ever leaves the service, and only to a competitor who joined,
while a phase is open and she is not disqualified."""
from __future__ import annotations

import base64
import json
import time
from datetime import timedelta
from urllib.parse import quote

import pytest
import requests

from hub.lab import exchange
from tests.conftest import platform_client
from tests.hub.courses.conftest import post_form
from tests.hub.lab.conftest import Her
from tests.hub.lab.test_exchange_classes import _make
from tests.grading.corpus import KINDS, TEST_HIDDEN
from tests.journeys.competition import open_competition

SLUG, TITLE = "tasks-2026", "巾帼数字技能赛（题目获取）"
CLOSED = "tasks-closed-2026"
HIDDEN = ("BEGIN HIDDEN", "合计([1, None, 2])", "BEGIN SOLUTION", "空值表示没有数据。")


@pytest.fixture(scope="module")
def competition(hub, tmp_path_factory):
    spec_dir = tmp_path_factory.mktemp("specs")
    open_competition(hub, spec_dir, SLUG, TITLE, per_day=10, open_for=timedelta(days=2))
    return hub


def _join(hub, username: str, slug: str = SLUG) -> None:
    """She presses 报名参赛 on her competition page."""
    r = post_form(hub, hub.session(username), f"competitions/{slug}", action="join")
    assert r.status_code == 302 and "done=joined" in r.headers["Location"], r.text


def _hidden_in(text: str) -> list[str]:
    return [h for h in HIDDEN if h in text]


def test_joined_competitor_lists_fetches_and_submits_the_released_task(competition, tmp_path, monkeypatch):
    hub, who = competition, "worker25"
    monkeypatch.setenv("JUPYTERHUB_USER", who)
    me = Her(hub, who)
    assert not [e for e in _make(exchange.ExchangeList, me, tmp_path).start() if e["course_id"] == TITLE]
    _join(hub, who)

    listed = [e for e in _make(exchange.ExchangeList, me, tmp_path).start() if e["course_id"] == TITLE]
    assert [(e["assignment_id"], e["status"]) for e in listed] == [("求和", "released")]
    folder = _make(exchange.ExchangeFetchAssignment, me, tmp_path, TITLE, "求和").start()
    assert folder == tmp_path / "competitions" / SLUG / "task1"
    text = (folder / "problem.ipynb").read_text()
    assert "def 合计" in text and not _hidden_in(text)  # the released form: no solution, no hidden test

    nb = json.loads(text)
    for cell in nb["cells"]:
        if cell["metadata"].get("nbgrader", {}).get("grade_id") == "answer":
            cell["source"] = KINDS["full"]
    (folder / "problem.ipynb").write_text(json.dumps(nb), encoding="utf-8")
    answer = _make(exchange.ExchangeSubmit, me, tmp_path, TITLE, "求和").start()
    assert answer["status"] == "received" and answer["remaining_today"] == 9  # the competition's own limits

    client = platform_client(hub, who)
    final = client.get(f"/competitions/{SLUG}/submissions/{answer['id']}")
    for _ in range(600):
        if final["status"] not in ("received", "queued", "grading", "retrying"):
            break
        time.sleep(0.5)
        final = client.get(f"/competitions/{SLUG}/submissions/{answer['id']}")
    assert final["status"] == "graded" and final["score"] > 0
    board = client.get(f"/competitions/{SLUG}/leaderboard")
    assert board["me"] and board["me"]["score"] == final["score"]  # her row on the board

    (entry,) = [a for a in _make(exchange.ExchangeList, me, tmp_path, TITLE, cached=True).start()]
    assert f"得分 {final['score']:g}" in entry["submissions"][0]["timestamp"]
    with pytest.raises(exchange.base.ExchangeError, match="竞赛页面"):  # no feedback notebook: said in words
        _make(exchange.ExchangeFetchFeedback, me, tmp_path, TITLE, "求和").start()

    # the Submit widget, inside the fetched notebook, takes the same road
    from widgets.submit import Submit

    widget = Submit(SLUG, "task1", path=folder / "problem.ipynb", client=client, poll_interval=3600)
    sent = widget.submit()
    assert sent and sent["status"] == "received" and sent["remaining_today"] == 8
    widget.close()


def test_the_task_leaves_only_released_and_only_to_a_joined_competitor(competition, tmp_path_factory):
    hub = competition
    outsider, member, cheat = Her(hub, "worker26"), Her(hub, "worker27"), Her(hub, "worker28")
    release = f"/exchange/competitions/{SLUG}/tasks/task1/release"

    # not joined: not listed, refused with the reason
    assert all(t["competition"] != SLUG for t in outsider.call("GET", "/exchange/competitions").json()["tasks"])
    r = outsider.call("GET", release)
    assert r.status_code == 403 and "报名" in r.json()["error"]["zh"] and not _hidden_in(r.text)

    # joined: the released notebook, by the API and by her competition page's download link
    _join(hub, "worker27")
    r = member.call("GET", release)
    assert r.status_code == 200, r.text
    files = {k: base64.b64decode(v).decode() for k, v in r.json()["files"].items()}
    assert list(files) == ["problem.ipynb"] and not _hidden_in(files["problem.ipynb"])
    s = hub.session("worker27")
    page = s.get(f"{hub.url}/services/jinguo/competitions/{SLUG}").text
    assert f"competitions/{SLUG}/tasks/task1/download" in page
    got = s.get(f"{hub.url}/services/jinguo/competitions/{SLUG}/tasks/task1/download")
    assert got.status_code == 200 and "attachment" in got.headers["Content-Disposition"]
    assert "def 合计" in got.text and not _hidden_in(got.text)

    # hostile: a joined competitor asks for the source (solutions, hidden tests) or the gradebook by path
    for task in ("../source/task1", "..", "../../competitions", "task1/../../source/task1"):
        r = member.call("GET", f"/exchange/competitions/{SLUG}/tasks/{quote(task, safe='')}/release")
        assert r.status_code in (404, 409) and not _hidden_in(r.text), (task, r.status_code, r.text[:200])
        d = s.get(f"{hub.url}/services/jinguo/competitions/{SLUG}/tasks/{quote(task, safe='')}/download")
        assert d.status_code in (404, 409) and not _hidden_in(d.text) and TEST_HIDDEN not in d.text

    # disqualified: no longer listed, the fetch refused with the reason
    _join(hub, "worker28")
    assert any(t["competition"] == SLUG for t in cheat.call("GET", "/exchange/competitions").json()["tasks"])
    r = post_form(hub, hub.session("organizer"), f"competitions/{SLUG}/manage", action="disqualify",
                  username="worker28", reason="代人答题")
    assert r.status_code == 302 and "done=disqualify" in r.headers["Location"], r.text
    assert all(t["competition"] != SLUG for t in cheat.call("GET", "/exchange/competitions").json()["tasks"])
    r = cheat.call("GET", release)
    assert r.status_code == 403 and "代人答题" in r.json()["error"]["zh"] and not _hidden_in(r.text)


def test_closed_phase_lists_nothing_and_refuses_the_fetch(hub, tmp_path_factory):
    spec_dir = tmp_path_factory.mktemp("closed")
    open_competition(hub, spec_dir, CLOSED, "已结束的比赛", per_day=3, open_for=timedelta(seconds=3))
    _join(hub, "worker29", CLOSED)
    me = Her(hub, "worker29")
    time.sleep(4)  # the phase closes 3 s after it was opened
    assert all(t["competition"] != CLOSED for t in me.call("GET", "/exchange/competitions").json()["tasks"])
    r = me.call("GET", f"/exchange/competitions/{CLOSED}/tasks/task1/release")
    assert r.status_code == 409 and "没有进行中的比赛阶段" in r.json()["error"]["zh"] and not _hidden_in(r.text)
    assert requests.get(f"{hub.url}/services/jinguo/api/exchange/competitions", timeout=30).status_code in (401, 403)
