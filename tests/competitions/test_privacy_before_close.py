"""Before a phase closes a competitor sees her public score only: the score over every hidden test is what the
private board ranks by, and until the close it stays with the organizers (issue 15).

Hostile reading: a competitor whose public and private scores differ (the visible test passes, the hidden ones
fail) reads every route she can reach before the close — the JSON API with her token, her pages with her cookie —
looking for her full score or anyone's. Real hub, real sandboxed grading; then the organizer closes the phase and
the full scores appear."""
from __future__ import annotations

import os
import re
import shutil
from datetime import datetime, timedelta, timezone

import pytest

from tests.conftest import platform_client, xsrf
from tests.hub.courses.conftest import post_form
from tests.grading.corpus import KINDS, make_course
from tests.journeys.test_competition_submissions import notebook, wait_final
from widgets.client import PlatformError

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(os.geteuid() != 0, reason="grading switches to an unprivileged uid: run as root")]
SLUG = "privacy-cup-2026"
HER, RIVAL = "worker28", "worker29"
PUBLIC = 7.5  # the visible test alone, scaled to the task's max score: what both of them have on the public board
HER_FULL, RIVAL_FULL, FULL_MAX = 1.0, 3.0, 4.0  # every test: hers fails the hidden ones, the rival's passes them


def spec_yaml(now: datetime) -> str:
    return f"""slug: {SLUG}
title: 隐私测试赛
phases:
  - key: prelim
    title: 初赛
    opens_at: {(now - timedelta(hours=1)).isoformat()}
    closes_at: {(now + timedelta(days=3)).isoformat()}
    tasks:
      - {{assignment: task1, title: 求和, max_score: {PUBLIC}}}
    public_tests: {{marker: visible}}
divisions:
  - {{key: region, title: 地区分榜, split_by: region}}
limits: {{per_day: 5}}
"""


def board_scores(board: dict) -> set[float]:
    """Every score a board answer carries: its rows' and her own."""
    return {e["score"] for e in board["entries"]} | ({board["me"]["score"]} if board.get("me") else set())


def page(session, hub, path: str) -> str:
    r = session.get(f"{hub.url}/services/jinguo/{path}")
    assert r.status_code == 200, (path, r.status_code)
    return r.text


def scores_in(html: str, cls: str = "score") -> list[str]:
    return [re.sub(r"<[^>]+>|\s+", " ", m).strip() for m in re.findall(rf'<td class="{cls}">(.*?)</td>', html, re.S)]


@pytest.fixture(scope="module")
def graded(hub, tmp_path_factory):
    course = hub.data_dir / "competitions" / SLUG
    make_course(course, {"seed": KINDS["full"]}, assignment="task1")
    shutil.rmtree(course / "submitted")
    path = tmp_path_factory.mktemp("spec") / f"{SLUG}.yaml"
    path.write_text(spec_yaml(datetime.now(timezone.utc)), encoding="utf-8")
    opened = hub.jinguo("competition", "open", str(path))
    assert opened.returncode == 0, opened.stderr
    joined = post_form(hub, hub.session(HER), f"competitions/{SLUG}", action="join")  # 报名参赛 on her page
    assert joined.status_code == 302 and "done=joined" in joined.headers["Location"], joined.text
    her, rival = platform_client(hub, HER), platform_client(hub, RIVAL)
    mine = her.submit(SLUG, "task1", notebook(course, KINDS["partial"]))["id"]
    theirs = rival.submit(SLUG, "task1", notebook(course, KINDS["full"]))["id"]
    assert wait_final(her, mine, slug=SLUG)["status"] == "graded"
    assert wait_final(rival, theirs, slug=SLUG)["status"] == "graded"
    return her, mine, theirs


