"""Instructors' own Unix accounts reach their nbgrader course folders (formgrader) when the hub runs as root.

Each published course gets a Unix group (``course_group``); its folder ``{data_dir}/courses/<slug>`` is owned
root:<group>, directories 2770 (setgid, so what root's grading or her formgrader writes later keeps the group)
and files group-writable (gradebook.db above all). Her account joins the group of every course she teaches:
at publishing if the account exists, else when the spawner creates or starts it (``sync_member_groups``). No
other account can enter the folder, which holds the solutions and hidden tests. What root writes there later
(submissions, autograded notebooks, feedback, the gradebook's journal) gets the group from the setgid folders and
group rw from the processes' umask 0o007 (hub/store/data_folder.py, where the whole data folder's model is written).

Not as root (demo mode) every server runs as the hub's own account: nothing here changes anything.
"""
from __future__ import annotations

import grp
import hashlib
import logging
import os
import pwd
import shutil
import stat
import subprocess
import time
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.settings import course_folder, running_as_root
from hub.store.data_folder import seal_data_dir
from hub.store.orm import Course, Enrolment, Member, Role

log = logging.getLogger("jinguo.course_access")
GROUP_NAME_MAX = 32  # shadow's limit on Unix group names
GROUP_MARK = "c."  # a "." can never be in a member's user name, so a course group never meets a worker's own group


def active() -> bool:
    """Only root can make groups and give files away; in demo mode one account already reaches everything."""
    return running_as_root()


def course_group(unix_prefix: str, slug: str) -> str:
    """``<unix_prefix>c.<slug>``, shortened with a hash of the slug when it would pass 32 characters."""
    name = f"{unix_prefix}{GROUP_MARK}{slug}"
    if len(name) <= GROUP_NAME_MAX:
        return name
    digest = hashlib.sha1(slug.encode()).hexdigest()[:8]
    keep = GROUP_NAME_MAX - len(unix_prefix) - len(GROUP_MARK) - len(digest) - 1
    return f"{unix_prefix}{GROUP_MARK}{slug[:keep]}.{digest}"


def _run(argv: list[str]) -> None:
    """groupadd/gpasswd refuse while another process holds the lock on /etc/group: try again for a while."""
    for attempt in range(20):
        r = subprocess.run(argv, capture_output=True, text=True)
        if r.returncode == 0:
            return
        if "lock" not in (r.stderr or "").lower():
            break
        time.sleep(0.1 * (attempt + 1))
    raise RuntimeError(f"{' '.join(argv)} failed: {r.stderr.strip()[:300]}")


def ensure_group(name: str) -> int:
    try:
        return grp.getgrnam(name).gr_gid
    except KeyError:
        _run([shutil.which("groupadd") or "/usr/sbin/groupadd", "--system", name])
        return grp.getgrnam(name).gr_gid


def account_exists(unix_name: str) -> bool:
    try:
        pwd.getpwnam(unix_name)
        return True
    except KeyError:
        return False


def share_course_folder(root: Path, group: str) -> None:
    """Give the course folder to its group, recursively (idempotent; cheap for a course's few thousand files)."""
    gid = ensure_group(group)
    for path in [root, *root.rglob("*")]:
        st = path.lstat()
        if stat.S_ISLNK(st.st_mode):
            continue
        if st.st_gid != gid:
            os.chown(path, -1, gid)
        if stat.S_ISDIR(st.st_mode):
            mode = 0o2770
        else:  # owner's x bit copied to the group; nobody else
            mode = 0o660 | (0o110 if st.st_mode & 0o100 else 0)
        if stat.S_IMODE(st.st_mode) != mode:
            os.chmod(path, mode)
    courses = root.parent
    seal_data_dir(courses.parent)  # the data folder and courses/ 0711: others pass through, never list them
    unreachable = [str(p) for p in courses.parents if not p.stat().st_mode & 0o001]
    if unreachable:
        log.warning("讲师账户无法进入 %s（缺少 o+x）；formgrader 打不开课程文件夹 / instructors' accounts cannot pass "
                    "%s (no o+x): formgrader cannot open the course folder", unreachable[-1], unreachable[-1])


def add_to_group(unix_name: str, group: str) -> bool:
    """Add her account to the group; False when the account does not exist yet (the spawner adds her later)."""
    if not account_exists(unix_name):
        return False
    if unix_name not in grp.getgrnam(group).gr_mem:
        _run([shutil.which("gpasswd") or "/usr/bin/gpasswd", "--add", unix_name, group])
    return True


def taught_courses(session: Session, username: str) -> list[Course]:
    """Published courses she teaches, in the order they were published."""
    return list(session.scalars(
        select(Course).join(Enrolment, Enrolment.course_id == Course.id).join(Member, Member.id == Enrolment.member_id)
        .where(Member.username == username, Enrolment.role == Role.instructor, Course.published_at.is_not(None))
        .order_by(Course.published_at, Course.id)))


def grant_course(data_dir: str | Path, unix_prefix: str, slug: str, usernames: list[str]) -> None:
    """At publishing: the course folder shared with its group, and its instructors' existing accounts in it."""
    if not active():
        return
    group = course_group(unix_prefix, slug)
    share_course_folder(course_folder(data_dir, slug), group)
    for name in usernames:
        add_to_group(unix_prefix + name, group)


def sync_member_groups(session: Session, data_dir: str | Path, unix_prefix: str, username: str) -> list[str]:
    """When her account is created or her server starts: in the groups of exactly the courses she teaches now
    (a course she no longer teaches is closed to her again). Returns the course groups she is in."""
    if not active():
        return []
    unix_name = unix_prefix + username
    wanted = []
    for course in taught_courses(session, username):
        group = course_group(unix_prefix, course.slug)
        folder = course_folder(data_dir, course.slug)
        if folder.is_dir():
            try:
                grp.getgrnam(group)
            except KeyError:  # published while the hub did not run as root
                share_course_folder(folder, group)
            add_to_group(unix_name, group)
            wanted.append(group)
    mark = unix_prefix + GROUP_MARK
    for g in grp.getgrall():
        if g.gr_name.startswith(mark) and unix_name in g.gr_mem and g.gr_name not in wanted:
            _run([shutil.which("gpasswd") or "/usr/bin/gpasswd", "--delete", unix_name, g.gr_name])
    return wanted
