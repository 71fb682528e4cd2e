"""Keeping hidden tests out of what a learner reads.

A hidden test's lines (between nbgrader's ``### BEGIN HIDDEN TESTS`` and ``### END HIDDEN TESTS``) must never
reach her: not through what the test printed, not through a traceback that quotes the test's source, not through
an assertion message that echoes the code or the expected value. Whatever a graded cell produced, the learner is
shown only a message that holds no fragment of the hidden code. Fragments, compared with all whitespace removed:

- *code*: every hidden line (stripped) and the source of every expression in it that is more than a plain name
  or a literal (a call ``合计([1, None, 2])``, a list, the whole comparison), four characters or more. Code never
  appears, not even in the assertion's own message (``assert f(x) == 2, "f(x) == 2"`` shows nothing);
- *values*: the literals of the hidden code (an expected ``0.75`` or ``"包装组"``; numbers of three characters
  or more, strings of four or more; never ``None``/``True``/``False``). A value may appear only inside the
  assertion's own message, which the test's author wrote for her: "1 和 2 的平均应为 1.5" is shown, a message
  "got 2, want 1.5" that some library made up is not.

A message holding a fragment is replaced by the generic "未通过 / failed".
"""
from __future__ import annotations

import ast
import re
import textwrap
from dataclasses import dataclass

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


@dataclass(frozen=True)
class Hidden:
    """What of the hidden code may not appear in a message (see the module's docstring); all normalised."""

    code: frozenset[str] = frozenset()
    values: frozenset[str] = frozenset()
    messages: frozenset[str] = frozenset()  # the literal text of the hidden assertions' own messages
    lines: frozenset[str] = frozenset()  # whole hidden lines (a subset of ``code``)

    def __or__(self, other: "Hidden") -> "Hidden":
        return Hidden(self.code | other.code, self.values | other.values, self.messages | other.messages,
                      self.lines | other.lines)


def fragments(code: str) -> Hidden:
    """The fragments of ``code`` (the hidden lines of one or more cells)."""
    lines = {f for f in (_norm(line) for line in code.splitlines()) if len(f) >= MIN_FRAGMENT}
    found, values, messages = set(lines), set(), set()
    try:
        tree = ast.parse(textwrap.dedent(code))
    except (SyntaxError, ValueError, RecursionError, MemoryError):  # IPython magics, a partial block: lines only
        tree = None
    if tree is not None:
        dedented = textwrap.dedent(code)
        in_message = set()
        for a in ast.walk(tree):
            if isinstance(a, ast.Assert) and a.msg is not None:
                for n in ast.walk(a.msg):
                    in_message.add(id(n))
                    if isinstance(n, ast.Constant) and isinstance(n.value, str) and _norm(n.value):
                        messages.add(_norm(n.value))
        for node in ast.walk(tree):
            if not isinstance(node, ast.expr) or id(node) in in_message:
                continue
            if isinstance(node, ast.Constant):
                value = node.value
                if value is None or isinstance(value, bool) or isinstance(value, (bytes, type(...))):
                    continue
                text = _norm(str(value))
                if len(text) >= (3 if isinstance(value, (int, float, complex)) else MIN_FRAGMENT):
                    values.add(text)
                continue
            if isinstance(node, (ast.Name, ast.Attribute)) and _is_dotted_name(node):
                continue
            if isinstance(node, ast.UnaryOp) and isinstance(node.operand, ast.Constant):  # -1.5: a value
                values.add(_norm(ast.get_source_segment(dedented, node) or ""))
                continue
            segment = ast.get_source_segment(dedented, node)
            if segment and len(_norm(segment)) >= MIN_FRAGMENT:
                found.add(_norm(segment))
    return Hidden(frozenset(found), frozenset(v for v in values if v), frozenset(messages), frozenset(lines))


def _is_dotted_name(node: ast.expr) -> bool:
    while isinstance(node, ast.Attribute):
        node = node.value
    return isinstance(node, ast.Name)


def leaks(text: str, hidden: Hidden) -> bool:
    flat = _norm(text)
    if any(f in flat for f in hidden.code):
        return True
    for own in sorted(hidden.messages, key=len, reverse=True):  # the author's words may carry values
        flat = flat.replace(own, "")
    return any(v in flat for v in hidden.values)


def safe_message(text: str, hidden: Hidden) -> str:
    """``text`` when it holds no fragment of the hidden code, else the generic "未通过 / failed"."""
    return GENERIC if leaks(text, hidden) else text


def notebook_fragments(cells, begin: str = BEGIN, end: str = END) -> Hidden:
    """Fragments of every hidden block in a notebook's cells (nbformat cells or dicts)."""
    found = Hidden()
    for cell in cells:
        source = cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else str(source)
        if begin in source:
            found = found | fragments(hidden_code(source, begin, end))
    return found
