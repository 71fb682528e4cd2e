"""What a submitted folder must be before it is graded. Anything else is ``invalid`` with a reason in Chinese and
English, and counts as a hand-in: a file that is not a notebook, one that no JSON parser should walk (nested
100,000 levels deep), links that would carry course files into the sandbox, cells renamed or re-flagged.

Nothing here raises for a bad submission: whatever her bytes are, she gets a reason and the run goes on. Only a
failure of the platform itself (her file cannot be read from the disk, the source notebook is broken) is
``error``.
"""
from __future__ import annotations

import functools
import json
import os
import warnings
from pathlib import Path

from grading.results import GradeResult

# Deeper JSON than this is no notebook Jupyter writes (a cell's metadata is a handful of levels); parsing or
# copying it would exhaust Python's recursion limit in nbformat or nbgrader.
MAX_JSON_DEPTH = 100


def invalid(student: str, assignment: str, zh: str, en: str) -> GradeResult:
    return GradeResult(student, assignment, 0.0, 0.0, "invalid", f"{zh} / {en}")


class Refused(Exception):
    """Raised inside this module only: the submission is invalid for the reason (zh, en)."""

    def __init__(self, zh: str, en: str):
        super().__init__(f"{zh} / {en}")
        self.zh, self.en = zh, en


def check_submission(course: Path, folder: Path, student: str, assignment: str, max_mb: float,
                     max_cells: int = 2000) -> GradeResult | None:
    """None when the submission can be graded, else an ``invalid`` result saying why (zh / en); an ``error``
    result when the platform could not read it (a disk error: not hers, never counted)."""
    try:
        _check(course, folder, assignment, max_mb, max_cells)
    except Refused as why:
        return invalid(student, assignment, why.zh, why.en)
    except (OSError, SourceBroken) as exc:
        return GradeResult(student, assignment, 0.0, 0.0, "error",
                           f"读取提交或源作业时出错 / the submission or the source could not be read: {exc}"[:300])
    except Exception as exc:  # noqa: BLE001 - whatever else her bytes provoke is hers, and never stops the run
        return invalid(student, assignment, f"无法读取这份提交（{type(exc).__name__}）",
                       f"the submission cannot be read ({type(exc).__name__})")
    return None


class SourceBroken(Exception):
    """The source notebook itself cannot be read: the course's problem, not hers."""


def _check(course: Path, folder: Path, assignment: str, max_mb: float, max_cells: int) -> None:
    _regular_files_only(folder)
    notebooks = sorted(folder.glob("*.ipynb"))
    if not notebooks:
        raise Refused("提交中没有笔记本文件", "the submission holds no notebook")
    expected = {p.name for p in (course / "source" / assignment).glob("*.ipynb")}
    if not expected & {p.name for p in notebooks}:
        raise Refused(f"提交的笔记本名称与作业不符（应为 {', '.join(sorted(expected))}）",
                      f"no submitted notebook has the assignment's name (expected {', '.join(sorted(expected))})")
    for nb in notebooks:
        doc = read_notebook(nb, max_mb, max_cells)
        source = course / "source" / assignment / nb.name
        if source.exists():
            try:
                want = _source_cells(str(source), source.stat().st_mtime_ns)
            except Exception as exc:
                raise SourceBroken(f"source/{assignment}/{nb.name}: {type(exc).__name__}") from exc
            bad = _graded_cells_differ(want, doc, nb.name)
            if bad:
                raise Refused(*bad)


def _regular_files_only(folder: Path) -> None:
    """Refuse symbolic links and special files anywhere in the folder (nbgrader would copy what a link points
    at, say the course's source notebook with its hidden tests, into the sandbox; a fifo would hang the copy)."""
    for where in (folder.parent, folder):
        if where.is_symlink():
            raise Refused(f"提交文件夹 {where.name} 是符号链接，不予接受", f"the submission folder {where.name} is a symbolic link")
    path = odd_file(folder)
    if path is not None:
        rel = path.relative_to(folder).as_posix()
        if path.is_symlink():
            raise Refused(f"提交中有符号链接 {rel}：不接受链接，请提交文件本身",
                          f"the submission holds a symbolic link, {rel}: links are not accepted, hand in the file itself")
        raise Refused(f"提交中有特殊文件 {rel}（管道、设备或套接字）", f"the submission holds a special file, {rel} (fifo, device or socket)")


def odd_file(folder: Path) -> Path | None:
    """The first symbolic link or special file (fifo, device, socket) under ``folder``, never following a link."""
    for root, dirs, files in os.walk(folder, followlinks=False):
        for name in dirs + files:
            path = Path(root, name)
            if path.is_symlink() or not (path.is_dir() or path.is_file()):
                return path
    return None


