"""An assignment of two notebooks (office-data/weekly: clean.ipynb and report.ipynb, 3 points each, pass 3.6)
through the platform. Notebooks sent at one moment are one hand-in, graded as one nbgrader submission; each
notebook's grade is its own share of it, and her progress counts the hand-in's sum. A hand-in without one of the
notebooks scores 0 for it, as `nbgrader autograde` scores a submitted folder that lacks a notebook."""
from __future__ import annotations

from pathlib import Path

from tests.conftest import platform_client
from tests.hub.lab.courses import publish, release_nb, solved

COURSE, ASSIGNMENT = "office-data", "weekly"


def hand_in(me, notebooks: dict) -> dict[str, dict]:
    """Send them as one hand-in; {filename: her submission as the API shows it once graded}."""
    r = me.submit(COURSE, ASSIGNMENT, notebooks)
    assert r.status_code == 202, r.text
    return {s["filename"]: me.wait_graded(s["id"]) for s in r.json()["submissions"]}


def weekly(progress: dict) -> dict:
    return next(a for a in progress["assignments"] if a["name"] == ASSIGNMENT)


def test_two_notebooks_are_one_hand_in_and_progress_counts_their_sum(courses, her):
    publish(courses, COURSE, {ASSIGNMENT: None})
    me, client = her("worker04"), platform_client(courses, "worker04")
    clean = solved(courses, COURSE, ASSIGNMENT, notebook="clean.ipynb")
    report = solved(courses, COURSE, ASSIGNMENT, notebook="report.ipynb")
    blank_report = release_nb(courses, COURSE, ASSIGNMENT, "report.ipynb")

    first = hand_in(me, {"clean.ipynb": clean, "report.ipynb": blank_report})
    assert {f: (s["status"], s["score"], s["max_score"]) for f, s in first.items()} == {
        "clean.ipynb": ("graded", 3.0, 3.0), "report.ipynb": ("graded", 0.0, 3.0)}
    autograded = Path(courses.data_dir) / "courses" / COURSE / "autograded" / "worker04" / ASSIGNMENT
    assert {p.name for p in autograded.glob("*.ipynb")} == {"clean.ipynb", "report.ipynb"}  # one nbgrader submission
    assert (weekly(client.progress(COURSE))["score"], weekly(client.progress(COURSE))["status"]) == (3.0, "graded")

    second = hand_in(me, {"clean.ipynb": clean, "report.ipynb": report})
    assert [second[f]["score"] for f in ("clean.ipynb", "report.ipynb")] == [3.0, 3.0]
    assert (weekly(client.progress(COURSE))["score"], weekly(client.progress(COURSE))["status"]) == (6.0, "passed")

    only_report = hand_in(me, {"report.ipynb": report})  # clean.ipynb left out: it scores nothing in this hand-in
    assert [(s["score"], s["max_score"]) for s in only_report.values()] == [(3.0, 3.0)]
    assert weekly(client.progress(COURSE))["score"] == 6.0  # her best hand-in still counts
