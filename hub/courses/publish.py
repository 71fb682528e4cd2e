"""Publishing a catalogue course and releasing its assignments: the nbgrader course folder on disk, the rows in the
platform database, and an audit entry for each. Shared by ``jinguo course`` and the course pages.

Course roles live in the platform database (Enrolment.role): the hub's groups stay the four role groups that
hub.people.members.hub_groups derives (``instructors`` already holds hub.scopes.TEACH), so no per-course hub group is
made — the authenticator's managed groups would drop it at the next refresh anyway. Which courses an instructor
teaches is answered by her Enrolment rows (see docs/instructor-guide.md §6). As root, the course folder is shared
with a Unix group of its instructors' accounts so their formgrader can open it (hub/jupyterhub/unix_groups.py).
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterable

import nbformat
from sqlalchemy import select
from sqlalchemy.orm import Session

from courses import catalogue
from hub.jupyterhub import unix_groups as course_access
from hub.settings import JinguoConfig, course_folder, load_config
from hub.store.audit import audit
from hub.refusals import Refused
from hub.store.orm import Assignment, Course, Enrolment, Member, Role, aware, utcnow

DEFAULT_PASS_RATIO = 0.6  # course.yaml's pass_ratio when the assignment gives none (courses/catalogue.py)
TEACHING_ROLES = (Role.instructor, Role.organizer, Role.admin)


class UnknownCourse(Refused):
    """A slug the catalogue does not know (built from the slug alone: the words are always these)."""

    def __init__(self, slug: str):
        super().__init__(404, "course_not_found", f"课程目录中没有这门课程：{slug}",
                         f"no course {slug!r} in the catalogue")


class UnknownAssignment(Refused):
    """An assignment the course does not have."""

    def __init__(self, slug: str, name: str):
        super().__init__(404, "assignment_not_found", f"课程 {slug} 中没有作业 {name}",
                         f"course {slug!r} has no assignment {name!r}")


course_dir = course_folder  # the one layout: hub/settings.py


def catalogue_course(slug: str) -> catalogue.Course:
    try:
        return catalogue.course(slug)
    except catalogue.UnknownCourse:
        raise UnknownCourse(slug) from None


def max_score(source: Path) -> float:
    """Points of every graded cell (autograded tests and manually graded answers) of the source notebooks, as
    nbgrader counts them."""
    from nbgrader.utils import is_grade

    total = 0.0
    for path in sorted(source.glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        total += sum(float(c.metadata["nbgrader"].get("points", 0)) for c in nb.cells if is_grade(c))
    return total


def _course_folder(data_dir: str | Path, info: catalogue.Course) -> Path:
    """The nbgrader course folder: config, source/ (never overwritten: an instructor may have fixed a test in
    place) and the gradebook. Safe to run again."""
    root = course_dir(data_dir, info.slug)
    (root / "source").mkdir(parents=True, exist_ok=True)
    config = root / "nbgrader_config.py"
    if not config.exists():
        config.write_text("# Written by Jinguo when the course was published (hub/courses/publish.py).\n"
                          "c = get_config()  # noqa: F821\n"
                          f"c.CourseDirectory.course_id = {info.slug!r}\n"
                          f"c.CourseDirectory.root = {str(root)!r}\n", encoding="utf-8")
    _chinese_stubs(config)
    for a in info.assignments:
        target = root / "source" / a.name
        if not target.exists():
            shutil.copytree(info.source_dir / a.name, target)
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{root / 'gradebook.db'}", course_id=info.slug) as gb:
        for a in info.assignments:
            gb.update_or_create_assignment(a.name)
    return root


# What a learner finds in an answer cell of the student version: Chinese, for people who never coded (issue 19).
CHINESE_STUBS = ('c.ClearSolutions.code_stub = {"python": "# 在这里写你的代码\\nraise NotImplementedError()"}\n'
                 'c.ClearSolutions.text_stub = "在这里写你的回答"\n')


def _chinese_stubs(config: Path) -> None:
    """Add the Chinese placeholders to a course's nbgrader config, also one written before they existed."""
    text = config.read_text(encoding="utf-8")
    if "ClearSolutions.code_stub" not in text:
        config.write_text(text + CHINESE_STUBS, encoding="utf-8")


def _instructor(session: Session, username: str) -> Member:
    member = session.scalar(select(Member).where(Member.username == username))
    if member is None:
        raise Refused(404, "no_member", f"找不到用户 {username}", f"no member {username!r}")
    if member.role not in TEACHING_ROLES:
        raise Refused(400, "not_instructor", f"{username} 不是讲师，不能担任课程讲师",
                               f"{username} is not an instructor and cannot teach a course")
    return member


