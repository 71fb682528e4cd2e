"""A lesson notebook as light HTML for a phone (issue 19): markdown, code shown read-only, outputs, charts as images.

Our own small renderer over nbformat instead of nbconvert's page template: nbconvert's "lab" page carries
~300 KB of CSS and MathJax; this is the cells and nothing else, well under the 150 KB first-load budget. The
notebooks are the catalogue's own (authored, not learners'), so their markdown and HTML outputs are shown as written.

Lessons are shipped without outputs; a phone cannot run them, so the page runs a lesson once (nbclient, in the
lessons folder, where its data files are) to show what the code prints and draws. That is the platform's own
package data, never a learner's code, and it is kept until the file changes.
"""
from __future__ import annotations

import functools
import html
import logging
import re
from pathlib import Path

import nbformat

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def _text(value) -> str:
    return "".join(value) if isinstance(value, list) else str(value or "")


@functools.lru_cache(maxsize=1)
def _mistune():
    import mistune  # nbconvert's own markdown library; its filter escapes CJK headings into entities (3× the bytes)

    return mistune.create_markdown(escape=False, plugins=["table", "strikethrough"])


def _markdown(cell) -> str:
    src = _text(cell.source)
    for name, data in (cell.get("attachments") or {}).items():  # pasted images travel inside the cell
        for mime, b64 in data.items():
            if mime.startswith("image/"):
                src = src.replace(f"attachment:{name}", f"data:{mime};base64,{_text(b64).strip()}")
                break
    return f'<div class="md">{_mistune()(src)}</div>'


def _output(out) -> str:
    kind = out.get("output_type")
    if kind == "stream":
        cls = "err" if out.get("name") == "stderr" else "out"
        return f'<pre class="{cls}">{html.escape(_text(out.get("text")))}</pre>'
    if kind == "error":
        text = _ANSI.sub("", f'{out.get("ename", "")}: {out.get("evalue", "")}')
        return f'<pre class="err">{html.escape(text)}</pre>'
    data = out.get("data") or {}
    for mime in ("image/png", "image/jpeg"):
        if mime in data:
            src = f"data:{mime};base64,{_text(data[mime]).strip()}"
            return f'<img class="chart" alt="图表 / chart" loading="lazy" src="{src}">'
    if "image/svg+xml" in data:
        return f'<div class="chart">{_text(data["image/svg+xml"])}</div>'
    if "text/html" in data:
        return f'<div class="html-out">{_text(data["text/html"])}</div>'
    if "text/plain" in data:
        return f'<pre class="out">{html.escape(_text(data["text/plain"]))}</pre>'
    return ""


def _run(nb, folder: Path, timeout: int = 120):
    """The notebook with its outputs: as stored when it has any, else run once; unrun when running fails."""
    if any(cell.get("outputs") for cell in nb.cells if cell.cell_type == "code"):
        return nb
    from nbclient import NotebookClient

    ran = nbformat.from_dict(nb)
    try:
        NotebookClient(ran, timeout=timeout, kernel_name="python3", allow_errors=True,
                       resources={"metadata": {"path": str(folder)}}).execute()
        return ran
    except Exception as exc:  # the text still teaches without the outputs
        logging.getLogger(__name__).warning("讲义运行失败 / could not run lesson %s: %s", folder, exc)
        return nb


@functools.lru_cache(maxsize=64)
def lesson_html(path: str, mtime: float) -> str:
    """The cells of a lesson notebook as HTML; kept while the file is unchanged (``mtime`` is the cache key)."""
    nb = _run(nbformat.read(path, as_version=4), Path(path).parent)
    parts = []
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            parts.append(_markdown(cell))
        elif cell.cell_type == "code":
            src = _text(cell.source).strip()
            if src:
                parts.append(f'<pre class="code" aria-label="代码 / code"><code>{html.escape(src)}</code></pre>')
            parts += [_output(o) for o in cell.get("outputs", [])]
    return "\n".join(p for p in parts if p)
