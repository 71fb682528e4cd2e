"""Hidden answers that never enter the sandbox.

A test cell's asserts of the forms below are rewritten by the grader before the runner is forked: only the
value under test (EXPR) is evaluated in the sandbox, where ``__jinguo_emit__(k, EXPR)`` sends it out as plain
data through the strict serializer (``_zygote._make_encoder``: exact numbers, str, bool, None, lists, tuples,
dicts, sets of them and numpy arrays as dtype/shape/values; anything else is refused). The comparison with
EXPECTED happens here, in the grading process, with Python's and numpy's own semantics. EXPECTED is not in the
source sent at fork time: an always-equal object, a float or list subclass, or code that reads frames,
memory or files in the kernel finds nothing to compare against and nothing to read.

Forms (one top-level statement of a test cell each; EXPECTED is a literal, or built from literals, numpy
``array``/``float``/``set``... of literals, ``math.pi``-like constants, and names the same cell assigns once
from such an expression):

    assert EXPR == EXPECTED [, "message"]           assert EXPECTED == EXPR [, "message"]
    assert math.isclose(EXPR, EXPECTED, rel_tol=.., abs_tol=..)    (also np.isclose)
    np.testing.assert_allclose(EXPR, EXPECTED, rtol=.., atol=..)   (also assert_array_equal, assert_equal,
                                                                    assert_almost_equal, assert_array_almost_equal)
    assert abs(EXPR - EXPECTED) < TOL               (also <=, and abs(EXPECTED - EXPR))

A cell with several asserts: each rewritable one becomes "emit the value", the others stay in the kernel
under the guard. The cell passes only if every assert passes. The first outside check that fails ends the
cell as Python would (its outputs after that point are dropped and its AssertionError, with the test's own
message, is the cell's error); statements after it still ran in the kernel, which cannot know the answer.
A name assigned for EXPECTED is kept out of the kernel unless something other than an EXPECTED position reads
it (the same cell, or a later test cell); then the assignment stays in the kernel and only the comparison
moves out.
"""
from __future__ import annotations

import ast
import copy
import decimal
import fractions
import math
import re
from dataclasses import dataclass, field

EMIT = "__jinguo_emit__"
_NUMPY_TESTS = {"assert_allclose", "assert_array_equal", "assert_equal", "assert_almost_equal",
                "assert_array_almost_equal"}
_CONSTANTS = {("math", "pi"): math.pi, ("math", "e"): math.e, ("math", "tau"): math.tau, ("math", "inf"): math.inf,
              ("math", "nan"): math.nan}


@dataclass
class Check:
    """One assert compared outside: which form, EXPECTED (a value, never sent to the kernel), its options."""

    k: int
    form: str  # "eq" | "isclose" | "np.isclose" | numpy testing function name | "absdiff"
    expected: object
    value_first: bool = True  # EXPR is the left / first operand
    options: dict = field(default_factory=dict)
    message: str | None = None
    line: int = 1


@dataclass
class CellPlan:
    kernel_source: str
    checks: list[Check]


class _NotConstant(Exception):
    pass


def plain_source(source: str) -> str:
    """The test as plain Python: IPython syntax (``%magic``, ``!cmd``) transformed by a fresh transformer
    manager here, outside, so nothing of her shell ever rewrites a test."""
    try:
        ast.parse(source)
        return source
    except SyntaxError:
        pass
    try:
        from IPython.core.inputtransformer2 import TransformerManager

        return TransformerManager().transform_cell(source)
    except Exception:  # a test that is not valid even for IPython: the kernel reports its SyntaxError
        return source


def _is_numpy(node: ast.AST) -> bool:
    return isinstance(node, ast.Name) and node.id in ("np", "numpy")


