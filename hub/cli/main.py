"""The ``jinguo`` command: one entry point, one small function per sub-command.

Run from the project folder with no options, every command uses the embedded default configuration
(SQLite under var/); JINGUO_* environment variables or ``--config`` point it elsewhere.
"""
from __future__ import annotations

import argparse
import getpass
import os
import sys
from pathlib import Path

from hub.cli import competition, course, db, report
from hub.cli.platform import load_platform
from hub.refusals import Refused
from hub.settings import PROJECT_DIR, JinguoConfig, venv_bin_on_path
from hub.store.data_folder import seal_data_dir, set_process_umask

HUB_PID_FILE = "jupyterhub.pid"  # JupyterHub.pid_file, as hub/jupyterhub/config.py sets it

# Command groups that add sub-commands, each by its register(subparsers). Add a group's register here.
REGISTER = (db.register, competition.register, report.register, course.register)

EPILOG = """示例 / examples:
  jinguo demo                      写入演示数据：使用中的平台 / seed demo data: a platform in use
  jinguo demo --people-only        只写入演示成员 / the demo members only
  jinguo serve                     启动平台 / start the hub at http://127.0.0.1:8000
  jinguo db upgrade                升级数据库 / migrate the platform database
  jinguo db backup --out /backup   备份平台 / back up the platform
  jinguo user list --status pending
  jinguo grade ps1 --course-dir courses/x   自动评分 / autograde
"""


def cmd_demo(args: argparse.Namespace) -> int:
    from hub.demo.people import DEMO_PASSWORD, seed_demo

    platform = load_platform(args.config)
    created = seed_demo(platform)
    print(f"演示成员已就绪（新增 {len(created)} 人）/ demo members ready ({len(created)} new)", flush=True)
    if not args.people_only:
        from grading import GradingError
        from hub.demo.activity import DemoStopped, run

        try:
            run(platform, say=lambda line: print(line, flush=True))
        except DemoStopped:
            raise
        except (GradingError, Refused) as exc:  # e.g. no bubblewrap: never graded unsandboxed
            raise DemoStopped(exc.zh, exc.en) from exc  # said as the demo's stop: running it again goes on
    print(f"演示账号 / demo logins (密码 password: {DEMO_PASSWORD}):")
    print("  admin      平台管理员 / administrator")
    print("  organizer  工会组织者 / union organizer")
    print("  teacher1, teacher2   讲师 / instructors")
    print("  worker01 … worker32  学员（多为女职工）/ learners (mostly women workers)")
    print(f"地址 / open: {platform.public_url}/")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from hub.store import db
    from hub.store.seed import seed_reference

    platform = load_platform(args.config)
    data = platform.ensure_data_dir()
    if not _take_over_from_a_crashed_hub(platform):  # first: never migrate under a hub that still runs
        return 1
    seal_data_dir(data)
    db.upgrade(platform.db_url)
    with db.session_scope(platform.db_url) as s:
        seed_reference(s)
    config = args.config or str(PROJECT_DIR / "jupyterhub_config.py")
    bindir = str(Path(sys.executable).parent)
    os.chdir(platform.data_dir)
    argv = [str(Path(bindir) / "jupyterhub"), "-f", config, *args.hub_args]
    print(f"巾帼数字工坊启动中 / starting Jinguo at {platform.public_url}/", flush=True)
    os.execv(argv[0], argv)
    return 0  # pragma: no cover


def _take_over_from_a_crashed_hub(platform: JinguoConfig) -> bool:
    """Before the hub starts: refuse if a hub already runs on this data folder; else stop the platform service a
    crashed hub left running (by its pid file, hub/web/lifecycle.py), so the new hub's own service gets the
    port. The proxy a crashed hub left is stopped by JupyterHub itself, by its pid file
    (ConfigurableHTTPProxy.pid_file)."""
    from hub.web import lifecycle

    data = Path(platform.data_dir)
    try:
        hub_pid = int((data / HUB_PID_FILE).read_text().strip())
        cmdline = Path(f"/proc/{hub_pid}/cmdline").read_bytes()
    except (OSError, ValueError):
        cmdline = b""
    if b"jupyterhub" in cmdline and hub_pid != os.getpid():
        print(f"错误 / error: 平台已在运行（进程 {hub_pid}，数据目录 {data}），请先停止它 / the platform is already "
              f"running on this data folder (pid {hub_pid}); stop it first", file=sys.stderr)
        return False
    lifecycle.stop_leftover_service(lifecycle.pid_file_for(data), platform.service_port,
                                    lambda text: print(text, flush=True))
    return True


