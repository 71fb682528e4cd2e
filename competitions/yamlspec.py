"""Load a YAML spec into a pydantic model, reporting every problem with its field path and line.

Shared by competition, nomination and survey specs: one loader, one error format. Specs are uploaded by people,
so the loader takes only plain YAML: anchors and aliases (the "billion laughs" of a few hundred bytes that expand
into billions of nodes), more than ``MAX_NODES`` nodes or nesting deeper than ``MAX_DEPTH`` are refused with a
problem a person can act on, before anything is built.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

M = TypeVar("M", bound=BaseModel)


from competitions.problems import Problem, ProblemsError

SpecError = ProblemsError  # the name load_spec's callers know: every problem of a spec file (path, line, zh, en)


MAX_NODES = 50_000  # the largest shipped spec has a few hundred; a file past this is not a spec
MAX_DEPTH = 40  # specs nest a handful of levels; deeper is a file built to exhaust the parser's recursion


class _Refused(yaml.YAMLError):
    """A well-formed YAML file that the spec loader still will not build, with the reason in both languages."""

    def __init__(self, mark: yaml.Mark | None, zh: str, en: str):
        super().__init__(f"{zh} / {en}")
        self.mark, self.zh, self.en = mark, zh, en


class PlainLoader(yaml.SafeLoader):
    """PyYAML's safe loader without anchors and aliases, and with a bound on nodes and nesting: the composed
    tree is never bigger than the text, so loading costs what the file's size says."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._nodes = self._depth = 0

    def compose_node(self, parent: yaml.Node | None, index: object) -> yaml.Node:
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            raise _Refused(event.start_mark,
                           "不支持 YAML 的锚点和别名（& 和 *）：请把内容直接写出来",
                           "YAML anchors and aliases (& and *) are not accepted: write the content out in full")
        self._nodes += 1
        if self._nodes > MAX_NODES:
            raise _Refused(event.start_mark, f"文件的条目太多（超过 {MAX_NODES} 个），不像是一份规则文件",
                           f"the file has too many entries (over {MAX_NODES}); it is not a spec file")
        if self._depth >= MAX_DEPTH:
            raise _Refused(event.start_mark, f"嵌套层次太深（超过 {MAX_DEPTH} 层）",
                           f"nested too deeply (over {MAX_DEPTH} levels)")
        self._depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def parse_yaml(text: str) -> tuple[yaml.Node | None, Any]:
    """The composed tree (for line numbers) and the plain data of one YAML document, through PlainLoader.
    Raises yaml.YAMLError; a refusal of PlainLoader carries ``zh`` and ``en``."""
    loader = PlainLoader(text)
    try:
        node = loader.get_single_node()
        return node, (loader.construct_document(node) if node is not None else None)
    finally:
        loader.dispose()


def _node_lines(node: yaml.Node, prefix: tuple = (), out: dict | None = None) -> dict[tuple, int]:
    """Map every path in a composed YAML tree to its 1-based line."""
    out = {} if out is None else out
    out[prefix] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            k = key.value
            out[prefix + (k,)] = key.start_mark.line + 1
            _node_lines(value, prefix + (k,), out)
            out[prefix + (k,)] = key.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _node_lines(item, prefix + (i,), out)
    return out


def _line_for(lines: dict[tuple, int], loc: tuple) -> int | None:
    # An unknown path (a missing field) is reported at its nearest existing parent.
    for cut in range(len(loc), -1, -1):
        key = tuple(str(p) if not isinstance(p, int) else p for p in loc[:cut])
        if key in lines:
            return lines[key]
    return None


_EN_TO_ZH = {
    "missing": "缺少必填项",
    "extra_forbidden": "不认识的字段（拼写错误？）",
    "string_type": "应为文本",
    "int_type": "应为整数",
    "int_parsing": "应为整数",
    "float_parsing": "应为数字",
    "bool_parsing": "应为 true 或 false",
    "datetime_parsing": "时间格式不对，应如 2026-12-01T09:00:00+08:00",
    "datetime_from_date_parsing": "时间格式不对，应如 2026-12-01T09:00:00+08:00",
    "timezone_aware": "时间必须带时区，如 +08:00",
    "literal_error": "取值不在允许范围内",
    "enum": "取值不在允许范围内",
    "greater_than": "数值太小",
    "greater_than_equal": "数值太小",
    "less_than_equal": "数值太大",
    "string_too_short": "不能为空",
    "string_too_long": "太长",
    "too_short": "至少需要一项",
    "list_type": "应为列表",
    "dict_type": "应为键值映射",
    "model_type": "应为键值映射",
}


def load_spec(model: type[M], text: str | bytes, filename: str = "<spec>") -> M:
    """Parse and validate; raise SpecError listing every problem."""
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise SpecError([Problem("", "文件不是 UTF-8 编码", "file is not UTF-8 encoded")])
    try:
        node, data = parse_yaml(text)
    except _Refused as exc:
        raise SpecError([Problem("", exc.zh, exc.en, exc.mark.line + 1 if exc.mark else None)]) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else None
        raise SpecError([Problem("", f"YAML 语法错误：{getattr(exc, 'problem', exc)}",
                                 f"YAML syntax error: {getattr(exc, 'problem', exc)}", line)]) from None
    if node is None or not isinstance(data, dict):
        raise SpecError([Problem("", "文件为空或不是键值映射", "file is empty or not a mapping", 1)])
    lines = _node_lines(node)
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            loc = tuple(err["loc"])
            zh = err.get("ctx", {}).get("zh") or _EN_TO_ZH.get(err["type"], "取值无效")
            en = err["msg"].removeprefix("Value error, ")
            if err["type"] == "value_error" and "ctx" in err and isinstance(err["ctx"].get("error"), ValueError):
                zh, _, en2 = str(err["ctx"]["error"]).partition(" / ")
                en = en2 or en
            problems.append(Problem(".".join(str(p) for p in loc), zh, en, _line_for(lines, loc)))
        raise SpecError(problems) from None


def validate_file(model: type[BaseModel], path: str | Path) -> list[Problem]:
    """Every problem in a spec file; an empty list means it is valid."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        return [Problem("", f"无法读取文件：{exc.strerror}", f"cannot read file: {exc.strerror}")]
    try:
        load_spec(model, raw, str(path))
    except SpecError as exc:
        return exc.problems
    return []
