"""Test cells that cannot be fooled by objects whose ``__eq__`` always says yes.

While a test cell runs, each ``a == b`` / ``a != b`` in it becomes a call to a checker defined in the
same cell (so student code that ran before cannot have replaced it). The checker compares only values
of trusted types: builtins, and classes that really live in an imported module (numpy, ...), never
classes the submission defined. The cell's source in the autograded notebook is left as written.
"""
from __future__ import annotations

import ast

from nbgrader.preprocessors import Execute

CHECKER = '''
def __jinguo_eq(a, b):
    import sys as _s
    _type = (0).__class__.__class__
    _plain = {int, float, complex, str, bytes, bool, _type(None), list, tuple, dict, set, frozenset}
    def trusted(x, depth=0):
        cls = _type(x)
        if cls in _plain:
            if depth < 3 and cls in (list, tuple, set, frozenset):
                return all(trusted(v, depth + 1) for v in list(x)[:1000])
            if depth < 3 and cls is dict:
                return all(trusted(k, depth + 1) and trusted(v, depth + 1) for k, v in list(x.items())[:1000])
            return True
        mod = _s.modules.get(cls.__module__)
        return (cls.__module__ not in ("__main__", "builtins") and mod is not None
                and getattr(mod, "__file__", None) is not None and getattr(mod, cls.__name__, None) is cls)
    if not (trusted(a) and trusted(b)):
        raise AssertionError("比较中出现不可信的对象类型 / untrusted object type in a comparison: "
                             + _type(a).__name__ + ", " + _type(b).__name__)
    return a == b
'''


class _Rewrite(ast.NodeTransformer):
    def visit_Compare(self, node: ast.Compare) -> ast.AST:
        self.generic_visit(node)
        if len(node.ops) != 1 or not isinstance(node.ops[0], (ast.Eq, ast.NotEq)):
            return node
        call = ast.Call(func=ast.Name("__jinguo_eq", ast.Load()), args=[node.left, node.comparators[0]],
                        keywords=[])
        return ast.UnaryOp(ast.Not(), call) if isinstance(node.ops[0], ast.NotEq) else call


def strict_source(source: str) -> str:
    """The test cell as it runs; unchanged if it is not plain Python (e.g. IPython magics)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return source
    rewritten = ast.fix_missing_locations(_Rewrite().visit(tree))
    return CHECKER + "\n" + ast.unparse(rewritten)


def is_test_cell(cell) -> bool:
    meta = cell.metadata.get("nbgrader", {})
    return cell.cell_type == "code" and meta.get("grade") and not meta.get("solution")


class StrictExecute(Execute):
    """nbgrader's Execute step, running test cells through strict_source."""

    def preprocess_cell(self, cell, resources, index):
        if not is_test_cell(cell):
            return super().preprocess_cell(cell, resources, index)
        original = cell.source
        cell.source = strict_source(original)
        try:
            return super().preprocess_cell(cell, resources, index)
        finally:
            cell.source = original