def _const(node: ast.AST, env: dict):
    """The value of an EXPECTED expression, computed here; _NotConstant when it reads anything of hers."""
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Name) and node.id in env:
        return copy.deepcopy(env[node.id])
    if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
        items = [_const(e, env) for e in node.elts if not isinstance(e, ast.Starred) or _raise()]
        return {ast.List: list, ast.Tuple: tuple, ast.Set: set}[type(node)](items)
    if isinstance(node, ast.Dict):
        if any(k is None for k in node.keys):
            raise _NotConstant
        return {_const(k, env): _const(v, env) for k, v in zip(node.keys, node.values)}
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        v = _const(node.operand, env)
        if not isinstance(v, (int, float, complex)):
            raise _NotConstant
        return -v if isinstance(node.op, ast.USub) else +v
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Sub, ast.Mult, ast.Div, ast.FloorDiv,
                                                            ast.Mod, ast.Pow)):
        a, b = _const(node.left, env), _const(node.right, env)
        if isinstance(node.op, ast.Pow) and (not isinstance(b, (int, float)) or abs(b) > 64):
            raise _NotConstant
        try:
            return {ast.Add: lambda: a + b, ast.Sub: lambda: a - b, ast.Mult: lambda: a * b, ast.Div: lambda: a / b,
                    ast.FloorDiv: lambda: a // b, ast.Mod: lambda: a % b, ast.Pow: lambda: a ** b}[type(node.op)]()
        except Exception:
            raise _NotConstant from None
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
        mod = "math" if _is_numpy(node.value) and node.attr in ("pi", "e", "inf", "nan") else node.value.id
        if (mod, node.attr) in _CONSTANTS:
            return _CONSTANTS[(mod, node.attr)]
        raise _NotConstant
    if isinstance(node, ast.Call) and not any(isinstance(a, ast.Starred) for a in node.args) and \
            all(k.arg is not None for k in node.keywords):
        args = [_const(a, env) for a in node.args]
        kwargs = {k.arg: _const(k.value, env) for k in node.keywords}
        f = node.func
        if isinstance(f, ast.Attribute) and _is_numpy(f.value) and f.attr in ("array", "asarray"):
            import numpy as np

            return np.array(*args, **kwargs)
        builders = {"float": float, "int": int, "set": set, "frozenset": frozenset, "tuple": tuple, "list": list,
                    "dict": dict, "round": round, "Decimal": decimal.Decimal, "Fraction": fractions.Fraction}
        name = f.id if isinstance(f, ast.Name) else (f.attr if isinstance(f, ast.Attribute) and isinstance(
            f.value, ast.Name) and f.value.id in ("decimal", "fractions") else None)
        if name in builders:
            try:
                return builders[name](*args, **kwargs)
            except Exception:
                raise _NotConstant from None
    raise _NotConstant


def _raise():
    raise _NotConstant


def _is_const(node, env) -> bool:
    try:
        _const(node, env)
        return True
    except (_NotConstant, RecursionError):
        return False


def _callee(node: ast.AST) -> str | None:
    """``math.isclose`` / ``np.isclose`` / ``np.testing.assert_allclose``... as a name, else None."""
    if not isinstance(node, ast.Call) or any(isinstance(a, ast.Starred) for a in node.args) or \
            any(k.arg is None for k in node.keywords):
        return None
    f = node.func
    if isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name):
        if f.value.id == "math" and f.attr == "isclose":
            return "isclose"
        if _is_numpy(f.value) and f.attr == "isclose":
            return "np.isclose"
    if isinstance(f, ast.Attribute) and f.attr in _NUMPY_TESTS and isinstance(f.value, ast.Attribute) and \
            f.value.attr == "testing" and _is_numpy(f.value.value):
        return f.attr
    return None


def _match(stmt: ast.stmt, env: dict):
    """(form, EXPR node, EXPECTED nodes, value_first, options, message) for a rewritable statement, else None."""
    if isinstance(stmt, ast.Assert):
        if stmt.msg is not None and not (isinstance(stmt.msg, ast.Constant) and isinstance(stmt.msg.value, str)):
            return None
        message = stmt.msg.value if stmt.msg is not None else None
        test = stmt.test
        if isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], ast.Eq):
            left, right = test.left, test.comparators[0]
            if _is_const(right, env) and not _is_const(left, env):
                return "eq", left, [right], True, {}, message
            if _is_const(left, env) and not _is_const(right, env):
                return "eq", right, [left], False, {}, message
            return None
        if isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], (ast.Lt, ast.LtE)):
            inner, tol = test.left, test.comparators[0]
            if isinstance(inner, ast.Call) and isinstance(inner.func, ast.Name) and inner.func.id == "abs" and \
                    len(inner.args) == 1 and not inner.keywords and isinstance(inner.args[0], ast.BinOp) and \
                    isinstance(inner.args[0].op, ast.Sub) and _is_const(tol, env):
                a, b = inner.args[0].left, inner.args[0].right
                options = {"tol": _const(tol, env), "op": "<" if isinstance(test.ops[0], ast.Lt) else "<="}
                if _is_const(b, env) and not _is_const(a, env):
                    return "absdiff", a, [b, tol], True, options, message
                if _is_const(a, env) and not _is_const(b, env):
                    return "absdiff", b, [a, tol], False, options, message
            return None
        form = _callee(test)
        if form in ("isclose", "np.isclose") and len(test.args) == 2 and \
                all(_is_const(k.value, env) for k in test.keywords):
            a, b = test.args
            options = {k.arg: _const(k.value, env) for k in test.keywords}
            if _is_const(b, env) and not _is_const(a, env):
                return form, a, [b, *[k.value for k in test.keywords]], True, options, message
            if _is_const(a, env) and not _is_const(b, env):
                return form, b, [a, *[k.value for k in test.keywords]], False, options, message
        return None
    if isinstance(stmt, ast.Expr):
        form = _callee(stmt.value)
        call = stmt.value
        if form in _NUMPY_TESTS and len(call.args) >= 2 and all(_is_const(a, env) for a in call.args[1:]) and \
                all(_is_const(k.value, env) for k in call.keywords) and not _is_const(call.args[0], env):
            options = {k.arg: _const(k.value, env) for k in call.keywords}
            options["args"] = [_const(a, env) for a in call.args[2:]]
            return form, call.args[0], call.args[1:] + [k.value for k in call.keywords], True, options, None
    return None


