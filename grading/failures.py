"""Whose failure is it? A grading that raised is the submission's (``invalid``: counted against her limits, with
a reason) or the platform's (``error``: never counted, tried again by the platform service).

The rule, applied in ``pipeline.Worker.grade`` to what nbgrader raised while converting her notebook:

1. a failure of the machine itself is the platform's, whatever the notebook: the disk or a file (``OSError``,
   which includes a full disk), the gradebook (any SQLAlchemy error: locked, missing table), the sandbox
   (``GradingError``), the grader out of memory;
2. anything else is hers when the same sanitising steps nbgrader ran on her notebook (ClearOutput,
   DeduplicateIds, OverwriteKernelspec, OverwriteCells, CheckCellMetadata) go through on the course's own source
   notebook: the difference is in what she handed in (metadata of the wrong type or version, a graded cell made
   into another kind, ...);
3. when the source notebook fails them too, the course is broken: the platform's.
"""
from __future__ import annotations

import copy
from pathlib import Path

from grading.errors import GradingError
from grading.hidden import notebook_fragments, safe_message


def is_platform_failure(exc: BaseException) -> bool:
    try:
        from sqlalchemy.exc import SQLAlchemyError
    except ImportError:  # pragma: no cover - nbgrader depends on it
        SQLAlchemyError = ()  # type: ignore[assignment,misc]
    return isinstance(exc, (OSError, SQLAlchemyError, GradingError, MemoryError))


def source_goes_through(conv, source: Path, submitted_filename: str) -> bool:
    """Whether nbgrader's sanitising steps, as ``conv`` runs them, accept the course's source notebook (in memory,
    nothing written)."""
    import nbformat
    from nbconvert.exporters import NotebookExporter

    try:
        nb = nbformat.read(str(source), as_version=4)
        resources = conv.init_single_notebook_resources(submitted_filename)
        exporter = NotebookExporter(config=conv.config)
        for step in conv.sanitize_preprocessors:
            exporter.register_preprocessor(step, enabled=True)
        exporter.from_notebook_node(copy.deepcopy(nb), resources=resources)
    except Exception:  # noqa: BLE001 - any failure means the source itself does not pass
        return False
    return True


def her_reason(exc: BaseException, notebook: str, source: Path | None) -> tuple[str, str]:
    """(zh, en) for an ``invalid`` result: what nbgrader said, with no fragment of the hidden tests in it."""
    said = f"{type(exc).__name__}: {str(exc).strip().splitlines()[0] if str(exc).strip() else ''}"[:200]
    if source is not None:
        try:
            import nbformat

            said = safe_message(said, notebook_fragments(nbformat.read(str(source), as_version=4).cells))
        except Exception:  # noqa: BLE001 - without the source to compare with, say nothing of the detail
            said = type(exc).__name__
    return (f"nbgrader 无法处理提交的笔记本 {notebook}（{said}）：单元格的类型或评分元数据被改动过，"
            "请重新获取作业，把答案填回原来的单元格",
            f"nbgrader cannot process the submitted notebook {notebook} ({said}): a cell's type or grading "
            "metadata was changed; fetch the assignment again and put your answers back in its cells")
