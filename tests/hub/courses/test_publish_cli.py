"""Publishing a catalogue course and releasing an assignment from the command line (jinguo course ...)."""
from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest
from sqlalchemy import func, select

from courses.clock import to_beijing

from hub.store.db import session_scope
from hub.store.orm import Assignment, AuditLog, Course, Enrolment, Member, Role, aware


@pytest.fixture(scope="module")
def hub(own_hub):
    """This file starts from unpublished courses: a hub of its own (tests/hub/courses/conftest.py own_hub)."""
    return own_hub


def test_cli_publishes_once_then_releases_a_student_version(hub):
    first = hub.jinguo("course", "publish", "cadres", "--instructor", "teacher2")
    assert first.returncode == 0, first.stderr
    # "published", or "unchanged" when the page test published it first (both make teacher2 its instructor)
    assert "已发布 / published: cadres" in first.stdout or "没有变化" in first.stdout
    again = hub.jinguo("course", "publish", "cadres", "--instructor", "teacher2")
    assert again.returncode == 0 and "没有变化" in again.stdout and "already published" in again.stdout

    with session_scope(hub.db_url) as s:
        course = s.scalar(select(Course).where(Course.slug == "cadres"))
        assert course.title == "工会女职工工作干部培训" and course.published_at
        assert course.published_by.startswith("cli:") or course.published_by == "teacher2"
        rows = s.scalars(select(Assignment).where(Assignment.course_id == course.id).order_by(Assignment.id)).all()
        assert [a.name for a in rows] == ["ledger", "survey", "tables", "ledger-plus", "survey-plus", "tables-plus"]
        for a in rows:  # points of the graded cells; pass mark from course.yaml's pass_ratio 0.6
            assert a.max_score > 0 and a.pass_score == round(a.max_score * 0.6, 2) and a.released_at is None
        teacher = s.scalar(select(Member).where(Member.username == "teacher2"))
        roles = s.scalars(select(Enrolment.role).where(Enrolment.course_id == course.id,
                                                       Enrolment.member_id == teacher.id)).all()
        assert roles == [Role.instructor]
        assert s.scalar(select(func.count()).select_from(AuditLog).where(
            AuditLog.action == "course.publish", AuditLog.target_id == "cadres")) == 1
    folder = hub.data_dir / "courses" / "cadres"
    assert (folder / "gradebook.db").is_file() and (folder / "source" / "ledger" / "ledger.ipynb").is_file()
    assert "course_id = 'cadres'" in (folder / "nbgrader_config.py").read_text()

    done = hub.jinguo("course", "release", "cadres", "ledger", "--due", "2026-12-31T23:59+08:00")
    assert done.returncode == 0, done.stderr
    assert "2026-12-31 15:59 UTC" in done.stdout
    release = folder / "release" / "ledger" / "ledger.ipynb"
    text = release.read_text(encoding="utf-8")
    assert "HIDDEN TESTS" not in text and "BEGIN SOLUTION" not in text
    source = json.loads((folder / "source" / "ledger" / "ledger.ipynb").read_text(encoding="utf-8"))
    hidden = ["".join(c["source"]).split("### BEGIN HIDDEN TESTS", 1)[1].split("### END HIDDEN TESTS")[0]
              for c in source["cells"] if "### BEGIN HIDDEN TESTS" in "".join(c["source"])]
    assert hidden and not any(h.strip() in text for h in hidden)
    with session_scope(hub.db_url) as s:
        row = s.scalar(select(Assignment).join(Course).where(Course.slug == "cadres", Assignment.name == "ledger"))
        assert row.released_at is not None
        assert aware(row.due_at) == datetime(2026, 12, 31, 15, 59, tzinfo=timezone.utc)


def test_cli_refuses_unknown_courses_assignments_and_dates_in_chinese(hub):
    unknown = hub.jinguo("course", "publish", "no-such-course")
    assert unknown.returncode == 1 and "课程目录中没有这门课程" in unknown.stderr
    learner = hub.jinguo("course", "publish", "cadres", "--instructor", "worker01")
    assert learner.returncode == 1 and "不是讲师" in learner.stderr
    with session_scope(hub.db_url) as s:  # nothing saved by the refused publish
        worker = s.scalar(select(Member).where(Member.username == "worker01"))
        assert s.scalar(select(Enrolment).join(Course).where(Course.slug == "cadres",
                                                             Enrolment.member_id == worker.id)) is None
    missing = hub.jinguo("course", "release", "cadres", "no-such-assignment")
    assert missing.returncode == 1 and "没有作业" in missing.stderr
    bad = hub.jinguo("course", "release", "cadres", "survey", "--due", "31/12/2026")
    assert bad.returncode == 2 and "截止时间格式不对" in bad.stderr
    listing = hub.jinguo("course", "list")
    assert listing.returncode == 0 and "cadres\t工会女职工工作干部培训\t20" in listing.stdout
    with session_scope(hub.db_url) as s:  # the publishing time reads in Beijing time (it printed the stored UTC)
        published = s.scalar(select(Course).where(Course.slug == "cadres")).published_at
    row = next(line for line in listing.stdout.splitlines() if line.startswith("cadres\t"))
    assert row.split("\t")[2] == to_beijing(published).strftime("%Y-%m-%d %H:%M")
