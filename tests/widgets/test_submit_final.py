"""The Submit widget shows the end of grading by itself, whatever the end is: here a hand-in whose code sleeps past
the sandbox's time limit, graded by the REAL hub's queue in the real sandbox. The platform records "timeout" (with
the points earned before it); the widget must say so and stop asking. It used to know only "graded" and "invalid":
it kept polling for 15 minutes and told her "正在排队评分……" the whole time.
"""
from __future__ import annotations

import os
import time
from datetime import timedelta

import nbformat
import pytest

from tests.conftest import platform_client
from tests.journeys.competition import open_competition
from widgets.progress import _num
from widgets.submit import Submit

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(os.geteuid() != 0, reason="grades in the bubblewrap sandbox: run as root")]
SLUG = "widget-final-2026"
COMPETITOR = "worker12"
SLEEPS = "import time\ntime.sleep(3600)  # far past the sandbox's cell limit\ndef 合计(values):\n    return 0"


@pytest.fixture(scope="module")
def competition(hub, tmp_path_factory):
    return open_competition(hub, tmp_path_factory.mktemp("spec"), SLUG, "超时提示测试赛", per_day=3,
                            open_for=timedelta(days=3))


def test_a_timed_out_hand_in_ends_with_its_reason_without_a_click(hub, competition, tmp_path):
    nb = nbformat.read(competition / "release" / "task1" / "problem.ipynb", as_version=4)
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == "answer":
            cell.source = SLEEPS
    nbformat.write(nb, tmp_path / "作品.ipynb")

    widget = Submit(SLUG, "task1", path=tmp_path / "作品.ipynb", client=platform_client(hub, COMPETITOR),
                    poll_interval=0.5)
    try:
        assert widget.submit() is not None, widget.status.value
        deadline = time.monotonic() + 400  # the cell limit (30 s) plus a cold grading pool, on a busy machine
        while not widget.result.get("final") and time.monotonic() < deadline:
            time.sleep(0.5)
        assert widget.result["status"] == "timeout", widget.result
        widget._poller.thread.join(timeout=30)  # the tick that saw it was the last one
        assert not widget._poller.running, "still asking after grading ended"
        shown = widget.status.value
        assert "超过了时间限制" in shown and "正在排队" not in shown, shown
        assert f"得分 <b>{_num(widget.result['score'])} / " in shown  # the points earned before the limit
    finally:
        widget.close()
