"""Our nbgrader Exchange classes, driven in Python as JupyterLab's Assignments tab drives them, against the real
hub with her own token: list both courses, fetch, submit, see it graded, fetch the feedback."""
from __future__ import annotations

import json
import re

import pytest
from nbgrader.auth import Authenticator
from nbgrader.coursedir import CourseDirectory
from nbgrader.exchange import ExchangeError
from traitlets.config import Config

from hub.lab import exchange
from tests.hub.lab.conftest import Her
from tests.hub.lab.courses import solved


def _make(cls, her: Her, folder, course: str = "", assignment: str = "", **traits):
    cfg = Config()
    cfg.CourseDirectory.course_id, cfg.CourseDirectory.assignment_id = course, assignment
    cfg.PlatformExchange.api_url, cfg.PlatformExchange.token = her.api_url, her.token
    cfg.Exchange.assignment_dir = str(folder)
    for k, v in traits.items():
        setattr(cfg[cls.__name__], k, v)
    return cls(coursedir=CourseDirectory(config=cfg), authenticator=Authenticator(config=cfg), config=cfg)


def test_list_fetch_submit_feedback_through_the_platform(courses, tmp_path, monkeypatch):
    monkeypatch.setenv("JUPYTERHUB_USER", "worker03")
    me = Her(courses, "worker03")

    released = _make(exchange.ExchangeList, me, tmp_path).start()  # the panel shows titles, not slugs
    assert {(a["course_id"], a["assignment_id"], a["status"]) for a in released} >= {
        ("办公数据处理入门", "合计与平均", "released"), ("女职工权益与普法", "产假与生育津贴", "released"),
        ("办公数据处理入门", "讲义", "released")}

    folder = _make(exchange.ExchangeFetchAssignment, me, tmp_path, "office-data", "sums").start()
    assert folder == tmp_path / "office-data" / "sums" and (folder / "output.csv").is_file()
    with pytest.raises(ExchangeError, match="已经获取过"):  # her work is never overwritten
        _make(exchange.ExchangeFetchAssignment, me, tmp_path, "office-data", "sums").start()
    (folder / "output.csv").unlink()
    _make(exchange.ExchangeFetchAssignment, me, tmp_path, "office-data", "sums", replace_missing_files=True).start()
    assert (folder / "output.csv").is_file()
    listed = _make(exchange.ExchangeList, me, tmp_path, "办公数据处理入门").start()  # by title, as the panel asks
    assert {a["assignment_id"]: a["status"] for a in listed}["合计与平均"] == "fetched"

    (folder / "sums.ipynb").write_text(json.dumps(solved(courses, "office-data", "sums")), encoding="utf-8")
    answer = _make(exchange.ExchangeSubmit, me, tmp_path, "office-data", "sums").start()
    assert answer["status"] == "received" and not answer["late"]
    (entry,) = [a for a in _make(exchange.ExchangeList, me, tmp_path, "office-data", cached=True).start()
                if a["assignment_id"] == "合计与平均"]
    (handin,) = entry["submissions"]  # her tab asks again while "grading" (hub/data/lab/assignment-list-refresh.js)
    assert handin["grading"] is ("评分中" in handin["timestamp"]), handin
    done = me.wait_graded(answer["submissions"][0]["id"])
    assert done["score"] == done["max_score"] > 0

    cached = _make(exchange.ExchangeList, me, tmp_path, "office-data", cached=True).start()
    (entry,) = [a for a in cached if a["assignment_id"] == "合计与平均"]
    (handin,) = entry["submissions"]
    assert handin["has_exchange_feedback"] and not handin["has_local_feedback"]
    assert handin["grading"] is False  # final: her tab stops asking
    assert f"得分 {done['score']:g}/{done['max_score']:g}" in handin["timestamp"]
    # Beijing time to the second, no UTC and no microseconds
    assert re.match(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d（北京时间）", handin["timestamp"]), handin["timestamp"]

    written = _make(exchange.ExchangeFetchFeedback, me, tmp_path, "office-data", "sums").start()
    assert [p.name for p in written] == ["sums.html"] and "BEGIN HIDDEN" not in written[0].read_text()
    (entry,) = [a for a in _make(exchange.ExchangeList, me, tmp_path, "office-data", cached=True).start()
                if a["assignment_id"] == "合计与平均"]
    assert entry["submissions"][0]["has_local_feedback"]


def test_refusals_reach_her_in_words(courses, tmp_path, monkeypatch):
    monkeypatch.setenv("JUPYTERHUB_USER", "worker06")
    outsider = Her(courses, "worker06")
    with pytest.raises(ExchangeError, match="报名"):
        _make(exchange.ExchangeFetchAssignment, outsider, tmp_path, "office-data", "sums").start()
    with pytest.raises(ExchangeError, match="平台的课程管理页面"):
        _make(exchange.ExchangeReleaseAssignment, outsider, tmp_path, "office-data", "sums").start()
    with pytest.raises(ExchangeError, match="报名"):  # not enrolled: said before anything else
        _make(exchange.ExchangeSubmit, outsider, tmp_path, "office-data", "sums").start()
