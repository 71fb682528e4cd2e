"""The widgets in real JupyterLab 4 and Chromium: answer a quiz, see the explanation, save, and find the
answer in the .ipynb on disk; re-executing that file headless restores it for a hidden test.

JupyterLab runs as an unprivileged account (jinguo-widgettest) with widget-state saving switched on in
its own user settings, as the single-user environment's overrides.json does for workers.
"""
from __future__ import annotations

import json
import os
import time
from datetime import timedelta
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from widgets.answers import WIDGET_STATE
from widgets.testing import read_answers, record_answers

from .fake_platform import demo_data, iso
from .lab import jupyterlab, open_and_run

pytestmark = [pytest.mark.browser, pytest.mark.slow,
              pytest.mark.skipif(os.geteuid() != 0, reason="runs JupyterLab as an unprivileged account: run as root")]

USER = "jinguo-widgettest"
CELLS = [
    'from widgets import Quiz, Hint, Progress, Countdown, Leaderboard, Submit\n'
    'q1 = Quiz("rights/q1", "女职工生育享受多少天产假？", ["90 天", "98 天", "128 天"])\n'
    'q1',
    'q2 = Quiz("rights/q2", "哺乳期内，单位应当怎么做？（多选）",\n'
    '          ["每天安排 1 小时哺乳时间", "安排夜班劳动", "不延长劳动时间"], multiple=True)\n'
    'q2',
    'Quiz("rights/q3", "长选项也要完整显示", ["' + "用人单位不得因女职工怀孕、生育、哺乳降低其工资、予以辞退、与其解除劳动或者聘用合同" * 2 + '", "短"])',
    'Hint(["想一想《女职工劳动保护特别规定》第七条", "产前可以休假 15 天"])',
    'Progress("office-data")',
    'Countdown("spring")',
    'Leaderboard("spring", top=5)',
    'Submit("spring", "task1", poll_interval=0.5)',
]


@pytest.fixture(scope="module")
def lab(platform_server):
    """JupyterLab 4 as the test account, its kernel pointed at the stand-in platform."""
    nb = nbformat.v4.new_notebook(metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                           "language": "python"}})
    nb.cells = [nbformat.v4.new_code_cell(src) for src in CELLS]
    with jupyterlab(USER, "widgets-test", {"quiz.ipynb": nb}, platform_server.url, platform_server.token) as lab:
        yield {**lab, "notebook": lab["folder"] / "quiz.ipynb"}


def _saved_quiz_models(path: Path) -> list[dict]:
    try:
        nb = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    state = nb.get("metadata", {}).get("widgets", {}).get(WIDGET_STATE, {}).get("state", {})
    return [m for m in state.values() if m.get("state", {}).get("jinguo_widget") == "quiz"]