def read_notebook(path: Path, max_mb: float, max_cells: int):
    """Her notebook as nbformat reads it, or Refused with the reason. OSError (the disk) goes to the caller."""
    import nbformat

    name = path.name
    if path.stat().st_size > max_mb * 1024 * 1024:
        raise Refused(f"{name} 超过 {max_mb:g} MB", f"{name} is larger than {max_mb:g} MB")
    data = path.read_bytes()
    if data.startswith(b"\xef\xbb\xbf"):
        raise Refused(f"{name} 以 UTF-8 BOM 开头，不是 Jupyter 保存的笔记本（请在 JupyterLab 中重新保存）",
                      f"{name} starts with a UTF-8 byte order mark: not as Jupyter saves a notebook (save it again in JupyterLab)")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise Refused(f"{name} 不是 UTF-8 文本", f"{name} is not UTF-8 text") from None
    try:
        raw = json.loads(text)
    except RecursionError:
        raise Refused(f"{name} 的 JSON 嵌套过深", f"{name} nests its JSON too deeply") from None
    except ValueError:
        raise Refused(f"{name} 不是有效的 JSON", f"{name} is not valid JSON") from None
    if _depth_over(raw, MAX_JSON_DEPTH):
        raise Refused(f"{name} 的 JSON 嵌套超过 {MAX_JSON_DEPTH} 层", f"{name} nests its JSON more than {MAX_JSON_DEPTH} levels deep")
    if isinstance(raw, dict) and isinstance(raw.get("cells"), list) and len(raw["cells"]) > max_cells:
        raise Refused(f"{name} 有 {len(raw['cells'])} 个单元格，超过上限 {max_cells}",
                      f"{name} has {len(raw['cells'])} cells, more than the limit of {max_cells}")
    try:
        with warnings.catch_warnings():  # nbformat warns of what it repairs (duplicate cell ids), as nbgrader will
            warnings.simplefilter("ignore")
            doc = nbformat.reads(text, as_version=4)
            nbformat.validate(doc)
    except Exception as exc:  # nbformat raises several kinds for "not a notebook"
        raise Refused(f"{name} 不是有效的笔记本：{type(exc).__name__}", f"{name} is not a valid notebook: {type(exc).__name__}") from None
    for i, cell in enumerate(doc.cells):
        meta = cell.metadata.get("nbgrader")
        if meta is not None and not isinstance(meta, dict):
            raise Refused(f"{name} 第 {i + 1} 个单元格的 nbgrader 元数据不是对象",
                          f"{name}: the nbgrader metadata of cell {i + 1} is not an object")
    return doc


def _depth_over(value, limit: int) -> bool:
    """Whether the JSON value nests deeper than ``limit`` (walked without recursion)."""
    todo = [(value, 1)]
    while todo:
        item, depth = todo.pop()
        if isinstance(item, (dict, list)):
            if depth > limit:
                return True
            todo.extend((v, depth + 1) for v in (item.values() if isinstance(item, dict) else item))
    return False


def _graded_cells(doc) -> dict[str | None, tuple[bool, bool]]:
    """grade_id -> (grade, solution) flags of every graded or answer cell; of cells sharing a grade_id the first
    counts, as nbgrader's DeduplicateIds keeps it."""
    cells: dict[str | None, tuple[bool, bool]] = {}
    for c in doc.cells:
        meta = c.metadata.get("nbgrader", {})
        if isinstance(meta, dict) and (meta.get("grade") or meta.get("solution")):
            gid = meta.get("grade_id")
            cells.setdefault(gid if isinstance(gid, str) or gid is None else repr(gid),
                             (bool(meta.get("grade")), bool(meta.get("solution"))))
    return cells


@functools.lru_cache(maxsize=64)
def _source_cells(path: str, mtime_ns: int) -> dict[str | None, tuple[bool, bool]]:
    import nbformat

    return _graded_cells(nbformat.read(path, as_version=4))


def _graded_cells_differ(expected: dict[str | None, tuple[bool, bool]], submitted, name: str) -> tuple[str, str] | None:
    """(zh, en) when a graded or answer cell of the source is missing from the submission, renamed in it, or has
    had its grade/answer flags changed: nbgrader would fail on it ("Inconsistent checksums") or score it
    against the wrong cell."""
    found = _graded_cells(submitted)
    missing = sorted(i for i in expected.keys() - found.keys() if i)
    unknown = sorted(str(i) for i in found.keys() - expected.keys())
    changed = sorted(str(i) for i in found.keys() & expected.keys() if found[i] != expected[i])
    if not missing and not unknown and not changed:
        return None
    parts_zh, parts_en = [], []
    if missing:
        parts_zh.append(f"缺少评分单元格 {', '.join(missing)}")
        parts_en.append(f"graded cells missing: {', '.join(missing)}")
    if unknown:
        parts_zh.append(f"有被改名或无法识别的评分单元格 {', '.join(unknown)}")
        parts_en.append(f"renamed or unknown graded cells: {', '.join(unknown)}")
    if changed:
        parts_zh.append(f"评分单元格 {', '.join(changed)} 的评分/答案标记被改动")
        parts_en.append(f"the grade/answer flags of graded cells {', '.join(changed)} were changed")
    return (f"{name}：{'；'.join(parts_zh)}（请重新获取作业，把答案填回原来的单元格）",
            f"{name}: {'; '.join(parts_en)} (fetch the assignment again and put your answers back in its cells)")
