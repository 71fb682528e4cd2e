"""The instructor grades the written answer in her own formgrader (nbgrader's grade API in her JupyterLab
server, reached through the hub as her browser reaches it) and the platform shows the learner the new score."""
from __future__ import annotations

import os
import time

import pytest
from nbgrader.api import Gradebook

from hub.testing import DEMO_PASSWORD
from tests.conftest import platform_client
from tests.hub.lab.courses import publish, solved
from tests.hub.lab.test_manual_grades import WRONG, grouping, wait_for

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="an instructor's server runs as her own account as root")
COURSE, ASSIGNMENT, STUDENT, TEACHER = "office-data", "grouping", "worker03", "teacher9"


@pytest.fixture
def passable(courses):
    """Instructors' accounts must pass through every folder above the data folder (o+x, as the admin guide says of a
    real install); the test hub's data lives under pytest's private temp folder, opened for passing meanwhile."""
    # Not restored afterwards: o+x lets an account pass a folder, never list it, and putting pytest's shared temp
    # root back to 0700 while another test (another pytest-xdist worker) still needs to pass it broke that test.
    for folder in [courses.data_dir, *courses.data_dir.parents]:
        mode = folder.stat().st_mode & 0o7777
        if not mode & 0o001:
            os.chmod(folder, mode | 0o001)
    yield


def test_a_score_typed_in_formgrader_reaches_the_learner(courses, her, passable):
    added = courses.jinguo("user", "add", TEACHER, "--real-name", "周老师", "--unit", "zj-hz-textile", "--region",
                           "zhejiang", "--industry", "manufacturing", "--employment-form", "full_time",
                           "--role", "instructor", "--password", DEMO_PASSWORD)
    assert added.returncode == 0, added.stderr
    assert courses.jinguo("course", "publish", COURSE, "--instructor", TEACHER).returncode == 0  # her first course
    publish(courses, COURSE, {ASSIGNMENT: None})
    me, client = her(STUDENT), platform_client(courses, STUDENT)
    r = me.submit(COURSE, ASSIGNMENT, {"grouping.ipynb": solved(courses, COURSE, ASSIGNMENT, {"answer10": WRONG})})
    assert me.wait_graded(r.json()["submissions"][0]["id"])["score"] == 4.0

    teacher = courses.session(TEACHER)
    courses.start_server(teacher, TEACHER)
    deadline = time.monotonic() + 120
    while not courses.server_ready(teacher, TEACHER) and time.monotonic() < deadline:
        time.sleep(0.5)
    base = f"{courses.url}/user/{TEACHER}/formgrader"
    listed = teacher.get(f"{base}/api/assignments")  # logs her in to her server (OAuth) on the way
    assert listed.status_code == 200 and ASSIGNMENT in {a["name"] for a in listed.json()}, listed.text[:300]
    with Gradebook(f"sqlite:///{courses.data_dir / 'courses' / COURSE / 'gradebook.db'}", COURSE) as gb:
        grade_id = gb.find_grade("written13", ASSIGNMENT, ASSIGNMENT, STUDENT).id
    typed = teacher.put(f"{base}/api/grade/{grade_id}", json={"manual_score": 3, "extra_credit": None},
                        headers={"X-XSRFToken": teacher.cookies.get("_xsrf", path=f"/user/{TEACHER}/")})
    assert typed.status_code == 200 and typed.json()["manual_score"] == 3, typed.text[:300]

    wait_for(lambda: grouping(client)["score"] == 7.0)
    assert grouping(client)["status"] == "passed"
