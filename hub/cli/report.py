"""``jinguo report --out FILE.xlsx|FILE.pdf [--from DATE] [--to DATE] [--region R]``: the organizer's report of
participation and coverage, from the configured platform database.

Every refusal (bad date, unknown suffix or region, missing database) exits with 2 before anything is written; the
report itself goes to a temporary file next to the target and is renamed into place, so a crash or Ctrl-C never
leaves half a file under the organizer's chosen name.
"""
from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
from datetime import date
from pathlib import Path
from typing import Callable

SUFFIXES = (".xlsx", ".pdf")
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def register(sub: argparse._SubParsersAction) -> None:
    r = sub.add_parser("report", help="报表：参与与覆盖情况导出为 xlsx 或 PDF / reports: participation and coverage "
                                      "as xlsx or PDF")
    r.add_argument("--out", metavar="FILE", help="输出文件，后缀 .xlsx 或 .pdf / output file ending in .xlsx or .pdf")
    r.add_argument("--from", dest="date_from", type=report_date, metavar="DATE", help="起始日期（含）/ first day, YYYY-MM-DD")
    r.add_argument("--to", dest="date_to", type=report_date, metavar="DATE", help="截止日期（含）/ last day, YYYY-MM-DD")
    r.add_argument("--region", metavar="R", help="区域代码或名称，如 zhejiang / region code or name")
    r.set_defaults(func=cmd_report)


def report_date(text: str) -> date:
    """YYYY-MM-DD and a real day; argparse turns the refusal into exit code 2 with this message."""
    try:
        if not _DATE_RE.match(text):
            raise ValueError
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"日期格式应为 YYYY-MM-DD 且为有效日期，收到 {text!r} / a date must be a real day as YYYY-MM-DD, got {text!r}"
        ) from None


def _checked_output(args: argparse.Namespace) -> Path:
    """The --out file to write; a ReportError (exit 2, through the CLI's one answer to a refusal) for options that
    cannot make a report."""
    from hub.reports import ReportError

    if not args.out:
        raise ReportError(400, "no_out", "需要 --out 输出文件（.xlsx 或 .pdf）", "--out FILE.xlsx or FILE.pdf is required")
    out = Path(args.out)
    if out.suffix.lower() not in SUFFIXES:
        raise ReportError(400, "bad_out", f"不支持的文件类型 {out.suffix or '（无后缀）'}，请用 .xlsx 或 .pdf",
                          f"unsupported file type {out.suffix or '(none)'}; use .xlsx or .pdf")
    if not out.parent.is_dir():
        raise ReportError(400, "bad_out", f"目录不存在：{out.parent}", f"folder does not exist: {out.parent}")
    if args.date_from and args.date_to and args.date_from > args.date_to:
        raise ReportError(400, "bad_scope", "起始日期晚于截止日期", "--from is after --to")
    return out


def _write_atomically(out: Path, write: Callable[[Path], None]) -> None:
    fd, name = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".part", dir=out.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        write(tmp)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; the report gets the usual permissions
        os.replace(tmp, out)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def cmd_report(args: argparse.Namespace) -> int:
    out = _checked_output(args)
    from tqdm import tqdm

    from hub.cli.platform import load_platform
    from hub.store.db import session_scope
    from hub.reports import TABLE_BUILDERS, ReportError, ReportScope, resolve_region, write_pdf, write_xlsx

    platform = load_platform(args.config)
    url = platform.db_url
    if url.startswith("sqlite:///") and not Path(url.removeprefix("sqlite:///")).is_file():
        # Connecting would create an empty file; say what to do instead.
        raise ReportError(400, "no_database", f"数据库不存在：{url}，请先运行 jinguo db upgrade",
                          f"no database at {url}; run jinguo db upgrade")
    bar = tqdm(total=2 * len(TABLE_BUILDERS), desc="报表 report", unit="表", file=sys.stdout,
               disable=not sys.stdout.isatty())
    try:
        with session_scope(url) as s:
            code_name = resolve_region(s, args.region) if args.region else (None, "")
            scope = ReportScope(args.date_from, args.date_to, *code_name)
            tables = []
            for build in TABLE_BUILDERS:
                tables.append(build(s, scope))
                bar.update()
        done = lambda _table: bar.update()  # noqa: E731
        if out.suffix.lower() == ".pdf":
            _write_atomically(out, lambda tmp: write_pdf(tables, tmp, scope, on_table_done=done))
        else:
            _write_atomically(out, lambda tmp: write_xlsx(tables, tmp, scope, on_table_done=done))
    finally:  # a ReportError goes on to the CLI's one answer to a refusal (exit 2, like the checks above)
        bar.close()
    print(f"已生成报表 / report written: {out}（{len(tables)} 张表 / tables；{scope.describe()}）")
    return 0
