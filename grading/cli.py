"""``jinguo grade``: autograde an nbgrader assignment, sandboxed; results into the gradebook and JSON."""
from __future__ import annotations

import argparse
import json
import os
import sys

from grading.engine import autograde
from grading.errors import GradingError

_WARNING = ("\n" + "!" * 72 + "\n警告：--no-sandbox 会让提交的代码以评分进程的身份运行，可读写本机文件和网络。仅限开发！\n"
            "WARNING: --no-sandbox runs submitted code as the grader, with access to files and network. "
            "Development only!\n" + "!" * 72)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="jinguo grade",
        description="自动评分（与 nbgrader autograde 结果一致，在沙箱中运行）/ "
                    "autograde submissions, sandboxed, with nbgrader's scores")
    p.add_argument("assignment", metavar="ASSIGNMENT", help="作业名 / assignment name")
    p.add_argument("--course-dir", required=True, help="nbgrader 课程目录 / nbgrader course directory")
    p.add_argument("--student", action="extend", nargs="+", default=[], metavar="ID",
                   help="只评这些学员（可重复）/ only these students")
    p.add_argument("--workers", type=int, help="同时评分的数量 / submissions graded at once (default: CPU cores)")
    p.add_argument("--json", dest="json_file", help="把结果写入 JSON 文件 / write results to this JSON file")
    p.add_argument("--timeout", type=float, help="每个笔记本的最长秒数 / wall-clock seconds per notebook")
    p.add_argument("--backend", choices=["local", "celery"], default="local",
                   help="local 本机进程 | celery 分布式评分 / local processes or Celery workers")
    p.add_argument("--no-sandbox", action="store_true", help="不使用沙箱（仅开发）/ no sandbox (development only)")
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.no_sandbox:
        print(_WARNING, file=sys.stderr)
    interactive = sys.stderr.isatty() and os.environ.get("CI", "").lower() not in ("1", "true", "yes")
    try:
        results = autograde(args.course_dir, args.assignment, args.student or None, workers=args.workers,
                            timeout=args.timeout, sandbox=not args.no_sandbox, backend=args.backend,
                            progress=interactive)
    except GradingError as exc:
        print(f"错误 / error: {exc.zh} / {exc.en}", file=sys.stderr)
        return 2
    if args.json_file:
        with open(args.json_file, "w", encoding="utf-8") as fh:
            json.dump([r.to_json() for r in results], fh, ensure_ascii=False, indent=1)
    counts: dict[str, int] = {}
    for r in results:
        counts[r.status] = counts.get(r.status, 0) + 1
    summary = ", ".join(f"{k} {v}" for k, v in sorted(counts.items())) or "none"
    print(f"已评分 {len(results)} 份 / graded {len(results)} submissions: {summary}")
    return 0


def worker_main(argv: list[str] | None = None) -> int:
    """``jinguo grading-worker``: a Celery worker taking one submission at a time per process."""
    p = argparse.ArgumentParser(prog="jinguo grading-worker",
                                description="启动 Celery 评分进程 / start a Celery grading worker")
    p.add_argument("--broker", help="消息队列地址 / broker URL (env JINGUO_BROKER_URL, default redis://127.0.0.1:6379/0)")
    p.add_argument("--queue", help="队列名 / queue (env JINGUO_GRADING_QUEUE, default jinguo-grading)")
    p.add_argument("--concurrency", type=int, default=int(os.environ.get("JINGUO_GRADING_CONCURRENCY", os.cpu_count() or 1)),
                   help="进程数 / worker processes (env JINGUO_GRADING_CONCURRENCY, default: CPU cores)")
    args = p.parse_args(argv)
    if args.broker:
        os.environ["JINGUO_BROKER_URL"] = args.broker
    if args.queue:
        os.environ["JINGUO_GRADING_QUEUE"] = args.queue
    from grading.celery_app import app

    app.worker_main(["worker", "--loglevel=INFO", f"--concurrency={args.concurrency}", "--prefetch-multiplier=1",
                     "-Q", app.conf.task_default_queue, "--without-gossip", "--without-mingle", "-n",
                     f"jinguo-grading-{os.getpid()}@%h"])
    return 0