def publish(session: Session, data_dir: str | Path, slug: str, actor: str,
            instructors: Iterable[str] = (), unix_prefix: str | None = None) -> tuple[Course, bool]:
    """Publish (or complete the publishing of) a catalogue course. Returns the row and whether anything changed;
    a course already published with everything in place changes nothing."""
    info = catalogue_course(slug)
    teachers = [_instructor(session, name) for name in dict.fromkeys(instructors)]
    _course_folder(data_dir, info)
    changed: dict[str, object] = {}
    course = session.scalar(select(Course).where(Course.slug == slug))
    if course is None:
        course = Course(slug=slug, title=info.title, summary=info.summary)
        session.add(course)
    if course.published_at is None:
        course.title, course.summary = info.title, info.summary
        course.published_at, course.published_by = utcnow(), actor
        changed["published"] = True
    session.flush()
    have = set(session.scalars(select(Assignment.name).where(Assignment.course_id == course.id)))
    for a in info.assignments:
        if a.name in have:
            continue
        top = max_score(info.source_dir / a.name)
        session.add(Assignment(course_id=course.id, name=a.name, title=a.title, max_score=top,
                               pass_score=round(top * a.pass_ratio, 2)))
        changed.setdefault("assignments", []).append(a.name)  # type: ignore[union-attr]
    for m in teachers:
        row = session.scalar(select(Enrolment).where(Enrolment.member_id == m.id, Enrolment.course_id == course.id))
        if row is None:
            session.add(Enrolment(member_id=m.id, course_id=course.id, role=Role.instructor))
        elif row.role != Role.instructor:
            row.role = Role.instructor
        else:
            continue
        changed.setdefault("instructors", []).append(m.username)  # type: ignore[union-attr]
    session.flush()
    _share(data_dir, slug, [m.username for m in session.scalars(
        select(Member).join(Enrolment, Enrolment.member_id == Member.id)
        .where(Enrolment.course_id == course.id, Enrolment.role == Role.instructor))], unix_prefix)
    if changed:
        audit(session, actor, "course.publish", "course", slug, after=changed)
    return course, bool(changed)


def _share(data_dir: str | Path, slug: str, instructors: list[str], unix_prefix: str | None) -> None:
    """As root: the course folder to its Unix group, the instructors' accounts into it (demo mode: nothing).
    ``unix_prefix``: the caller's JinguoConfig.unix_prefix; None reads it through the one config loader."""
    if unix_prefix is None:
        unix_prefix = JinguoConfig(config=load_config()).unix_prefix
    try:
        course_access.grant_course(data_dir, unix_prefix, slug, instructors)
    except (OSError, RuntimeError) as exc:
        raise Refused(500, "share_failed", "无法为讲师开放课程文件夹（Unix 组）", f"could not share the course "
                               f"folder with its instructors' accounts: {str(exc)[:300]}") from exc


def publish_course(session: Session, data_dir: str | Path, slug: str, actor: str,
                   instructors: Iterable[str] = (), unix_prefix: str | None = None) -> Course:
    """Publish a catalogue course (idempotent: publishing again adds only what is missing)."""
    return publish(session, data_dir, slug, actor, instructors, unix_prefix)[0]


def published_course(session: Session, slug: str) -> Course:
    course = session.scalar(select(Course).where(Course.slug == slug))
    if course is None or course.published_at is None:
        raise Refused(404, "course_not_found", f"课程 {slug} 还没有发布", f"course {slug!r} is not published")
    return course


def generate(data_dir: str | Path, slug: str, assignment: str) -> Path:
    """``nbgrader generate_assignment``: the student version under release/ (solutions and hidden tests removed).
    Blocks for a second or two: pages run it in a thread executor."""
    root = course_dir(data_dir, slug)
    if (root / "nbgrader_config.py").is_file():
        _chinese_stubs(root / "nbgrader_config.py")
    bindir = Path(sys.executable).parent
    env = dict(os.environ, PATH=f"{bindir}{os.pathsep}{os.environ.get('PATH', '')}")  # nbgrader runs alembic
    r = subprocess.run([str(bindir / "nbgrader"), "generate_assignment", assignment, "--force"],
                       cwd=root, env=env, capture_output=True, text=True)
    if r.returncode != 0:
        last = (r.stderr.strip().splitlines() or ["?"])[-1][:300]
        raise Refused(500, "generate_failed", "生成学员版作业失败，请检查源作业",
                               f"generating the student version failed: {last}")
    return root / "release" / assignment


def release_assignment(session: Session, data_dir: str | Path, slug: str, assignment: str, actor: str,
                       due_at: datetime | None = None, unix_prefix: str | None = None) -> Assignment:
    """Generate the student version of one assignment and mark it released (released again: files renewed, the
    first release time kept, the due date changed if one is given)."""
    course = published_course(session, slug)
    row = session.scalar(select(Assignment).where(Assignment.course_id == course.id, Assignment.name == assignment))
    if row is None:
        raise UnknownAssignment(slug, assignment)
    generate(data_dir, slug, assignment)
    _share(data_dir, slug, [], unix_prefix)  # release/ as root made it: to the course's group too
    before = {"released_at": row.released_at and aware(row.released_at).isoformat(),
              "due_at": row.due_at and aware(row.due_at).isoformat()}
    row.released_at = row.released_at or utcnow()
    if due_at is not None:
        row.due_at = aware(due_at).astimezone(timezone.utc)  # SQLite keeps no zone: store UTC
    _gradebook_due(data_dir, slug, assignment, row.due_at)
    session.flush()
    audit(session, actor, "assignment.release", "course", slug, before={"assignment": assignment, **before},
          after={"assignment": assignment, "released_at": aware(row.released_at).isoformat(),
                 "due_at": row.due_at and aware(row.due_at).isoformat()})
    return row


def _gradebook_due(data_dir: str | Path, slug: str, assignment: str, due_at: datetime | None) -> None:
    """nbgrader computes lateness from the gradebook's due date: keep it the same as the platform's."""
    from nbgrader.api import Gradebook

    root = course_dir(data_dir, slug)
    due = aware(due_at).astimezone(timezone.utc).replace(tzinfo=None) if due_at else None  # naive UTC, as nbgrader
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}", course_id=slug) as gb:
        gb.update_or_create_assignment(assignment, duedate=due)
