"""Grading a whole assignment: check every submission, autograde the valid ones in parallel, each in a
fresh sandboxed kernel, through nbgrader's own Autograde converter (so the gradebook, ``autograded/``,
``nbgrader export``, ``generate_feedback`` and formgrader all work unchanged), then report.
"""
from __future__ import annotations

import json
import multiprocessing as mp
import os
import signal
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable

import nbformat

from grading.config import GradingSettings, SandboxLimits
from grading.errors import CourseError
from grading.sandbox import check_sandbox


@dataclass
class CellResult:
    notebook: str
    cell: str
    points: float
    max_points: float
    passed: bool


@dataclass
class GradeResult:
    student: str
    assignment: str
    score: float
    max_score: float
    status: str  # graded | timeout | error | invalid
    message: str = ""
    cells: list[CellResult] = field(default_factory=list)

    def to_json(self) -> dict:
        return asdict(self)


def _invalid(student: str, assignment: str, zh: str, en: str) -> GradeResult:
    return GradeResult(student, assignment, 0.0, 0.0, "invalid", f"{zh} / {en}")


def check_course(course_dir: Path, assignment: str) -> None:
    if not (course_dir / "source" / assignment).is_dir():
        raise CourseError(f"找不到源作业 source/{assignment}", f"source assignment source/{assignment} not found")
    if not (course_dir / "gradebook.db").exists():
        raise CourseError("找不到成绩册 gradebook.db：请先运行 nbgrader generate_assignment",
                          "gradebook.db not found: run nbgrader generate_assignment first")


def check_submission(folder: Path, student: str, assignment: str, max_mb: float) -> GradeResult | None:
    """None when every notebook can be graded, else an ``invalid`` result saying why."""
    notebooks = sorted(folder.glob("*.ipynb"))
    if not notebooks:
        return _invalid(student, assignment, "提交中没有笔记本文件", "the submission holds no notebook")
    for nb in notebooks:
        if nb.stat().st_size > max_mb * 1024 * 1024:
            return _invalid(student, assignment, f"{nb.name} 超过 {max_mb:g} MB", f"{nb.name} is larger than {max_mb:g} MB")
        try:
            text = nb.read_bytes().decode("utf-8")
        except UnicodeDecodeError:
            return _invalid(student, assignment, f"{nb.name} 不是 UTF-8 文本", f"{nb.name} is not UTF-8 text")
        try:
            json.loads(text)
        except ValueError:
            return _invalid(student, assignment, f"{nb.name} 不是有效的 JSON", f"{nb.name} is not valid JSON")
        try:
            nbformat.validate(nbformat.reads(text, as_version=4))
        except Exception as exc:  # nbformat raises several kinds for "not a notebook"
            return _invalid(student, assignment, f"{nb.name} 不是有效的笔记本：{type(exc).__name__}",
                            f"{nb.name} is not a valid notebook: {type(exc).__name__}")
    return None


def _nbgrader_config(course_dir: Path, limits: SandboxLimits, sandbox: bool):
    from traitlets.config import Config

    cfg = Config()
    cfg.CourseDirectory.root = str(course_dir)
    cfg.Execute.timeout = limits.cell_timeout
    from nbconvert.preprocessors import ClearMetadataPreprocessor
    from nbgrader.preprocessors import (AssignLatePenalties, CheckCellMetadata, IgnorePattern, LimitOutput,
                                        SaveAutoGrades)

    from grading.strict import StrictExecute

    # nbgrader's own autograde steps, with only the execution step made strict.
    cfg.Autograde.autograde_preprocessors = [StrictExecute, IgnorePattern, ClearMetadataPreprocessor,
                                             LimitOutput, SaveAutoGrades, AssignLatePenalties, CheckCellMetadata]
    if sandbox:
        cfg.Execute.kernel_manager_class = "grading.sandbox.SandboxKernelManager"
        cfg.SandboxKernelManager.limits = limits
    return cfg


def _grade_one(course_dir: str, assignment: str, student: str, limits: SandboxLimits, sandbox: bool,
               conn) -> None:
    """Runs in a forked child: one submission through nbgrader's Autograde converter."""
    os.setsid()  # so a timeout can end the whole process group, kernel included
    os.chdir(course_dir)
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory

    cfg = _nbgrader_config(Path(course_dir), limits, sandbox)
    # nbgrader reads the course's own nbgrader_config.py too, as `nbgrader autograde` would.
    api = NbGraderAPI(CourseDirectory(config=cfg), config=cfg)
    result = api.autograde(assignment, student, force=True, create=True)
    conn.send({"success": bool(result.get("success")), "error": result.get("error") or "",
               "log": (result.get("log") or "")[-4000:]})
    conn.close()


