"""Hidden answers compared outside the sandbox (grading/expected.py).

First in process: every test form, rewritten and judged outside, says what Python itself says about the same
assert (floats, ints vs floats, dicts, sets, numpy arrays, tolerances), and hostile values are refused. Then
for real, sandboxed: scores equal ``nbgrader autograde``'s for honest work; hostile values earn nothing; and a
submission that scans its own process memory never finds the hidden expected answer.
"""
from __future__ import annotations

import builtins
import collections
import decimal
import fractions
import json
import math
import os

import nbformat
import numpy as np
import pytest

from tests.grading.corpus import OUTSIDE, OUTSIDE_KINDS, copy_course, make_course, nbgrader_autograde, scores

SANDBOX = pytest.mark.skipif(os.geteuid() != 0, reason="the sandbox switches to an unprivileged uid: run as root")


def ENCODE(value):  # noqa: N802 — the kernel's strict serializer, run here
    from grading import _zygote

    return _zygote._make_encoder(_zygote._plain_types(), dict(builtins.__dict__), dict(_zygote._LIMITS))(value)


def plan_cell(source, later_sources=()):
    from grading.expected import plan_cell

    return plan_cell(source, later_sources)


def judge(check, data):
    from grading.expected import judge

    return judge(check, data)


def python_says(source: str, value) -> str | None:
    """What running the test cell does in Python: None, or the name of the error it raises."""
    ns = {"f": lambda *a: value, "np": np, "math": math}
    try:
        exec(source, ns)
    except Exception as exc:
        return type(exc).__name__
    return None


def we_say(source: str, value) -> str | None:
    """The same cell as the grader runs it: EXPR in the 'kernel' (here), its value through the strict
    serializer, the comparison outside."""
    plan = plan_cell(source)
    assert plan.checks, f"not rewritten: {source}"
    emitted: list = []
    ns = {"f": lambda *a: value, "np": np, "math": math,
          "__jinguo_emit__": lambda k, v: emitted.append((k, json.loads(json.dumps(ENCODE(v)))))}
    assert "EXPECTED" not in plan.kernel_source
    try:
        exec(plan.kernel_source, ns)
    except Exception as exc:
        return type(exc).__name__
    for k, data in emitted:
        failed = judge(plan.checks[k], data)
        if failed:
            return "ValueError" if failed[0] == "ValueError" else failed[0]
    return None


CASES = [
    ("assert f() == 0.3", 0.1 + 0.2), ("assert f() == 0.3", 0.3), ("assert f() == 1.0", 1), ("assert 1 == f()", 1.0),
    ("assert f() == 1", True), ("assert f() == 2", 2.0000000001), ("assert f() == float('nan')", math.nan),
    ("assert f() == {'王': 25.0, '李': 26}", {"李": 26.0, "王": 25}), ("assert f() == {'a', 'b'}", {"b", "a"}),
    ("assert f() == {'a', 'b'}", frozenset({"a", "b"})), ("assert f() == [1, 2]", (1, 2)), ("assert f() == (1, 2)", (1, 2)),
    ("assert f() == 'abc'", "abc"), ("assert f() == None", None), ("assert f() == [[1, 2], [3]]", [[1, 2], [3]]),
    ("assert f() == {'a': 1}", collections.Counter(a=1)), ("assert f() == {'a': [1]}", collections.OrderedDict(a=[1])),
    ("assert f() == 0.5", decimal.Decimal("0.5")), ("assert f() == 0.5", fractions.Fraction(1, 2)),
    ("assert f() == 10 ** 30", 10 ** 30), ("assert f() == 1 + 2j", complex(1, 2)),
    ("assert f() == 4.0", np.float64(4.0)), ("assert f() == 4", np.int64(4)), ("assert f() == True", np.bool_(True)),
    ("assert f() == [1.1, 2.2]", np.array([1.1, 2.2])), ("assert f() == [1.5]", np.array([1.5])),
    ("assert f() == 3", np.array(3)),
    ("import math\nassert math.isclose(f(), 1.0)", 1.0 + 1e-10), ("assert math.isclose(f(), 1.0)", 1.0 + 1e-8),
    ("assert math.isclose(f(), 1.0, rel_tol=1e-6)", 1.0 + 1e-7), ("assert math.isclose(f(), 0, abs_tol=1e-3)", 1e-4),
    ("assert math.isclose(f(), 1.0)", "1.0"), ("assert np.isclose(f(), 2.0)", 2.0 + 1e-9),
    ("np.testing.assert_allclose(f(), [1.0, 2.0])", [1.0 + 5e-8, 2.0]),
    ("np.testing.assert_allclose(f(), [1.0, 2.0])", [1.0 + 5e-7, 2.0]),
    ("np.testing.assert_allclose(f(), [1.0, 2.0], rtol=1e-3)", np.array([1.0005, 2.0])),
    ("np.testing.assert_allclose(f(), [1.0, 2.0])", [1.0]), ("np.testing.assert_array_equal(f(), [1, 2])", [1, 2]),
    ("np.testing.assert_array_equal(f(), [1, 2])", [1, 3]),
    ("assert abs(f() - 1.5) < 1e-9", 1.5), ("assert abs(f() - 1.5) < 1e-9", 1.6), ("assert abs(1.5 - f()) <= 0.1", 1.6),
    ("assert abs(f() - 1.5) < 1e-9", "x"),
    ("expected = [1, 2, 3]\nassert f() == expected, '不对'", [1, 2, 3]),
    ("expected = [1, 2, 3]\nassert f() == expected, '不对'", [1, 2]),
]


