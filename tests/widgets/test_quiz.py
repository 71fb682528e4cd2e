"""Quiz driven in-process: choosing, submitting, the platform's explanation, offline, restoring answers."""
from __future__ import annotations

import json

import pytest

from widgets import Quiz
from widgets.testing import read_answers, record_answers

QUESTION = "女职工生育享受多少天产假？"
OPTIONS = ["90 天", "98 天", "128 天"]


def choose(q: Quiz, *keys: str) -> None:
    """What her taps do: each tap toggles one option button in the browser, synced to the kernel."""
    for key in keys:
        q.buttons[[k for k, _ in q.options].index(key)].value = True


def test_right_answer_shows_explanation_and_reference(platform):
    q = Quiz("rights/q1", QUESTION, OPTIONS)
    choose(q, "B")
    q.submit_button.click()
    assert q.value == "B"
    assert "答对了" in q.feedback.value and "98 天产假" in q.feedback.value and "第七条" in q.feedback.value
    assert all(b.disabled for b in q.buttons)  # answered: the choice is locked
    assert platform.requests[-1][:2] == ("POST", "/services/jinguo/api/quiz/check")
    assert platform.bodies[-1] == {"course": "rights", "quiz_id": "rights/q1", "choice": ["B"]}


def test_wrong_answer_says_so_and_still_records_it(platform):
    q = Quiz("rights/q1", QUESTION, OPTIONS)
    choose(q, "C")
    q.submit_button.click()
    assert q.value == "C"
    assert "没答对" in q.feedback.value and "98 天" in q.feedback.value


def test_single_choice_keeps_only_the_last_tap(platform):
    q = Quiz("rights/q1", QUESTION, OPTIONS)
    choose(q, "A", "C")
    assert q.selected == ["C"] and [b.value for b in q.buttons] == [False, False, True]


def test_multiple_choice_value_is_a_sorted_tuple(platform):
    q = Quiz("rights/q2", "哺乳期内单位应当怎么做？（多选）",
             {"A": "每天安排 1 小时哺乳时间", "B": "安排夜班", "C": "不延长劳动时间"}, multiple=True)
    choose(q, "C", "A")
    q.submit_button.click()
    assert q.value == ("A", "C")
    assert "答对了" in q.feedback.value and "第九条" in q.feedback.value


def test_submitting_nothing_asks_her_to_choose(platform):
    q = Quiz("rights/q1", QUESTION, OPTIONS)
    q.submit_button.click()
    assert q.value is None and "请先选一个答案" in q.feedback.value
    assert not any(b.disabled for b in q.buttons)


def test_offline_answer_is_kept_and_explanation_comes_later(offline, platform_server):
    q = Quiz("rights/q1", QUESTION, OPTIONS)
    choose(q, "B")
    q.submit_button.click()  # no platform: no exception, a kind message
    assert q.value == "B"
    assert "已记下你的答案：B" in q.feedback.value and "连上平台" in q.feedback.value
    assert q.submit_button.description == "查看讲解"
    q.client.api_url, q.client.token = platform_server.url, platform_server.token  # back online
    q.submit_button.click()
    assert q.value == "B" and "答对了" in q.feedback.value


def test_retry_when_the_author_allows_it(platform):
    q = Quiz("rights/q1", QUESTION, OPTIONS, allow_retry=True)
    choose(q, "A")
    q.submit_button.click()
    assert q.retry_button.layout.display is None and "没答对" in q.feedback.value
    q.retry_button.click()
    choose(q, "B")
    q.submit_button.click()
    assert q.value == "B" and "答对了" in q.feedback.value


def test_option_forms_and_escaping(platform):
    q = Quiz("rights/q1", "<script>alert(1)</script>", ["A. 九十天", "B．九十八天"])
    assert q.options == [("A", "九十天"), ("B", "九十八天")]
    assert "<script>" not in q.question.value and "&lt;script&gt;" in q.question.value
    assert Quiz("c/x", "?", [("yes", "是"), ("no", "否")]).options == [("yes", "是"), ("no", "否")]
    with pytest.raises(ValueError):
        Quiz("c/x", "?", ["只有一个"])