def test_before_the_close_she_sees_her_public_score_only_then_the_full_one(hub, graded):
    her, mine, theirs = graded
    private = {HER_FULL, RIVAL_FULL, FULL_MAX}

    # -- the JSON API with her token (what the Submit, Leaderboard and Countdown widgets read)
    answer = her.submission(SLUG, mine)
    assert (answer["score"], answer["max_score"]) == (PUBLIC, PUBLIC), answer
    assert answer["board"] == "public"
    assert "公开榜得分" in answer["message"] and answer["score_note"]["en"].startswith("This is your public score")
    assert not private & {answer[k] for k in ("score", "max_score")}, answer
    for division in (None, "overall", "region:henan", "region"):
        board = her.leaderboard(SLUG, division=division, limit=200)
        assert board["board"] == "public" and board_scores(board) <= {PUBLIC}, board
    board = her.leaderboard(SLUG, limit=200)
    assert board["me"]["score"] == PUBLIC and {e["score"] for e in board["entries"] if e["me"]} == {PUBLIC}
    for phase in (None, "prelim"):
        with pytest.raises(PlatformError) as hidden:
            her.get(f"/competitions/{SLUG}/leaderboard", board="private", phase=phase)
        assert hidden.value.code == "private_hidden" and hidden.value.status == 403
    assert "score" not in str(her.competition(SLUG))  # phases, tasks and the clock only
    listed = [sub for task in her.get("/exchange/competitions")["tasks"] if task["competition"] == SLUG
              for sub in task["submissions"]]  # what her JupyterLab Assignments tab shows
    assert listed and {(sub["score"], sub["max_score"]) for sub in listed} == {(PUBLIC, PUBLIC)}, her.get("/exchange/competitions")
    with pytest.raises(PlatformError):
        her.submission(SLUG, theirs)  # not hers

    # -- her pages with her cookie
    s = hub.session(HER)
    html = page(s, hub, f"competitions/{SLUG}")
    assert scores_in(html) and all(c.startswith("7.5") for c in scores_in(html)), scores_in(html)
    assert "公开分" in html and 'id="public-score-note"' in html
    assert 'id="final-board"' not in html and "1 / 4" not in html and "3 / 4" not in html
    assert "7.5 分" in html  # her rank line reads the public board
    options = dict(re.findall(r'<option value="(region:[a-z_]+)"[^>]*>([^<]+)</option>', html))
    assert options and all(re.fullmatch(r"地区分榜·[\u4e00-\u9fff]+", t) for t in options.values()), options
    units = page(s, hub, f"competitions/{SLUG}/units")
    assert "公开榜" in units and "最终榜" not in units
    for path in (f"competitions/{SLUG}?division=region:henan", f"competitions/{SLUG}?phase=prelim"):
        text = page(s, hub, path)
        assert 'id="final-board"' not in text and "1 / 4" not in text and "3 / 4" not in text

    # -- the organizer sees every score before the close (she needs it to run the competition)
    organizer = platform_client(hub, "organizer")
    assert organizer.submission(SLUG, mine)["score"] == HER_FULL

    # -- the organizer closes the phase: now the full scores are hers to see
    org = hub.session("organizer")
    page(org, hub, f"competitions/{SLUG}/manage")
    r = org.post(f"{hub.url}/services/jinguo/competitions/{SLUG}/manage",
                 data={"action": "close", "phase": "prelim", "reason": "提前结束以核对成绩",
                       "_xsrf": xsrf(org, "/services/jinguo/")})
    assert r.status_code == 200 and "done=close" in r.url, r.status_code
    answer = her.submission(SLUG, mine)
    assert (answer["score"], answer["max_score"], answer["board"]) == (HER_FULL, FULL_MAX, "private"), answer
    assert answer["score_note"] is None and "公开榜得分" not in answer["message"]
    final = her.leaderboard(SLUG, board="private", limit=200)
    assert final["me"]["score"] == HER_FULL
    assert [e["score"] for e in final["entries"]][:1] == [RIVAL_FULL]
    html = page(s, hub, f"competitions/{SLUG}")
    assert 'id="final-board"' in html and "1 / 4" in html and "公开分" not in html
    assert "竞赛已结束" in html and "Submit 小部件" not in html  # closed: no longer told to submit (issue 16)
