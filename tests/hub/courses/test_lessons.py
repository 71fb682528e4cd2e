"""Lesson notebooks (讲义) reach the enrolled learner (issue 16 item 5): a link per lesson on her course page that
renders it, and the lessons folder through the exchange (JupyterLab's Assignments tab fetches it as "讲义", see
tests/hub/lab/test_lab_journey.py). Only what course.yaml lists, only to her course's people."""
from __future__ import annotations

import base64
import re
from urllib.parse import quote

import requests

from courses.catalogue import CATALOGUE
from tests.hub.courses.conftest import SERVICE, enrol_directly, publish_directly

SLUG, WHO, OUTSIDER = "new-forms", "worker31", "worker32"


def _solution_lines() -> list[str]:
    """Lines only the source of an assignment holds (its solutions and hidden tests)."""
    out = []
    for nb in (CATALOGUE / SLUG / "source").rglob("*.ipynb"):
        out += [line.strip() for line in nb.read_text().splitlines()
                if "BEGIN SOLUTION" in line or "BEGIN HIDDEN" in line]
    return out


def test_enrolled_learner_reads_each_lesson_on_her_course_page_and_fetches_them(hub):
    publish_directly(hub, SLUG)
    enrol_directly(hub, SLUG, WHO)
    page = hub.session(WHO).get(f"{hub.url}{SERVICE}courses/{SLUG}").text
    links = re.findall(rf'class="lesson-link" href="{SERVICE}courses/{SLUG}/lessons/([^"]+)"', page)
    lessons = [n.removesuffix(".ipynb") for n in
               re.findall(r"^- (\S+\.ipynb)", (CATALOGUE / SLUG / "course.yaml").read_text(), re.M)]
    assert links and links == lessons[:len(links)] and len(links) == len(lessons)  # every lesson, in course order
    her = hub.session(WHO)
    for name in links:
        r = her.get(f"{hub.url}{SERVICE}courses/{SLUG}/lessons/{name}")
        assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/html")
        assert "<html" in r.text and "jp-Notebook" in r.text  # nbconvert's HTML of the notebook

    token = hub.api_token(WHO, "lessons test")
    api = f"{hub.url}{SERVICE}api/exchange"
    listed = requests.get(f"{api}/lessons", headers={"Authorization": f"token {token}"}, timeout=60).json()
    (mine,) = [c for c in listed["lessons"] if c["course_id"] == SLUG]
    assert mine["notebooks"] == lessons
    files = requests.get(f"{api}/courses/{SLUG}/lessons/files", headers={"Authorization": f"token {token}"},
                         timeout=60).json()["files"]
    assert {f"{n}.ipynb" for n in lessons} <= set(files)
    assert not any(line in base64.b64decode(v).decode("utf-8", "replace") for v in files.values()
                   for line in _solution_lines())


def test_lessons_are_for_her_course_only_and_only_what_course_yaml_lists(hub):
    publish_directly(hub, SLUG)
    outsider = hub.session(OUTSIDER)
    first = re.findall(r"^- (\S+)\.ipynb", (CATALOGUE / SLUG / "course.yaml").read_text(), re.M)[0]
    r = outsider.get(f"{hub.url}{SERVICE}courses/{SLUG}/lessons/{first}")
    assert r.status_code == 403 and "报名" in r.text
    token = hub.api_token(OUTSIDER, "lessons test")
    r = requests.get(f"{hub.url}{SERVICE}api/exchange/courses/{SLUG}/lessons/files",
                     headers={"Authorization": f"token {token}"}, timeout=60)
    assert r.status_code == 403 and "报名" in r.json()["error"]["zh"]

    # hostile: an enrolled learner asks the lesson page for an assignment's source (its solutions) by path
    enrol_directly(hub, SLUG, WHO)
    her = hub.session(WHO)
    source = next((CATALOGUE / SLUG / "source").iterdir())
    nb = next(source.glob("*.ipynb")).stem
    for name in (f"../source/{source.name}/{nb}", f"..%2Fsource%2F{source.name}%2F{nb}",
                 quote(f"../source/{source.name}/{nb}", safe=""), "..", "course.yaml"):
        r = her.get(f"{hub.url}{SERVICE}courses/{SLUG}/lessons/{name}")
        assert r.status_code == 404, (name, r.status_code)
        assert not any(line in r.text for line in _solution_lines())
