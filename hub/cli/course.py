"""``jinguo course list|publish|release|sync-grades``: catalogue courses published into the platform
(hub/courses/publish.py), every change audited as ``cli:<account>``; manual grades from formgrader brought in
(hub/courses/manual_grades.py; the service also does this every ManualGradeSync.interval seconds)."""
from __future__ import annotations

import argparse
import getpass
import sys
from datetime import datetime

from courses.clock import aware_utc, parse_beijing, shown, to_beijing


def register(sub: argparse._SubParsersAction) -> None:
    c = sub.add_parser("course", help="课程：列出、发布、发布作业 / courses: list, publish, release an assignment",
                       description="课程目录中的课程 / courses of the catalogue (courses/catalogue/)")
    actions = c.add_subparsers(dest="course_action", metavar="ACTION", required=True)
    ls = actions.add_parser("list", help="列出课程目录与发布情况 / list the catalogue and what is published")
    ls.set_defaults(func=cmd_list)
    pub = actions.add_parser("publish", help="发布课程（可重复执行）/ publish a course (idempotent)")
    pub.add_argument("slug", help="课程代码，如 office-data / course slug")
    pub.add_argument("--instructor", action="append", default=[], metavar="USER",
                     help="课程讲师的用户名（可多次）/ an instructor's user name (repeatable)")
    pub.set_defaults(func=cmd_publish)
    rel = actions.add_parser("release", help="发布作业给学员 / release an assignment to learners")
    rel.add_argument("slug", help="课程代码 / course slug")
    rel.add_argument("assignment", help="作业名，如 sums / assignment name")
    rel.add_argument("--due", help="截止时间，北京时间（如 2026-12-31T23:59；写了时区如 +00:00 则按所写时区）/ "
                     "due date in Beijing time, ISO (e.g. 2026-12-31T23:59; a written zone such as +00:00 is kept)")
    rel.set_defaults(func=cmd_release)
    sync = actions.add_parser("sync-grades", help="把讲师在 Formgrader 中的人工评分同步到平台 / bring formgrader's "
                                                  "manual grades into the platform now")
    sync.add_argument("slug", help="课程代码 / course slug")
    sync.set_defaults(func=cmd_sync_grades)


def _actor() -> str:
    return f"cli:{getpass.getuser()}"


def _platform(args: argparse.Namespace):
    from hub.cli.platform import load_platform
    from hub.store.db import upgrade

    platform = load_platform(args.config)
    platform.ensure_data_dir()
    upgrade(platform.db_url)
    return platform


def cmd_list(args: argparse.Namespace) -> int:
    from sqlalchemy import select

    from courses.catalogue import load_catalogue
    from hub.store.db import session_scope
    from hub.store.orm import Course

    platform = _platform(args)
    with session_scope(platform.db_url) as s:
        published = {c.slug: c for c in s.scalars(select(Course))}
        for info in load_catalogue():
            row = published.get(info.slug)
            when = shown(row.published_at) if row and row.published_at else "未发布 unpublished"
            names = ",".join(a.name for a in info.assignments)
            print(f"{info.slug}\t{info.title}\t{when}\t{names}")
    return 0


def cmd_publish(args: argparse.Namespace) -> int:
    from hub.courses.publish import publish
    from hub.store.db import session_scope

    platform = _platform(args)
    with session_scope(platform.db_url) as s:
        course, changed = publish(s, platform.data_dir, args.slug, _actor(), args.instructor, platform.unix_prefix)
        title = course.title
    if not changed:
        print(f"课程已发布，没有变化 / already published, nothing changed: {args.slug}  {title}")
    else:
        print(f"已发布 / published: {args.slug}  {title}")
    return 0


def parse_due(text: str) -> datetime:
    """An ISO date or date-time; without a zone it is Beijing time, as on the courses page (courses/clock.py)."""
    return parse_beijing(text)


def cmd_release(args: argparse.Namespace) -> int:
    from hub.courses.publish import release_assignment
    from hub.store.db import session_scope

    due = None
    if args.due:
        try:
            due = parse_due(args.due)
        except ValueError:
            print(f"错误 / error: 截止时间格式不对：{args.due}（例：2026-12-31T23:59+08:00）/ "
                  f"not an ISO date: {args.due}", file=sys.stderr)
            return 2
    platform = _platform(args)
    with session_scope(platform.db_url) as s:
        row = release_assignment(s, platform.data_dir, args.slug, args.assignment, _actor(), due_at=due,
                                 unix_prefix=platform.unix_prefix)
        shown = (f"{to_beijing(row.due_at):%Y-%m-%d %H:%M}（北京时间 Beijing time, "
                 f"{aware_utc(row.due_at):%Y-%m-%d %H:%M} UTC）") if row.due_at else "无 none"
    print(f"已发布作业 / released: {args.slug}/{args.assignment}  截止 due: {shown}")
    return 0


def cmd_sync_grades(args: argparse.Namespace) -> int:
    from hub.courses.publish import published_course
    from hub.store.db import session_scope
    from hub.courses.manual_grades import sync_course

    platform = _platform(args)
    with session_scope(platform.db_url) as s:
        changes = sync_course(s, platform.data_dir, published_course(s, args.slug))
    for change in changes:
        print(f"已更新 / updated: {change}")
    if not changes:
        print(f"没有变化 / nothing changed: {args.slug}")
    return 0
