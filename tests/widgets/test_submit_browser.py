"""The Submit widget clicked in a competitor's real JupyterLab against the REAL hub's service: her kernel holds
her own API token (as the spawner gives it), she clicks 提交作品 in the notebook she worked in, the widget says
"received" and then shows her score from sandboxed grading, and her score is on the competition's public board.

JupyterLab runs as an unprivileged account (jinguo-submittest), as a worker's server does.
"""
from __future__ import annotations

import os
from datetime import timedelta

import nbformat
import pytest

from tests.conftest import platform_client, shot
from tests.grading.corpus import KINDS
from tests.journeys.competition import open_competition

from .lab import jupyterlab, open_and_run

pytestmark = [pytest.mark.browser, pytest.mark.slow,
              pytest.mark.skipif(os.geteuid() != 0, reason="runs JupyterLab as an unprivileged account and grades "
                                                            "in the sandbox: run as root")]
SLUG = "widget-submit-2026"
COMPETITOR = "worker11"


@pytest.fixture(scope="module")
def competition(hub, tmp_path_factory):
    """The task's nbgrader folder in place and the competition opened from YAML, as an organizer does."""
    return open_competition(hub, tmp_path_factory.mktemp("spec"), SLUG, "提交按钮测试赛", per_day=3,
                            open_for=timedelta(days=3))


def her_notebook(course) -> nbformat.NotebookNode:
    """The task as she fetched it, her answer written in, and the Submit widget in a cell at the end."""
    nb = nbformat.read(course / "release" / "task1" / "problem.ipynb", as_version=4)
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == "answer":
            cell.source = KINDS["full"]
    nb.cells.append(nbformat.v4.new_code_cell(f'from widgets import Submit\nSubmit("{SLUG}", "task1", poll_interval=0.5)'))
    return nb


def test_submit_clicked_in_jupyterlab_is_graded_and_on_the_board(hub, competition, browser, artifacts):
    her = platform_client(hub, COMPETITOR)  # her own API token, as her server's environment carries it
    with jupyterlab("jinguo-submittest", "competition", {"作品.ipynb": her_notebook(competition)},
                    her.api_url, her.token) as lab:
        page = browser.new_page(viewport={"width": 1280, "height": 1000})
        page.set_default_timeout(60_000)
        open_and_run(page, lab, "作品.ipynb")
        submit = page.locator(".jinguo-submit")
        submit.get_by_text("将提交").wait_for()
        assert "作品.ipynb" in submit.inner_text()  # the notebook she is in, found from her kernel's session
        submit.get_by_role("button", name="提交作品").click()
        submit.get_by_text("已收到你的作品").wait_for()
        received = submit.inner_text()
        assert "今天还可以提交 2 次" in received
        submit.get_by_text("评分完成").wait_for(timeout=180_000)  # sandboxed grading; the pool may start cold
        assert "得分 3 / 3" in submit.inner_text()  # her public score on the task's scale until the phase closes
        page.locator(".jp-NotebookPanel .jp-Cell").last.scroll_into_view_if_needed()
        shot(page, artifacts, "widgets", "submit-real-hub")
        page.close()

    board = her.leaderboard(SLUG, limit=10)
    assert board["me"] == {"rank": 1, "score": 3.0}
    mine = [e for e in board["entries"] if e["me"]]
    assert len(mine) == 1 and (mine[0]["score"], mine[0]["submissions"]) == (3.0, 1)
    sid = int(received.split("编号 ", 1)[1].split("）", 1)[0])
    assert her.submission(SLUG, sid)["status"] == "graded"