@pytest.mark.parametrize("source,value", CASES, ids=[f"{i}" for i in range(len(CASES))])
def test_outside_comparison_says_what_python_says(source, value):
    assert we_say(source, value) == python_says(source, value)


def test_an_array_compared_with_double_equals_is_ambiguous_as_in_python():
    assert python_says("assert f() == [1, 2]", np.array([1, 2])) == "ValueError"
    assert we_say("assert f() == [1, 2]", np.array([1, 2])) == "ValueError"


class Yes:
    def __eq__(self, other):
        return True

    __hash__ = object.__hash__


class SneakyFloat(float):
    def __eq__(self, other):
        return True

    __hash__ = float.__hash__


class SneakyList(list):
    def __eq__(self, other):
        return True


@pytest.mark.parametrize("value", [Yes(), SneakyFloat(1.0), SneakyList([1]), [1, Yes()], {"a": SneakyFloat(2)},
                                   np.array([Yes()], dtype=object), {1: {2: {3: [Yes()]}}}, [0] * 1500 + [Yes()]])
def test_hostile_values_are_refused_never_compared(value):
    """In Python each of these passes `assert f() == ...`; outside, they are not even data."""
    source = "assert f() == [1]" if not isinstance(value, dict) else "assert f() == {'a': 2}"
    plan = plan_cell(source)
    data = ENCODE(value)
    assert "refused" in data and " / " in data["refused"]
    assert judge(plan.checks[0], json.loads(json.dumps(data)))[0] == "UntrustedValue"


def test_expected_never_reaches_the_kernel_source_and_mixed_cells_split():
    source = ("import math\nlimit = 0.5\nexpected = {'王': 73519.25}\n"
              "assert 汇总(rows) == expected, '汇总不对'\n"
              "for r in rows:\n    assert r in rows\n"
              "assert math.isclose(日均([1, 2]), 1.5, rel_tol=1e-9)\nassert abs(f() - 3.25) <= limit\n")
    plan = plan_cell(source, later_sources=["assert g() == 1"])
    assert [c.form for c in plan.checks] == ["eq", "isclose", "absdiff"]
    assert "73519" not in plan.kernel_source and "3.25" not in plan.kernel_source and "1.5" not in plan.kernel_source
    assert "limit" not in plan.kernel_source.replace("__jinguo", "")  # only read in EXPECTED positions
    assert "for r in rows:\n    assert r in rows" in plan.kernel_source  # not outside-able: stays guarded
    assert plan.kernel_source.count("\n") == source.count("\n")  # line numbers kept for tracebacks
    # a name a later test cell reads stays in the kernel (only the comparison moves out)
    kept = plan_cell("expected = 5\nassert f() == expected", later_sources=["assert g() == expected"])
    assert "expected = 5" in kept.kernel_source and kept.checks[0].expected == 5
    # a test with IPython syntax is transformed outside, never by her shell
    magic = plan_cell("%time x = 1\nassert f() == 2")
    assert "run_line_magic" in magic.kernel_source and magic.checks[0].expected == 2


def test_failure_messages_never_show_the_expected_value():
    plan = plan_cell("np.testing.assert_allclose(f(), [73519.25, 2.0])")
    ename, evalue = judge(plan.checks[0], ENCODE([1.0, 2.0]))
    assert ename == "AssertionError" and "73519" not in evalue and "Not equal to tolerance" in evalue


# --- sandboxed, side by side with nbgrader ---------------------------------------------------------------

