"""A written answer graded by hand reaches the platform (office-data/grouping: 5 autograded points, a 3-point
written answer, pass 4.8). The manual score is written into the gradebook the way formgrader's grade API does it
(nbgrader's GradeHandler.put: manual_score, needs_manual_grade, commit); the service's periodic look brings it into
her score, progress and audit log; `jinguo course sync-grades` finds nothing left, and a later hand-in is never
overwritten by a manual score given to the one before it."""
from __future__ import annotations

import time

import sqlalchemy as sa
from nbgrader.api import Gradebook

from tests.conftest import platform_client
from tests.hub.lab.courses import publish, release_nb, solved

COURSE, ASSIGNMENT, STUDENT = "office-data", "grouping", "worker05"
WRONG = "def 最高的班组(汇总):\n    return None\n"  # question 3 (1 point) wrong: 4 of the 5 autograded points


def give_manual_score(courses, points: float) -> None:
    """What formgrader's PUT /formgrader/api/grade/ID does when the instructor types a score."""
    with Gradebook(f"sqlite:///{courses.data_dir / 'courses' / COURSE / 'gradebook.db'}", COURSE) as gb:
        grade = gb.find_grade("written13", ASSIGNMENT, ASSIGNMENT, STUDENT)
        grade.manual_score = points
        grade.needs_manual_grade = False
        gb.db.commit()


def grouping(client) -> dict:
    return next(a for a in client.progress(COURSE)["assignments"] if a["name"] == ASSIGNMENT)


def wait_for(check, timeout: float = 60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.5)
    raise AssertionError("not seen in time")


def manual_audits(courses, student: str = STUDENT) -> list[tuple]:
    """Her grade.manual audit rows (other tests of the session hub grade others by hand too)."""
    engine = sa.create_engine(courses.db_url)
    try:
        with engine.connect() as c:
            rows = c.execute(sa.text("select actor, target_id, before, after from audit_log "
                                     "where action = 'grade.manual' order by id"))
            return [tuple(r) for r in rows if f'"member": "{student}"' in str(r[3]).replace("'", '"')]
    finally:
        engine.dispose()


def test_a_manual_grade_reaches_her_score_progress_and_the_audit_log(courses, her):
    publish(courses, COURSE, {ASSIGNMENT: None})
    me, client = her(STUDENT), platform_client(courses, STUDENT)
    r = me.submit(COURSE, ASSIGNMENT, {"grouping.ipynb": solved(courses, COURSE, ASSIGNMENT, {"answer10": WRONG})})
    assert r.status_code == 202, r.text
    sid = r.json()["submissions"][0]["id"]
    graded = me.wait_graded(sid)
    assert (graded["score"], graded["max_score"]) == (4.0, 8.0)
    assert (grouping(client)["score"], grouping(client)["status"]) == (4.0, "graded")  # below the pass mark

    give_manual_score(courses, 3)  # the instructor grades the written answer in formgrader
    wait_for(lambda: grouping(client)["score"] == 7.0)  # the service's look (every 2 s here, 30 by default)
    assert grouping(client)["status"] == "passed"
    assert me.call("GET", f"/exchange/submissions/{sid}").json()["score"] == 7.0
    audits = manual_audits(courses)
    assert [(a[0], a[1]) for a in audits] == [("formgrader", str(sid))]
    assert '"score": 4.0' in str(audits[0][2]).replace("'", '"') and '"score": 7.0' in str(audits[0][3]).replace("'", '"')

    again = courses.jinguo("course", "sync-grades", COURSE)
    assert again.returncode == 0 and "没有变化" in again.stdout, again.stdout + again.stderr

    newer = me.submit(COURSE, ASSIGNMENT, {"grouping.ipynb": release_nb(courses, COURSE, ASSIGNMENT)})  # blank
    newer_id = newer.json()["submissions"][0]["id"]
    # nbgrader keeps a manual score through a resubmission (autograde sets only auto_score): 0 + the earlier 3
    assert me.wait_graded(newer_id)["score"] == 3.0
    give_manual_score(courses, 1)  # for the newer hand-in, the one the gradebook now holds
    moved = courses.jinguo("course", "sync-grades", COURSE)  # at once, or the service's look got there first
    assert moved.returncode == 0, moved.stderr
    wait_for(lambda: me.call("GET", f"/exchange/submissions/{newer_id}").json()["score"] == 1.0)
    assert me.call("GET", f"/exchange/submissions/{sid}").json()["score"] == 7.0  # the earlier hand-in keeps hers
    assert (grouping(client)["score"], grouping(client)["status"]) == (7.0, "passed")  # her best still counts
    assert [a[1] for a in manual_audits(courses)] == [str(sid), str(newer_id)]

    unknown = courses.jinguo("course", "sync-grades", "no-such-course")
    assert unknown.returncode == 1 and "no-such-course" in unknown.stderr