def cmd_user(args: argparse.Namespace) -> int:
    from hub.people import accounts
    from hub.people import members
    from hub.store.db import session_scope
    from hub.store.orm import Member, MemberStatus, Role
    from sqlalchemy import select

    platform = load_platform(args.config)
    actor = f"cli:{getpass.getuser()}"
    if args.action == "list":
        with session_scope(platform.db_url) as s:
            q = select(Member).order_by(Member.id)
            if args.status:
                q = q.where(Member.status == MemberStatus(args.status))
            for m in s.scalars(q):
                # sex last: scripts reading the first five columns keep working
                print(f"{m.username}\t{m.real_name}\t{m.role.value}\t{m.status.value}\t{m.org_unit.name}\t"
                      f"{members.sex_label(m.gender)}")
        return 0
    if args.action == "approve":
        with session_scope(platform.db_url) as s:
            members.set_status(s, args.username, MemberStatus.approved, actor, args.reason or "")
        print(f"已通过 / approved: {args.username}")
        return 0
    password = args.password or os.environ.get("JINGUO_NEW_PASSWORD") or getpass.getpass("密码 / password: ")
    profile = members.read_profile({"username": args.username, "real_name": args.real_name, "unit": args.unit,
                                    "region": args.region, "industry": args.industry,
                                    "employment_form": args.employment_form, "phone": args.phone or "",
                                    "gender": args.gender or ""})
    with accounts.hub_session(platform.hub_db_url) as hub:
        accounts.create_account(platform.db_url, hub, profile, password, role=Role(args.role),
                                status=MemberStatus.approved, actor=actor)
    print(f"已创建 / created: {args.username} ({args.role})")
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="jinguo", description="巾帼数字工坊 · Jinguo — 女职工数字技能学习与竞赛平台 / "
                                "training and skills competitions for women workers",
                                epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--config", help="配置文件，读在 jinguo_config.py 之后 / config file, read after jinguo_config.py "
                   "(default: the project's jupyterhub_config.py settings)")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    d = sub.add_parser("demo", help="写入演示数据后返回（可重复执行）/ seed demo data, then return (idempotent)")
    d.add_argument("--people-only", dest="people_only", action="store_true",
                   help="只写入演示成员，不产生课程、竞赛等活动 / only the demo members, no activity (tests use this)")
    d.set_defaults(func=cmd_demo)

    s = sub.add_parser("serve", help="用内置配置启动 JupyterHub / start the hub with the shipped config")
    s.add_argument("hub_args", nargs=argparse.REMAINDER, help="其余参数交给 jupyterhub / passed to jupyterhub")
    s.set_defaults(func=cmd_serve)

    u = sub.add_parser("user", help="用户管理 / users: add | approve | list")
    u.add_argument("action", choices=["add", "approve", "list"])
    u.add_argument("username", nargs="?")
    u.add_argument("--real-name", dest="real_name", default="", help="真实姓名 / real name")
    u.add_argument("--unit", default="", help="基层工会代码 / grassroots union code")
    u.add_argument("--region", default="", help="区域代码 / region code")
    u.add_argument("--industry", default="", help="行业代码 / industry code")
    u.add_argument("--employment-form", dest="employment_form", default="", help="用工形式代码 / employment form")
    u.add_argument("--phone", default="")
    u.add_argument("--gender", choices=["female", "male"],
                   help="性别（省略为“未填写”）/ sex (omitted: not given); counted in the share of women")
    u.add_argument("--role", default="learner", choices=["learner", "instructor", "organizer", "admin"])
    u.add_argument("--password", help="密码（省略则提示输入）/ password (prompted if omitted)")
    u.add_argument("--status", choices=["pending", "approved", "rejected", "disabled"], help="list: 按状态筛选")
    u.add_argument("--reason", help="approve: 审核意见 / reason")
    u.set_defaults(func=cmd_user)

    # grading/ parses its own options (it is also runnable alone): these entries only make them listed here.
    sub.add_parser("grade", help="自动评分（与 nbgrader 兼容）/ autograde submissions", add_help=False)
    sub.add_parser("grading-worker", help="启动 Celery 评分进程 / start a Celery grading worker", add_help=False)
    for register in REGISTER:
        register(sub)
    return p


def _grade(argv: list[str]) -> int | None:
    from grading.cli import main as grade

    return grade(argv)


def _grading_worker(argv: list[str]) -> int | None:
    from hub.cli.grading_worker import main as worker

    return worker(argv)


# grading/ parses its own options; imported only when asked for (it loads nbgrader)
DELEGATED = {"grade": _grade, "grading-worker": _grading_worker}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    # First, before any file is written: what this command writes (and the hub, grading workers it becomes or
    # starts) stays unreadable by workers' accounts (hub/store/data_folder.py).
    set_process_umask()
    venv_bin_on_path()
    if argv and argv[0] in DELEGATED:
        return int(DELEGATED[argv[0]](argv[1:]) or 0)
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    if args.command == "user" and args.action != "list" and not args.username:
        parser.error("需要用户名 / a user name is required")
    try:
        return args.func(args)
    except Refused as exc:  # the one place a refusal becomes the CLI's words and exit code
        print(exc.message(), file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
