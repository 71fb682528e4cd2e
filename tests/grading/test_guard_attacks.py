"""The guard that signs verdicts inside the kernel, attacked the ways issue 15 found it walked around.

Every hidden test here is of a form that stays inside the sandbox (loops, ``in``, partial credit), so the
guard alone stands between a wrong answer and the points. Each hostile submission's answer is WRONG; the
attack would turn it into points. Each must earn 0. Honest work of several kinds keeps exactly the scores real
``nbgrader autograde`` gives it, including answers whose functions use frames the way libraries do.
"""
from __future__ import annotations

import os

import pytest

from grading import autograde
from tests.grading.corpus import assignment, copy_course, make_course, nbgrader_autograde, scores

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="the sandbox switches to an unprivileged uid: run as root")

ANSWER = '''def 工资(hours, rate):
    """计时工资：工时 × 每小时工资"""
    ### BEGIN SOLUTION
    return hours * rate
    ### END SOLUTION

def 明细(rows):
    """每一行 (工时, 每小时工资) 的工资"""
    ### BEGIN SOLUTION
    return [h * r for h, r in rows]
    ### END SOLUTION'''

TESTS = [
    # 1: expected values in loop variables (frames, always-equal objects)
    ("### BEGIN HIDDEN TESTS\nfor hours, rate, want in [(8, 25, 200), (10, 26, 260), (7, 30, 210)]:\n"
     "    assert 工资(hours, rate) == want\n### END HIDDEN TESTS", 1),
    # 2: a builtin the test uses (abs), arithmetic with the expected value
    ("### BEGIN HIDDEN TESTS\nfor hours, rate, want in [(8, 25.5, 204.0), (3, 1.5, 4.5)]:\n"
     "    assert abs(工资(hours, rate) - want) < 1e-9\n### END HIDDEN TESTS", 1),
    # 3: a long list (past the old guard's first 1000 items); `rows` is read again by test 6
    ("### BEGIN HIDDEN TESTS\nrows = [(h % 12, 20 + h % 7) for h in range(1500)]\n"
     "assert 明细(rows) == [h * r for h, r in rows]\n### END HIDDEN TESTS", 1),
    # 4: partial credit: the test's last value is the points
    ("### BEGIN HIDDEN TESTS\nscore = 0\nfor hours, rate, want in [(8, 25, 200), (6, 30, 180)]:\n"
     "    if 工资(hours, rate) == want:\n        score += 1\nscore\n### END HIDDEN TESTS", 2),
    # 5: one hidden value (an oracle would find it by trying)
    ("### BEGIN HIDDEN TESTS\nassert 工资(7, 31) in (217,)\n### END HIDDEN TESTS", 1),
    # 6: reads a variable test 3 assigned
    ("assert len(rows) == 1500", 1),
]
MAX = 7.0
WRONG = "def 工资(hours, rate):\n    return 0\ndef 明细(rows):\n    return []\n"

HONEST = {
    "full": "def 工资(hours, rate):\n    return hours * rate\ndef 明细(rows):\n    return [h * r for h, r in rows]",
    "partial": "def 工资(hours, rate):\n    return hours * rate if hours != 6 else 0\n"
               "def 明细(rows):\n    return [h * r for h, r in rows]",
    "wrong": WRONG,
    # libraries that take frames while her function runs inside a test: namedtuple, typing, logging
    "full_libraries": "import collections, io, logging, typing\n"
                      "logging.getLogger('mine').addHandler(logging.StreamHandler(io.StringIO()))\n"
                      "def 工资(hours, rate):\n    Row = collections.namedtuple('Row', 'hours rate')\n"
                      "    Pay = typing.NamedTuple('Pay', [('amount', float)])\n"
                      "    r = Row(hours, rate)\n    logging.getLogger('mine').warning('计算 %s', r)\n"
                      "    return Pay(r.hours * r.rate).amount\n"
                      "def 明细(rows):\n    return [h * r for h, r in rows]",
}