_SCAN = '''
import numpy as np
class _Raw:
    def __init__(self, addr, n):
        self.__array_interface__ = {'data': (addr, True), 'shape': (n,), 'typestr': '|u1', 'version': 3}
def _scan(pieces):
    """Every anonymous / heap mapping of this process, read raw: where is head+tail contiguous?"""
    found = set()
    with open('/proc/self/maps') as fh:
        maps = fh.read().splitlines()
    for line in maps:
        parts = line.split()
        if 'r' not in parts[1] or (len(parts) > 5 and parts[5] not in ('[heap]', '[stack]')):
            continue
        a, b = (int(x, 16) for x in parts[0].split('-'))
        for s in range(a, b, 1 << 24):
            data = np.asarray(_Raw(s, min(1 << 24, b - s))).tobytes()
            for head, tail in pieces:
                i = data.find(head)
                while i >= 0:
                    if data[i + len(head):i + len(head) + len(tail)] == tail:
                        found.add(head + tail)
                    i = data.find(head, i + 1)
    return found
_canary = ''.join(['jgca', 'nary', str(6 * 7)])
_hits = _scan([(b'jgca', b'nary42'), (b'735', b'19.25'), (b'73519', b'.25')])
_names = [k for k, v in list(globals().items()) if '735' + '19' in repr(v)[:10000]]
print('SCAN', 'canary seen' if b'jgcanary42' in _hits else 'no canary', sorted(h.decode() for h in _hits if b'jgca' not in h), _names)
'''
HOSTILE = {
    "always_equal": "class Yes:\n    def __eq__(self, other):\n        return True\n    __hash__ = object.__hash__\n"
                    "def 日均(values):\n    return Yes()\n汇总 = 加价 = 日均",
    "float_subclass": "class F(float):\n    def __eq__(self, other):\n        return True\n    __hash__ = float.__hash__\n"
                      "    def __sub__(self, other):\n        return F(0)\n"
                      "def 日均(values):\n    return F(0)\n汇总 = 日均\ndef 加价(values):\n    return [F(0)] * len(values)",
    "list_subclass": "class L(list):\n    def __eq__(self, other):\n        return True\n"
                     "class D(dict):\n    def __eq__(self, other):\n        return True\n"
                     "def 日均(values):\n    return L()\ndef 汇总(orders):\n    return D()\ndef 加价(values):\n    return L()",
    "memory_scan": _SCAN + "def 日均(values):\n    return 0\ndef 汇总(orders):\n    return {}\n"
                           "def 加价(values):\n    return np.array(values)",
}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    from grading import autograde

    root = tmp_path_factory.mktemp("hidden")
    ref = make_course(root / "ref", OUTSIDE_KINDS, assignment="riders", source=OUTSIDE)
    ours = copy_course(ref, root / "ours")
    make_course(ours, {**OUTSIDE_KINDS, **HOSTILE}, assignment="riders", source=OUTSIDE)
    run = nbgrader_autograde(ref, "riders")
    if run.returncode != 0:  # the reference itself, unsandboxed, once lost a kernel under a loaded CI: once more
        run = nbgrader_autograde(ref, "riders")
    assert run.returncode == 0, run.stderr[-2000:]
    results = {r.student: r for r in autograde(ours, "riders", workers=2)}
    return ref, ours, results


@SANDBOX
def test_honest_scores_equal_nbgrader_autograde(graded):
    ref, ours, results = graded
    expected = scores(ref, "riders")
    assert {k: v for k, v in scores(ours, "riders").items() if k in OUTSIDE_KINDS} == expected
    assert expected["full"] == expected["numpy_types"] == (7.0, 8.0)  # the ambiguous-array cell fails for all
    assert expected["partial"][0] % 1 == 0.5  # a partial-credit cell
    assert len(set(expected.values())) >= 3  # the kinds are told apart
    assert all(r.status == "graded" for r in results.values()), results


@SANDBOX
@pytest.mark.parametrize("kind", list(HOSTILE))
def test_hostile_values_earn_nothing(graded, kind):
    _, ours, results = graded
    assert scores(ours, "riders")[kind] == (0.0, 8.0), [(c.cell, c.points, c.error) for c in results[kind].notebooks[0].cells]


@SANDBOX
def test_a_refused_value_says_why_in_chinese_and_english(graded):
    _, _, results = graded
    cells = {c.cell: c for c in results["always_equal"].notebooks[0].cells}
    assert cells["t2"].error.startswith("UntrustedValue: 类型 Yes 的值不能送出沙箱比较")
    assert "cannot be compared outside the sandbox" in cells["t2"].error


@SANDBOX
def test_the_expected_answer_is_nowhere_in_the_kernels_memory(graded):
    """Her code reads every anonymous and heap page of its own process raw (numpy over bare addresses, no
    audit event stops that) looking for the hidden total 73519.25: it finds its own canary, never the answer."""
    _, ours, _ = graded
    nb = nbformat.read(ours / "autograded" / "memory_scan" / "riders" / "problem.ipynb", as_version=4)
    outputs = json.dumps([c.get("outputs", []) for c in nb.cells], ensure_ascii=False)
    assert "canary seen" in outputs, outputs[:2000]  # the scan works
    assert "73519.25" not in outputs and "73519" not in outputs, outputs[:3000]


@SANDBOX
def test_a_failed_hidden_check_shows_the_test_message_not_the_answer(graded):
    _, ours, results = graded
    nb = nbformat.read(ours / "autograded" / "wrong" / "riders" / "problem.ipynb", as_version=4)
    cell = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "t2")
    assert [o["output_type"] for o in cell.outputs] == ["error"]
    assert cell.outputs[0]["evalue"] == "汇总不对" and "73519" not in json.dumps(cell.outputs)
    allclose = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "t3")
    text = json.dumps(allclose.outputs, ensure_ascii=False)
    assert "Not equal to tolerance" in text and "DESIRED" not in text and "22." not in text  # numpy would print it
    assert "jinguo" not in json.dumps(nb)
