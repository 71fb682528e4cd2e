"""The exchange API with a real hub, real DB and real grading: what she lists, fetches, hands in and gets back."""
from __future__ import annotations

import base64
import html
import json
import re

from sqlalchemy import func, select

from hub.store.db import session_scope
from hub.store.orm import Assignment, Course, Submission
from tests.hub.lab.courses import release_nb, solved

HIDDEN_CODE = ("不存在的人", "合计([])", "BEGIN HIDDEN", "END HIDDEN")
# 合计 that passes the public check but not the hidden ones (empty table, other tables)
CONSTANT_SUM = 'def 合计(表格):\n    return 2114\n'


def visible_text(page: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", page))


def test_she_sees_released_assignments_of_both_her_courses(her):
    rows = her("worker01").call("GET", "/exchange/assignments").json()["assignments"]
    got = {(a["course_id"], a["assignment_id"]) for a in rows}
    assert {("office-data", "sums"), ("office-data", "filters"), ("rights", "maternity")} <= got
    sums = next(a for a in rows if a["assignment_id"] == "sums")
    assert sums["notebooks"] == ["sums"] and sums["due_at"]
    only = her("worker01").call("GET", "/exchange/assignments?course=rights").json()["assignments"]
    assert {a["course_id"] for a in only} == {"rights"}


def test_release_download_has_the_data_files_and_no_hidden_tests(her):
    r = her("worker01").call("GET", "/exchange/courses/office-data/assignments/sums/release")
    assert r.status_code == 200, r.text
    files = {k: base64.b64decode(v) for k, v in r.json()["files"].items()}
    assert {"sums.ipynb", "output.csv"} <= set(files)
    text = files["sums.ipynb"].decode()
    assert not any(h in text for h in HIDDEN_CODE)
    listed = her("worker01").call("GET", "/exchange/assignments?course=office-data").json()["assignments"]
    assert next(a for a in listed if a["assignment_id"] == "sums")["fetched_at"]


def test_submission_is_stored_before_received_then_graded_with_feedback_free_of_hidden_tests(courses, her):
    me = her("worker02")
    nb = solved(courses, "office-data", "sums", {"answer08": CONSTANT_SUM})
    r = me.submit("office-data", "sums", {"sums.ipynb": nb})
    assert r.status_code == 202, r.text
    answer = r.json()
    assert answer["status"] == "received" and answer["late"] is False
    sub = answer["submissions"][0]
    with session_scope(courses.db_url) as s:  # durable the moment she hears "received"
        row = s.get(Submission, sub["id"])
        assert row.sha256 == sub["sha256"] and json.loads(row.notebook)["cells"] == nb["cells"]

    done = me.wait_graded(sub["id"])
    assert done["status"] == "graded", done
    assert 0 < done["score"] < done["max_score"]  # the constant 合计 fails its hidden checks

    fb = me.call("GET", f"/exchange/submissions/{sub['id']}/feedback")
    assert fb.status_code == 200, fb.text
    page = fb.json()["notebooks"]["sums"]
    text = visible_text(page)
    assert "空表格的合计应为 0" in text  # which hidden check failed, with its message
    assert not [h for h in HIDDEN_CODE if h in text], "hidden test code reached her feedback"
    listed = me.call("GET", "/exchange/feedback?course=office-data").json()["feedback"]
    assert [f["id"] for f in listed] == [sub["id"]]

    other = her("worker03")  # another learner: neither her submission nor its feedback
    assert other.call("GET", f"/exchange/submissions/{sub['id']}/feedback").status_code == 403
    assert other.call("GET", f"/exchange/submissions/{sub['id']}").status_code == 403


def test_late_submission_is_taken_flagged_and_solutions_earn_full_marks(courses, her):
    me = her("worker04")
    r = me.submit("office-data", "filters", {"filters.ipynb": solved(courses, "office-data", "filters")})
    assert r.status_code == 202, r.text
    assert r.json()["late"] is True and r.json()["label"] == "迟交" and "迟交" in r.json()["zh"]
    done = me.wait_graded(r.json()["submissions"][0]["id"])
    assert done["status"] == "graded" and done["late"] and done["score"] == done["max_score"] > 0
    rows = me.call("GET", "/exchange/assignments?course=office-data").json()["assignments"]
    assert next(a for a in rows if a["assignment_id"] == "filters")["submissions"][0]["label"] == "迟交"


def _count(hub) -> int:
    with session_scope(hub.db_url) as s:
        return s.scalar(select(func.count(Submission.id)))


def test_refusals_say_why_and_store_nothing(courses, her):
    with session_scope(courses.db_url) as s:  # an assignment of the course not released yet
        course = s.scalar(select(Course).where(Course.slug == "office-data"))
        if not s.scalar(select(Assignment).where(Assignment.course_id == course.id, Assignment.name == "grouping")):
            s.add(Assignment(course_id=course.id, name="grouping", title="分组汇总"))
    before = _count(courses)
    outsider, me = her("worker06"), her("worker05")
    nb = release_nb(courses, "office-data", "sums")

    assert outsider.call("GET", "/exchange/assignments").json()["assignments"] == []
    for r in (outsider.call("GET", "/exchange/courses/office-data/assignments/sums/release"),
              outsider.submit("office-data", "sums", {"sums.ipynb": nb})):
        assert r.status_code == 403 and r.json()["error"]["code"] == "not_enrolled"
        assert "报名" in r.json()["error"]["zh"]
    assert me.submit("no-such-course", "sums", {"sums.ipynb": nb}).status_code == 404
    r = me.submit("office-data", "nothing", {"sums.ipynb": nb})
    assert r.status_code == 404 and r.json()["error"]["code"] == "assignment_not_found"
    r = me.call("GET", "/exchange/courses/office-data/assignments/grouping/release")
    assert r.status_code == 409 and r.json()["error"]["code"] == "not_released"
    r = me.submit("office-data", "sums", {"other.ipynb": nb})
    assert r.status_code == 409 and r.json()["error"]["code"] == "wrong_notebook"
    r = me.submit("office-data", "sums", {"sums.ipynb": release_nb(courses, "rights", "maternity")})
    assert r.status_code == 409 and r.json()["error"]["code"] == "wrong_notebook"
    r = me.submit("office-data", "sums", {"sums.ipynb": {"cells": "not a notebook"}})
    assert r.status_code == 409 and r.json()["error"]["code"] == "invalid_notebook"
    r = me.submit("office-data", "sums", {"sums.ipynb": {**nb, "cells": nb["cells"] + [
        {"cell_type": "raw", "metadata": {}, "source": "x" * (21 * 1024 * 1024)}]}})
    assert r.status_code == 413 and r.json()["error"]["zh"]
    assert me.call("GET", "/exchange/submissions/999999/feedback").status_code == 404
    assert _count(courses) == before
