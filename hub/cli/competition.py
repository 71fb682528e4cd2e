"""``jinguo competition validate|open|list``, ``jinguo nomination validate`` and ``jinguo survey validate``: spec
files checked by the rules in competitions/; competitions published into the platform database with an audit
record."""
from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path

from courses.clock import shown


def register(sub: argparse._SubParsersAction) -> None:
    c = sub.add_parser("competition", help="竞赛：检查、发布、列出 / competitions: validate, open, list")
    c.add_argument("action", choices=["validate", "open", "list"],
                   help="validate 检查文件 | open 检查并发布 | list 列出已发布的竞赛")
    c.add_argument("file", nargs="?", help="竞赛定义文件（YAML）/ competition file (YAML)")
    c.add_argument("--reason", default="", help="open: 发布说明（写入审计日志）/ note for the audit log")
    c.set_defaults(func=cmd_competition)
    n = sub.add_parser("nomination", help="推荐评选：检查推荐轮次文件 / nominations: validate a round file")
    n.add_argument("action", choices=["validate"], help="validate 检查文件")
    n.add_argument("file", help="推荐轮次定义文件（YAML）/ nomination round file (YAML)")
    n.set_defaults(func=cmd_nomination)
    q = sub.add_parser("survey", help="调查问卷：检查问卷文件 / questionnaires: validate a survey file")
    q.add_argument("action", choices=["validate"], help="validate 检查文件（创建和开放在问卷页上）")
    q.add_argument("file", help="问卷定义文件（YAML）/ survey file (YAML)")
    q.set_defaults(func=cmd_survey)


def _problems_in(path: Path, validate) -> int | None:
    """Print the file's problems and return an exit code, or None when it is valid."""
    if not path.is_file():
        print(f"错误 / error: 找不到文件 {path} / file not found: {path}", file=sys.stderr)
        return 2
    problems = validate(path)
    if not problems:
        return None
    print(f"{path}: 发现 {len(problems)} 个问题 / {len(problems)} problem(s)", file=sys.stderr)
    for p in problems:
        print(f"  {p}", file=sys.stderr)
    return 1


def _validate_only(file: str, validate) -> int:
    path = Path(file)
    code = _problems_in(path, validate)
    if code is None:
        print(f"{path}: 检查通过 / valid")
        return 0
    return code


def cmd_nomination(args: argparse.Namespace) -> int:
    from competitions.nominations import validate_round_file

    return _validate_only(args.file, validate_round_file)


def cmd_survey(args: argparse.Namespace) -> int:
    from competitions.surveys.spec import validate_survey_file

    return _validate_only(args.file, validate_survey_file)


def cmd_competition(args: argparse.Namespace) -> int:
    if args.action == "list":
        return _list(args)
    if not args.file:
        print("错误 / error: 需要竞赛文件 / a competition file is required", file=sys.stderr)
        return 2
    from competitions import validate_competition_file

    path = Path(args.file)
    code = _problems_in(path, validate_competition_file)
    if code is not None:
        return code
    if args.action == "validate":
        print(f"{path}: 检查通过 / valid")
        return 0
    return _open(args, path)


def _open(args: argparse.Namespace, path: Path) -> int:
    from hub.cli.platform import load_platform
    from hub.competitions.admin import publish
    from hub.competitions.boards import spec_of
    from hub.store.db import session_scope, upgrade

    text = path.read_text(encoding="utf-8")
    platform = load_platform(args.config)
    platform.ensure_data_dir()
    upgrade(platform.db_url)
    with session_scope(platform.db_url) as s:
        row, changed = publish(s, text, str(path), f"cli:{getpass.getuser()}", args.reason,
                               data_dir=platform.data_dir)  # its folder sealed to root (hub/store/data_folder.py)
        slug, title, phases = row.slug, row.title, len(spec_of(row).phases)
    if not changed:
        print(f"竞赛已发布，内容未变 / already open, unchanged: {slug}")
        return 0
    print(f"已发布 / opened: {slug}  {title}  ({phases} 个阶段 / phases)")
    return 0


def _list(args: argparse.Namespace) -> int:
    from sqlalchemy import select

    from hub.cli.platform import load_platform
    from hub.store.db import session_scope
    from hub.store.orm import Competition

    platform = load_platform(args.config)
    with session_scope(platform.db_url) as s:
        for row in s.scalars(select(Competition).order_by(Competition.id)):
            opened = shown(row.opened_at) or "-"
            print(f"{row.slug}\t{row.title}\t{row.status}\t{opened}")
    return 0