def test_synced_state_carries_quiz_id_and_answer_but_no_key(platform):
    q = Quiz("rights/q1", QUESTION, OPTIONS)
    choose(q, "B")
    q.submit_button.click()
    state = q.get_state()  # what the browser receives, and saves into the notebook
    assert (state["jinguo_widget"], state["quiz_id"], state["value"]) == ("quiz", "rights/q1", "B")
    assert state["answered_at"]
    assert "correct" not in json.dumps(state, default=str)


# -- answers stored in the notebook and restored at grading time ------------------------------------
def notebook(*sources: str) -> dict:
    return {"nbformat": 4, "nbformat_minor": 5, "metadata": {},
            "cells": [{"cell_type": "code", "id": f"c{i}", "metadata": {}, "source": s, "outputs": [],
                       "execution_count": None} for i, s in enumerate(sources)]}


def test_restores_the_saved_answer_from_the_only_notebook_in_cwd(offline, tmp_path):
    (tmp_path / "lesson.ipynb").write_text(json.dumps(record_answers(notebook("x"), {"rights/q1": "B"})))
    q = Quiz("rights/q1", QUESTION, OPTIONS)
    assert q.value == "B" and all(b.disabled for b in q.buttons) and q.buttons[1].value
    assert "你已经答过这道题：B" in q.feedback.value
    assert Quiz("rights/q9", QUESTION, OPTIONS).value is None


def test_restores_from_the_path_in_the_environment(offline, tmp_path, monkeypatch):
    (tmp_path / "a.ipynb").write_text(json.dumps(record_answers(notebook(), {"rights/q2": ["C", "A"]})))
    (tmp_path / "b.ipynb").write_text(json.dumps(record_answers(notebook(), {"rights/q2": ["B"]})))
    monkeypatch.setenv("JINGUO_NOTEBOOK_PATH", str(tmp_path / "a.ipynb"))
    assert Quiz("rights/q2", "?", OPTIONS, multiple=True).value == ("A", "C")
    monkeypatch.setenv("JINGUO_NOTEBOOK_PATH", str(tmp_path / "b.ipynb"))
    assert Quiz("rights/q2", "?", OPTIONS, multiple=True).value == ("B",)


def test_latest_answer_wins_and_unanswered_models_are_ignored(offline, tmp_path):
    nb = record_answers(notebook(), {"rights/q1": "A"}, answered_at="2026-03-01T08:00:00+00:00")
    nb = record_answers(nb, {"rights/q1": "C"}, answered_at="2026-03-01T09:00:00+00:00")
    nb = record_answers(nb, {"rights/q1": "B"}, answered_at="2026-03-01T07:00:00+00:00")
    state = nb["metadata"]["widgets"]["application/vnd.jupyter.widget-state+json"]["state"]
    stale = dict(next(iter(state.values())), state={"jinguo_widget": "quiz", "quiz_id": "rights/q1",
                                                    "value": None, "answered_at": ""})
    state["unanswered"] = stale  # a re-run cell never answered
    assert read_answers(nb) == {"rights/q1": "C"}
    (tmp_path / "lesson.ipynb").write_text(json.dumps(nb))
    assert Quiz("rights/q1", QUESTION, OPTIONS).value == "C"


def test_a_broken_notebook_file_means_no_answer_not_a_crash(offline, tmp_path):
    (tmp_path / "lesson.ipynb").write_text("{ not json")
    assert Quiz("rights/q1", QUESTION, OPTIONS).value is None


def test_a_new_session_shows_her_saved_answer(offline, tmp_path, monkeypatch):
    """Re-running the cell in JupyterLab: jupyter_server names the notebook in JPY_SESSION_NAME."""
    lesson = tmp_path / "课程" / "第一课.ipynb"
    lesson.parent.mkdir()
    lesson.write_text(json.dumps(record_answers(notebook(), {"rights/q1": "C"})))
    (tmp_path / "other.ipynb").write_text(json.dumps(record_answers(notebook(), {"rights/q1": "A"})))
    monkeypatch.setenv("JPY_SESSION_NAME", str(lesson))
    q = Quiz("rights/q1", QUESTION, OPTIONS)
    assert q.value == "C" and q.submit_button.description == "查看讲解"
