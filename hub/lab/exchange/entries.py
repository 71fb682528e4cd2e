"""What her Assignments tab lists, as plain data: every released assignment of her courses, each course's lessons
(讲义) and the tasks of the competitions she joined — with the titles people read.

JupyterLab's nbgrader panel shows only two texts for a row, ``course_id`` and ``assignment_id``, and sends the same
two back to fetch or submit. So those two carry the titles ("办公数据处理入门" / "合计与平均"), made unique and safe
for its URLs, and ``Entry.matches`` takes a title or a slug back (a slug still works in a terminal:
``nbgrader fetch_assignment sums --course office-data``). Folders on disk keep the slugs.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from courses.clock import BEIJING

LESSONS = "讲义"
# nbgrader's panel puts course_id into a URL query unescaped: these would cut or change it.
_UNSAFE = str.maketrans({"&": "＆", "#": "＃", "+": "＋", "%": "％", "?": "？", "/": "／"})


def beijing(iso: str, fmt: str = "%Y-%m-%d %H:%M:%S") -> str:
    """An ISO time from the platform as she reads it: Beijing time, whole seconds."""
    return datetime.fromisoformat(iso).astimezone(BEIJING).strftime(fmt)


@dataclass
class Entry:
    """One row of her Assignments tab and where its files come from."""

    kind: str  # "assignment" (a course's), "lessons" (a course's 讲义) or "task" (a competition's)
    slug: str  # the course's or the competition's
    name: str  # assignment name, LESSONS, or the task's assignment name
    course_title: str
    title: str
    folder: tuple[str, ...]  # her copy, under the assignment folder
    files_path: str  # the platform API path answering {files: {path: base64}}
    notebooks: list[str] = field(default_factory=list)
    submissions: list[dict] = field(default_factory=list)
    course_label: str = ""
    label: str = ""

    def matches(self, course: str | None, assignment: str | None) -> bool:
        return course in (None, self.course_label, self.slug) and assignment in (None, self.label, self.name)


def _safe(text: str, fallback: str) -> str:
    return " ".join(text.translate(_UNSAFE).split()) or fallback


def label(entries: list[Entry]) -> list[Entry]:
    """Give each entry its course and assignment labels: titles, with the slug added where two would read the
    same."""
    courses: dict[str, set[tuple[str, str]]] = {}
    for e in entries:
        courses.setdefault(_safe(e.course_title, e.slug), set()).add((e.kind == "task", e.slug))
    for e in entries:
        title = _safe(e.course_title, e.slug)
        e.course_label = title if len(courses[title]) == 1 else f"{title}（{e.slug}）"
    names: dict[tuple[str, str], set[str]] = {}
    for e in entries:
        names.setdefault((e.course_label, _safe(e.title, e.name)), set()).add(e.name)
    for e in entries:
        title = _safe(e.title, e.name)
        e.label = title if len(names[(e.course_label, title)]) == 1 else f"{title}（{e.name}）"
    return entries


def from_platform(assignments: list[dict], lessons: list[dict], tasks: list[dict],
                  path_includes_course: bool = True) -> list[Entry]:
    """The platform's three lists (exchange/assignments, exchange/lessons, exchange/competitions) as entries."""
    out = [Entry("assignment", a["course_id"], a["assignment_id"], a["course_title"], a["title"] or a["assignment_id"],
                 (a["course_id"], a["assignment_id"]) if path_includes_course else (a["assignment_id"],),
                 f"/exchange/courses/{a['course_id']}/assignments/{a['assignment_id']}/release",
                 a["notebooks"], a["submissions"]) for a in assignments]
    out += [Entry("lessons", c["course_id"], LESSONS, c["course_title"], LESSONS,
                  (c["course_id"], LESSONS) if path_includes_course else (f"{LESSONS}-{c['course_id']}",),
                  f"/exchange/courses/{c['course_id']}/lessons/files", c["notebooks"]) for c in lessons]
    out += [Entry("task", t["competition"], t["task"], t["title"], t["task_title"],
                  ("competitions", t["competition"], t["task"]),
                  f"/exchange/competitions/{t['competition']}/tasks/{t['task']}/release",
                  t["notebooks"], t["submissions"]) for t in tasks]
    return label(out)
