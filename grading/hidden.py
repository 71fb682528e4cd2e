"""Keeping hidden tests out of what a learner reads.

A hidden test's lines (between nbgrader's ``### BEGIN HIDDEN TESTS`` and ``### END HIDDEN TESTS``) must never
reach her: not through what the test printed, not through a traceback that quotes the test's source, not through
an assertion message that echoes the code or the expected value. Whatever a graded cell produced, the learner is
shown only a message that holds no *fragment* of the hidden code:

- every hidden line (stripped), and
- the source of every expression in the hidden code (a call ``合计([1, None, 2])``, a literal list, an expected
  value ``0.75``, the whole comparison), except plain names, ``None``/``True``/``False``, short literals (under
  four characters, such as ``3``) and the assertion's own message (``assert x == 1, "没有忽略空值"``: that text
  is written for her).

Fragments are compared with all whitespace removed. A message holding any of them is replaced by a generic
"未通过 / failed".
"""
from __future__ import annotations

import ast
import re
import textwrap

GENERIC = "未通过 / failed"
BEGIN, END = "BEGIN HIDDEN TESTS", "END HIDDEN TESTS"  # nbgrader's ClearHiddenTests defaults
MIN_FRAGMENT = 4
_SPACE = re.compile(r"\s+")
_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def _norm(text: str) -> str:
    return _SPACE.sub("", _ANSI.sub("", text))


def hidden_code(source: str, begin: str = BEGIN, end: str = END) -> str:
    """The lines of ``source`` inside hidden-test blocks (an unclosed block runs to the end, as nbgrader reads it)."""
    kept, inside = [], False
    for line in source.splitlines():
        if begin in line:
            inside = True
        elif end in line:
            inside = False
        elif inside:
            kept.append(line)
    return "\n".join(kept)


def fragments(code: str) -> set[str]:
    """What of ``code`` may never appear in a message, whitespace removed."""
    found = {_norm(line) for line in code.splitlines()}
    try:
        tree = ast.parse(textwrap.dedent(code))
    except (SyntaxError, ValueError, RecursionError, MemoryError):  # IPython magics, a partial block: lines only
        tree = None
    if tree is not None:
        messages = {id(n) for a in ast.walk(tree) if isinstance(a, ast.Assert) and a.msg is not None
                    for n in ast.walk(a.msg)}
        dedented = textwrap.dedent(code)
        for node in ast.walk(tree):
            if not isinstance(node, ast.expr) or id(node) in messages:
                continue
            if isinstance(node, (ast.Name, ast.Attribute)) and _is_dotted_name(node):
                continue
            if isinstance(node, ast.Constant) and (node.value is None or isinstance(node.value, bool)):
                continue
            segment = ast.get_source_segment(dedented, node)
            if segment:
                found.add(_norm(segment))
    return {f for f in found if len(f) >= MIN_FRAGMENT}


def _is_dotted_name(node: ast.expr) -> bool:
    while isinstance(node, ast.Attribute):
        node = node.value
    return isinstance(node, ast.Name)


def leaks(text: str, hidden: set[str]) -> bool:
    flat = _norm(text)
    return any(f in flat for f in hidden)


def safe_message(text: str, hidden: set[str]) -> str:
    """``text`` when it holds no fragment of the hidden code, else the generic "未通过 / failed"."""
    return GENERIC if leaks(text, hidden) else text


def notebook_fragments(cells) -> set[str]:
    """Fragments of every hidden block in a notebook's cells (nbformat cells or dicts)."""
    found: set[str] = set()
    for cell in cells:
        source = cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else str(source)
        if BEGIN in source:
            found |= fragments(hidden_code(source))
    return found