ATTACKS = {
    # 1. the expected value read out of the running test's frames
    "frames_getframe": "import sys\ndef _steal():\n    f = sys._getframe(1)\n    while f is not None:\n"
                       "        for space in (f.f_locals, f.f_globals):\n"
                       "            if 'want' in space:\n                return space['want']\n        f = f.f_back\n"
                       "    return 0\ndef 工资(hours, rate):\n    return _steal()\ndef 明细(rows):\n    return []\n",
    "frames_traceback": "def _steal():\n    try:\n        raise ValueError\n    except ValueError as e:\n"
                        "        f = e.__traceback__.tb_frame\n    while f is not None:\n"
                        "        for space in (f.f_locals, f.f_globals):\n"
                        "            if 'want' in space:\n                return space['want']\n        f = f.f_back\n"
                        "    return 0\ndef 工资(hours, rate):\n    return _steal()\ndef 明细(rows):\n    return []\n",
    # ... with sys._getframe replaced first, so that the guard's own caller check sees a library frame
    "frames_patched_getframe": "import sys, types, logging\n_real = sys._getframe\n"
                               "_lib = types.SimpleNamespace(f_code=logging.Logger.findCaller.__code__, f_back=None)\n"
                               "sys._getframe = lambda depth=0: _lib\n"
                               "def _steal():\n    f = _real(1)\n    while f is not None:\n"
                               "        for space in (f.f_locals, f.f_globals):\n"
                               "            if 'want' in space:\n                return space['want']\n"
                               "        f = f.f_back\n    return 0\n"
                               "def 工资(hours, rate):\n    return _steal()\ndef 明细(rows):\n    return []\n",
    # 2. always-equal objects from an "importable library module", and past the first 1000 items
    "library_always_equal": "import json\nclass AlwaysEq:\n    def __eq__(self, other):\n        return True\n"
                            "    def __ne__(self, other):\n        return False\n"
                            "    def __sub__(self, other):\n        return 0\n    __rsub__ = __sub__\n"
                            "    __hash__ = object.__hash__\n"
                            "AlwaysEq.__module__ = 'json'\njson.AlwaysEq = AlwaysEq\n"
                            "def 工资(hours, rate):\n    return AlwaysEq()\n"
                            "def 明细(rows):\n    return [h * r for h, r in rows[:1000]] + [AlwaysEq()] * (len(rows) - 1000)\n",
    # 3. globals that shadow builtins the tests use
    "shadow_builtins": "abs = lambda x: 0\nrange = lambda *a: []\n" + WRONG,
    # 4. her input transformers rewriting the test source
    "input_transformer": "ip = get_ipython()\n"
                         "ip.input_transformers_post.append(lambda lines: [l.replace('assert ', 'assert True or ') for l in lines])\n"
                         + WRONG,
    # 5. the verdict signer: found and used as an oracle (try answers until one passes, then hand that one in) ...
    "signer_oracle": "import sys\nGUESS = [0]\n"
                     "def 工资(hours, rate):\n    return GUESS[0]\ndef 明细(rows):\n    return []\n"
                     "def _entries():\n    found = []\n    g = globals().get('__jinguo_guard__')\n"
                     "    if g is not None:\n        found.append(g)\n    f = sys._getframe()\n"
                     "    while f is not None:\n        for v in list(f.f_locals.values()):\n"
                     "            if callable(v) and getattr(v, '__name__', '') in ('entry', 'run') and v not in found:\n"
                     "                found.append(v)\n        f = f.f_back\n    return found\n"
                     "for call in _entries():\n"
                     "    for guess in range(150, 300):\n        GUESS[0] = guess\n        try:\n"
                     "            call(5) if call.__name__ == 'run' else call(5, '0' * 32)\n            break\n"
                     "        except BaseException:\n            continue\n    else:\n        GUESS[0] = 0\n",
    # ... or its key pulled out of a traceback thrown through it, and verdicts forged with it
    "signer_key": "import sys\nfrom IPython.display import publish_display_data\n_mac, _job, _seen = None, None, []\n"
                  "f = sys._getframe()\nwhile f is not None:\n    loc = f.f_locals\n"
                  "    if isinstance(loc.get('req'), dict) and 'job' in loc['req']:\n        _job = loc['req']['job']\n"
                  "    for v in list(loc.values()):\n        for cell in getattr(v, '__closure__', None) or ():\n"
                  "            try:\n                g = cell.cell_contents\n            except ValueError:\n                continue\n"
                  "            if hasattr(g, 'throw') and hasattr(g, 'gi_running') and g not in _seen:\n"
                  "                _seen.append(g)\n"
                  "                try:\n                    g.throw(ValueError('x'))\n"
                  "                except BaseException as e:\n                    tb = e.__traceback__\n"
                  "                    while tb is not None:\n"
                  "                        found = {'mac', 'inner', 'outer'} & set(tb.tb_frame.f_locals)\n"
                  "                        if found:\n                            _mac = tb.tb_frame.f_locals[found.pop()]\n"
                  "                        tb = tb.tb_next\n    f = f.f_back\n"
                  "def _forge(k):\n    m = _mac.copy()\n    m.update(f'{_job}|{k}|'.encode())\n"
                  "    publish_display_data({'application/x-jinguo-verdict+json': {'cell': k, 'value': '', 'mac': m.hexdigest()}})\n"
                  "if _mac is not None:\n    globals()['__jinguo_guard__'] = _forge\n"
                  "def 工资(hours, rate):\n    return hours * rate if _mac is not None else 0\n"
                  "def 明细(rows):\n    return [h * r for h, r in rows] if _mac is not None else []\n",
    # 6. partial credit: how the score prints, and the score variable itself
    "score_printer": "from IPython.lib import pretty as _p\n_p._type_pprinters[int] = lambda obj, p, cycle: p.text('2')\n"
                     + WRONG,
    "score_global": "def 工资(hours, rate):\n    globals()['score'] = 2\n    return 0\ndef 明细(rows):\n    return []\n",
    "score_hidden_display": "get_ipython().displayhook.finish_displayhook = lambda: None\n" + WRONG,
}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = tmp_path_factory.mktemp("guard")
    source = assignment(ANSWER, TESTS)
    ref = make_course(root / "ref", HONEST, assignment="wages", source=source)
    ours = copy_course(ref, root / "ours")
    make_course(ours, {**HONEST, **ATTACKS}, assignment="wages", source=source)
    run = nbgrader_autograde(ref, "wages")
    assert run.returncode == 0, run.stderr[-2000:]
    results = {r.student: r for r in autograde(ours, "wages", workers=2)}
    return scores(ref, "wages"), scores(ours, "wages"), results


def test_honest_work_scores_as_nbgrader_autograde(graded):
    ref, ours, results = graded
    assert {k: v for k, v in ours.items() if k in HONEST} == ref
    assert ref["full"] == ref["full_libraries"] == (MAX, MAX)
    assert ref["partial"] == (6.0, MAX) and ref["wrong"][0] == 1.0  # `len(rows)` passes for every answer


@pytest.mark.parametrize("attack", list(ATTACKS))
def test_attacks_on_the_guard_earn_nothing(graded, attack):
    """Every one of these answers is wrong; only the cell that checks `len(rows)` (1 point) is earned by all."""
    _, ours, results = graded
    assert results[attack].status == "graded", results[attack]
    assert ours[attack] == (1.0, MAX), (attack, [(c.cell, c.points, c.error) for c in results[attack].notebooks[0].cells])