def _names_in(nodes) -> list[ast.Name]:
    return [n for node in nodes for n in ast.walk(node) if isinstance(n, ast.Name)]


def plan_cell(source: str, later_sources: list[str] = ()) -> CellPlan:
    """How test ``source`` runs: the source the kernel gets, and the checks compared outside."""
    source = plain_source(source)
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return CellPlan(source, [])
    if any(isinstance(n, ast.Name) and n.id.startswith("__jinguo_") for n in ast.walk(tree)):
        return CellPlan(source, [])
    stores: dict[str, int] = {}
    for n in ast.walk(tree):
        if isinstance(n, ast.Name) and isinstance(n.ctx, (ast.Store, ast.Del)):
            stores[n.id] = stores.get(n.id, 0) + 1
        elif isinstance(n, (ast.Import, ast.ImportFrom)):
            for a in n.names:
                stores[(a.asname or a.name).split(".")[0]] = 2
        elif isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            stores[n.name] = 2
    env: dict = {}
    assigned_at: dict[str, ast.stmt] = {}
    matches: list[tuple[ast.stmt, tuple]] = []
    for stmt in tree.body:
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name) and \
                stores.get(stmt.targets[0].id) == 1 and _is_const(stmt.value, env):
            env[stmt.targets[0].id] = _const(stmt.value, env)
            assigned_at[stmt.targets[0].id] = stmt
            continue
        found = _match(stmt, env)
        if found is not None:
            matches.append((stmt, found))
    # a constant name leaves the kernel only when nothing but EXPECTED positions read it
    expected_reads = {id(n) for _, found in matches for n in _names_in(found[2])}
    later = "\n".join(later_sources)
    strip = set()
    for name, stmt in assigned_at.items():
        reads = [n for n in ast.walk(tree) if isinstance(n, ast.Name) and n.id == name and isinstance(n.ctx, ast.Load)]
        if all(id(n) in expected_reads for n in reads) and not re.search(rf"\b{re.escape(name)}\b", later):
            strip.add(name)
    checks: list[Check] = []
    edits: list[tuple[ast.stmt, str]] = []
    for k, (stmt, (form, expr, exp_nodes, value_first, options, message)) in enumerate(matches):
        expected = _const(exp_nodes[0], env)
        checks.append(Check(k, form, expected, value_first, options, message, stmt.lineno))
        edits.append((stmt, f"{EMIT}({k}, ({_segment(source, expr)}))"))
    for name in strip:
        edits.append((assigned_at[name], "None"))
    return CellPlan(_splice(source, edits), checks)


def _offsets(source: str) -> list[int]:
    starts, total = [], 0
    for line in source.encode().splitlines(keepends=True):
        starts.append(total)
        total += len(line)
    return starts + [total]


def _segment(source: str, node: ast.AST) -> str:
    data, starts = source.encode(), _offsets(source)
    a = starts[node.lineno - 1] + node.col_offset
    b = starts[node.end_lineno - 1] + node.end_col_offset
    return data[a:b].decode()