def _read_scores(course_dir: Path, assignment: str, results: dict[str, GradeResult]) -> None:
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course_dir / 'gradebook.db'}") as gb:
        for student, res in results.items():
            if res.status == "invalid":
                continue
            try:
                sub = gb.find_submission(assignment, student)
            except Exception:
                continue
            res.score, res.max_score = float(sub.score), float(sub.max_score)
            for nb in sub.notebooks:
                for g in nb.grades:
                    if g.auto_score is None and g.manual_score is None:
                        continue
                    res.cells.append(CellResult(nb.name, g.name, float(g.score), float(g.max_score),
                                                float(g.score) >= float(g.max_score)))


def autograde(course_dir: str | Path, assignment: str, students: list[str] | None = None, *,
              workers: int | None = None, timeout: float | None = None, sandbox: bool = True,
              backend: str = "local", progress: bool | Callable[[GradeResult], None] = False,
              limits: SandboxLimits | None = None, settings: GradingSettings | None = None) -> list[GradeResult]:
    """Grade every submission of ``assignment`` (or only ``students``); one result per submission."""
    course = Path(course_dir).resolve()
    check_course(course, assignment)
    if backend != "local":
        from grading.errors import GradingError

        raise GradingError("此版本只支持本机评分（local）", "only the local backend is available in this version")
    limits = limits or SandboxLimits()
    settings = settings or GradingSettings()
    if timeout is not None:
        limits.notebook_timeout = int(timeout)
    if sandbox:
        check_sandbox(limits.bwrap, limits.sandbox_uid)
    submitted = course / "submitted"
    found = sorted(p.parent.name for p in submitted.glob(f"*/{assignment}") if p.is_dir())
    wanted = [s for s in found if not students or s in students]
    results: dict[str, GradeResult] = {}
    todo = []
    for student in wanted:
        bad = check_submission(submitted / student / assignment, student, assignment, settings.max_notebook_mb)
        if bad:
            results[student] = bad
        else:
            results[student] = GradeResult(student, assignment, 0.0, 0.0, "error")
            todo.append(student)
    n_notebooks = max(1, len(list((course / "source" / assignment).glob("*.ipynb"))))
    deadline_each = limits.notebook_timeout * n_notebooks + 30
    report = progress if callable(progress) else None
    bar = None
    if progress is True:
        from tqdm import tqdm

        bar = tqdm(total=len(wanted), unit="份", desc=f"评分 {assignment}")
        bar.update(len(wanted) - len(todo))
    ctx = mp.get_context("fork")
    running: dict[str, tuple] = {}
    pending = list(todo)
    n = max(1, workers or settings.workers)
    while pending or running:
        while pending and len(running) < n:
            student = pending.pop(0)
            parent_end, child_end = ctx.Pipe(duplex=False)
            proc = ctx.Process(target=_grade_one, args=(str(course), assignment, student, limits, sandbox, child_end))
            proc.start()
            child_end.close()
            running[student] = (proc, parent_end, time.monotonic() + deadline_each)
        time.sleep(0.01)
        for student, (proc, conn, deadline) in list(running.items()):
            res = results[student]
            if conn.poll():
                try:
                    out = conn.recv()
                except EOFError:
                    out = {"success": False, "error": "grader process ended early"}
                proc.join()
                res.status = "graded" if out["success"] else "error"
                if not out["success"] and "Timeout" in (out.get("error", "") + out.get("log", "")):
                    res.status = "timeout"
                    res.message = (f"有代码单元运行超过 {limits.cell_timeout} 秒，已停止 / "
                                   f"a cell ran longer than {limits.cell_timeout} s and was stopped")
                elif not out["success"]:
                    last = (out.get("error") or out.get("log") or "").strip().splitlines()[-1:] or [""]
                    res.message = f"评分出错 / grading failed: {last[0][:300]}"
            elif not proc.is_alive():
                res.message = "评分进程意外退出 / the grader process died"
            elif time.monotonic() > deadline:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.join()
                res.status = "timeout"
                res.message = (f"超过 {limits.notebook_timeout} 秒仍未完成，已停止 / "
                               f"stopped after {limits.notebook_timeout} s")
            else:
                continue
            del running[student]
            if bar:
                bar.update(1)
            if report:
                report(res)
    if bar:
        bar.close()
    _read_scores(course, assignment, results)
    return [results[s] for s in wanted]