def test_quiz_in_jupyterlab_is_answered_saved_and_graded(lab, browser, artifacts, platform_server, tmp_path):
    shots = artifacts / "widgets"
    shots.mkdir(parents=True, exist_ok=True)
    platform_server.submissions.clear()
    platform_server.daily_limit = 3
    demo_data(platform_server)
    # 初赛 ends in 30 minutes, so the countdown shows seconds and visibly ticks.
    platform_server.competitions["spring"]["phases"][1]["closes_at"] = iso(platform_server.now() + timedelta(minutes=30))
    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    page.set_default_timeout(60_000)
    open_and_run(page, lab, "quiz.ipynb")
    # The UI speaks Chinese: the language pack is installed and selected.
    page.wait_for_selector(".lm-MenuBar-itemLabel:text-is('文件')")

    quiz1 = page.locator(".jinguo-quiz").nth(0)
    quiz1.get_by_role("button", name="B. 98 天").click()
    quiz1.get_by_role("button", name="提交答案").click()
    quiz1.get_by_text("答对了").wait_for()
    assert "98 天产假" in quiz1.inner_text() and "第七条" in quiz1.inner_text()
    quiz1.screenshot(path=str(shots / "quiz-answered.png"))
    # Big targets for fingers, and a long option wraps instead of being cut off.
    assert quiz1.get_by_role("button", name="A. 90 天").bounding_box()["height"] >= 44
    long_option = page.locator(".jinguo-quiz").nth(2).locator(".jinguo-option").first
    assert long_option.evaluate("el => el.scrollWidth <= el.clientWidth + 1")
    assert long_option.bounding_box()["height"] > 60

    quiz2 = page.locator(".jinguo-quiz").nth(1)
    quiz2.get_by_role("button", name="C. 不延长劳动时间").click()
    quiz2.get_by_role("button", name="A. 每天安排 1 小时哺乳时间").click()
    quiz2.get_by_role("button", name="提交答案").click()
    quiz2.get_by_text("答对了").wait_for()

    hint = page.locator(".jinguo-hint")
    hint.get_by_role("button").click()
    hint.get_by_text("第七条").wait_for()
    page.locator(".jinguo-progress").get_by_text("已完成 50%").wait_for()
    page.locator(".jinguo-leaderboard").get_by_text("我的名次").wait_for()
    countdown = page.locator(".jinguo-countdown")
    countdown.get_by_text("还剩").wait_for()
    before = countdown.inner_text()
    page.wait_for_function("t => document.querySelector('.jinguo-countdown').innerText !== t", arg=before)
    page.screenshot(path=str(shots / "notebook-zh.png"))
    countdown.screenshot(path=str(shots / "countdown.png"))
    page.locator(".jinguo-leaderboard").screenshot(path=str(shots / "leaderboard.png"))

    # Save with the keyboard, as she would; the widget state goes into the file.
    page.locator(".jp-NotebookPanel .jp-Cell").first.click()
    page.keyboard.press("Escape")
    page.keyboard.press("Control+s")
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and len({m["state"].get("quiz_id") for m in _saved_quiz_models(lab["notebook"])
                                                if m["state"].get("value")}) < 2:
        time.sleep(0.2)
    saved = json.loads(lab["notebook"].read_text(encoding="utf-8"))
    assert read_answers(saved) == {"rights/q1": "B", "rights/q2": ("A", "C")}
    model = next(m for m in _saved_quiz_models(lab["notebook"]) if m["state"]["quiz_id"] == "rights/q1")
    (shots / "saved-quiz-state.json").write_text(json.dumps(model, ensure_ascii=False, indent=2))
    # record_answers writes what the browser writes (same model and the same quiz keys).
    ours = next(iter(record_answers({}, {"rights/q1": "B"})["metadata"]["widgets"][WIDGET_STATE]["state"].values()))
    assert {k: model[k] for k in ("model_name", "model_module", "model_module_version")} == \
        {k: ours[k] for k in ("model_name", "model_module", "model_module_version")}
    keys = ("jinguo_widget", "quiz_id", "value", "multiple")
    assert {k: model["state"][k] for k in keys} == {k: ours["state"][k] for k in keys}
    assert set(ours["state"]) <= set(model["state"])

    # The Submit widget sends the saved notebook (path from JPY_SESSION_NAME) and shows the score.
    submit = page.locator(".jinguo-submit")
    submit.get_by_role("button", name="提交作品").click()
    submit.get_by_text("已收到你的作品").wait_for()
    submit.get_by_text("评分完成").wait_for(timeout=150_000)  # the fake platform grades at once; a busy machine is slow to show it
    submit.screenshot(path=str(shots / "submit-graded.png"))
    sent = platform_server.submissions[max(platform_server.submissions)]["notebook"]
    assert read_answers(sent) == {"rights/q1": "B", "rights/q2": ("A", "C")}
    page.close()

    # Grading time: the saved file re-executed headless, no browser, no platform; a hidden test grades it.
    folder = tmp_path / "grading"
    folder.mkdir()
    nb = nbformat.read(lab["notebook"], as_version=4)
    nb.cells = nb.cells[:2] + [nbformat.v4.new_code_cell('assert q1.value == "B"\nassert q2.value == ("A", "C")')]
    nbformat.write(nb, folder / "quiz.ipynb")
    env_backup = {k: os.environ.pop(k) for k in ("JINGUO_API_URL", "JUPYTERHUB_API_TOKEN") if k in os.environ}
    try:
        NotebookClient(nb, timeout=60, kernel_name="python3", resources={"metadata": {"path": str(folder)}}).execute()
    finally:
        os.environ.update(env_backup)
    assert read_answers(nb) == {"rights/q1": "B", "rights/q2": ("A", "C")}