def _splice(source: str, edits: list[tuple[ast.stmt, str]]) -> str:
    """Replace whole statements, keeping every other line where it was (tracebacks keep their line numbers)."""
    data, starts = source.encode(), _offsets(source)
    spans = []
    for stmt, text in edits:
        a = starts[stmt.lineno - 1] + stmt.col_offset
        b = starts[stmt.end_lineno - 1] + stmt.end_col_offset
        missing = data[a:b].count(b"\n") - text.count("\n")
        if missing > 0:  # pad inside the brackets, where newlines are free
            text = f"({text}{chr(10) * missing})"
        spans.append((a, b, text.encode()))
    for a, b, text in sorted(spans, reverse=True):
        data = data[:a] + text + data[b:]
    return data.decode()


# --- outside: the emitted value, rebuilt, and compared ------------------------------------------------------

def decode(node):
    """An emitted value (see ``_zygote._make_encoder``) as a Python / numpy object."""
    tag = node[0]
    if tag == "none":
        return None
    if tag == "b":
        return bool(node[1])
    if tag == "i":
        return int(node[1])
    if tag == "f":
        return float(node[1])
    if tag == "c":
        return complex(float(node[1]), float(node[2]))
    if tag == "s":
        return str(node[1])
    if tag == "y":
        return bytes.fromhex(node[1])
    if tag == "d":
        return decimal.Decimal(node[1])
    if tag == "q":
        return fractions.Fraction(int(node[1]), int(node[2]))
    if tag in ("l", "t", "e", "z"):
        items = [decode(x) for x in node[1]]
        return {"l": list, "t": tuple, "e": set, "z": frozenset}[tag](items)
    if tag in ("m", "o", "k"):
        import collections

        pairs = [(decode(k), decode(v)) for k, v in node[1]]
        return {"m": dict, "o": collections.OrderedDict, "k": lambda p: collections.Counter(dict(p))}[tag](pairs)
    if tag == "a":
        import numpy as np

        dtype, shape, data, scalar = np.dtype(node[1]), tuple(node[2]), node[3], node[4]
        if dtype.kind == "c":
            data = [complex(float(re_), float(im)) for re_, im in data]
        elif dtype.kind == "f":
            data = [float(x) for x in data]
        arr = np.array(data, dtype=dtype).reshape(shape)
        return arr[()] if scalar else arr
    raise ValueError(f"unknown tag {tag!r}")


def judge(check: Check, emitted: dict) -> tuple[str, str] | None:
    """None when the check passes; else (ename, evalue) of the error the cell gets. Messages never show
    EXPECTED: a hidden answer stays hidden in the notebook and in feedback."""
    if "refused" in emitted:
        return "UntrustedValue", str(emitted["refused"])
    try:
        value = decode(emitted["value"])
    except Exception:
        return "UntrustedValue", "送出的值无法识别 / the emitted value could not be read"
    expected = copy.deepcopy(check.expected)
    a, b = (value, expected) if check.value_first else (expected, value)
    try:
        if check.form == "eq":
            ok = bool(a == b)
        elif check.form == "isclose":
            ok = math.isclose(a, b, **check.options)
        elif check.form == "np.isclose":
            import numpy as np

            ok = bool(np.isclose(a, b, **check.options))
        elif check.form == "absdiff":
            diff = abs(a - b)
            ok = bool(diff < check.options["tol"]) if check.options["op"] == "<" else bool(diff <= check.options["tol"])
        elif check.form in _NUMPY_TESTS:
            import numpy as np

            options = dict(check.options)
            args = options.pop("args", [])
            try:
                getattr(np.testing, check.form)(a, b, *args, **options)
            except AssertionError as exc:
                return "AssertionError", _numpy_message(str(exc))
            return None
        else:
            return "UntrustedValue", f"unknown check {check.form}"
    except Exception as exc:  # as Python would raise it in the kernel: the cell errs with this error
        return type(exc).__name__, str(exc)
    if ok:
        return None
    return "AssertionError", check.message or ""


def _numpy_message(text: str) -> str:
    """numpy's failure message up to the lines that print the values (DESIRED is the hidden answer)."""
    keep = []
    for line in text.splitlines():
        if line.startswith(("Mismatch at", "Max absolute", "Max relative", " x:", " y:", " ACTUAL", " DESIRED",
                            "(shapes", "(mismatch")) or "ACTUAL" in line or "DESIRED" in line:
            break
        keep.append(line)
    return "\n".join(keep).strip()
