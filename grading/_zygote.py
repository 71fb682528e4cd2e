"""The prewarmed kernel factory. This file runs INSIDE the sandbox, as PID 1 of its own PID namespace.

It imports IPython and the common libraries once and builds the shell (_runner.py), then answers JSON lines
on stdin:

- ``{"op": "run", ...}`` forks a fresh runner for one notebook (a copy-on-write child: a few ms instead of
  ~500 ms for a new kernel) and answers once it listens on its socket;
- ``{"op": "signal", "sig": N}`` / ``{"op": "alive"}`` for the grader outside (a cell past its time is interrupted);
- ``{"op": "reset"}`` kills every other process of the namespace and removes SysV IPC objects, so the next
  notebook starts from nothing (the grader outside wipes the folders).

Being PID 1, it cannot be killed from inside the namespace; it is not dumpable, so the kernel (same uid)
cannot ptrace it or read its memory. It deliberately imports nothing of the grading package: only this
file is bound into the sandbox.

Why one file of ~900 lines, past the project's ~400 (issue 17 allows it here): this file and ``_runner.py`` are
the only code in the sandbox, each bound read-only on its own (``/opt/jinguo``, see ``walls.bwrap_argv``), and
it starts as ``python -I /opt/jinguo/zygote.py`` before anything of ours is importable there: the grading package
is not mounted (an editable install points outside the bound folders), so it cannot import a helper module.
Splitting it would mean one more bind mount per piece, one more path in the guard frames hidden from her
tracebacks (``executor._GUARD_FRAME``), and one more module in ``sys.modules`` her code could reach before the
guard runs; the guard (``install_guard`` and the comparison and encoder builders) stays in one namespace.
"""
from __future__ import annotations

import gc
import json
import os
import signal
import sys


def _prewarm() -> None:
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))  # _runner.py lies beside this file
    import _runner

    for name in ("numpy", "matplotlib", "matplotlib.pyplot", "matplotlib_inline.backend_inline", "csv", "json",
                 "statistics", "collections", "math", "random", "re", "datetime", "decimal", "fractions",
                 "itertools", "functools", "unittest", "numpy.testing", "hmac", "hashlib", "ast", "pandas",
                 "IPython.core.completer", "pdb", "sqlite3", "faulthandler", "IPython.core.debugger",
                 "IPython.core.oinspect", "IPython.extensions.storemagic", "IPython.utils.wildcard",
                 "IPython.core.display_functions", "IPython.lib.pretty", "socket", "subprocess"):
        try:
            __import__(name)
        except Exception:  # an optional library that is not installed
            pass
    _warm_tracebacks()
    _runner.prepare_shell()
    gc.collect()
    gc.freeze()  # the collector never walks the prewarmed heap again: forks share its pages instead of copying them


def _warm_tracebacks() -> None:
    """Format one traceback as IPython does: a wrong answer's first traceback in a fresh kernel otherwise
    costs ~60 ms (stack_data, pygments, their caches) instead of ~15 ms."""
    try:
        from IPython.core import ultratb

        def _raise() -> None:
            raise ValueError("warm-up")

        try:
            _raise()
        except ValueError:
            ultratb.FormattedTB(mode="Context").text(*sys.exc_info())
    except Exception:  # warming is an optimisation only
        pass


def _kill_all(kernel_pid: int) -> None:
    """Kill every process of the namespace but this one, and reap them: orphans are re-parented to PID 1,
    so waiting until there is no child left means nothing is left. Outside a PID namespace (--no-sandbox,
    development only) kill(-1) would hit the whole machine: there, only the kernel's session is killed."""
    if os.getpid() != 1:
        if kernel_pid:
            try:
                os.killpg(kernel_pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            try:
                os.waitpid(kernel_pid, 0)
            except ChildProcessError:
                pass
        return
    while True:
        try:
            os.kill(-1, signal.SIGKILL)
        except ProcessLookupError:
            pass
        try:
            os.waitpid(-1, 0)
        except ChildProcessError:
            return


def _clear_ipc() -> None:
    for kind in ("shm", "msg", "sem"):
        try:
            with open(f"/proc/sysvipc/{kind}") as fh:
                if len(fh.readlines()) > 1 and os.path.exists("/usr/bin/ipcrm"):
                    pid = os.fork()
                    if pid == 0:
                        os.execv("/usr/bin/ipcrm", ["ipcrm", "--all"])
                    os.waitpid(pid, 0)
                    return
        except OSError:
            pass


def _limit(limits: dict) -> None:
    import resource

    mb = 1024 * 1024
    for what, value in ((resource.RLIMIT_CPU, limits["cpu_seconds"]), (resource.RLIMIT_AS, limits["memory_mb"] * mb),
                        (resource.RLIMIT_FSIZE, limits["file_size_mb"] * mb), (resource.RLIMIT_NOFILE, limits["open_files"]),
                        (resource.RLIMIT_CORE, 0)):
        resource.setrlimit(what, (value, value))


def _runner_child(req: dict, ready_w: int, secret_r: int) -> None:
    """In the forked child: become one notebook's runner (see _runner.py), serving the grader on a socket."""
    import socket

    import _runner

    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    low, high = sorted((ready_w, secret_r))
    os.closerange(3, low)
    os.closerange(low + 1, high)
    os.closerange(high + 1, 1024)
    os.setsid()
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    os.chdir(req["cwd"])
    os.environ.update(req.get("env", {}))
    _limit(req["limits"])
    shell = _runner.RunnerShell.instance()  # the prebuilt one: see _runner.prepare_shell
    shell.InteractiveTB.set_mode(req.get("xmode", "Context"))
    # The verdict key and the test sources come through a pipe of their own, after the fork, so that no
    # copy of them sits in a frame or buffer this process inherited.
    chunks = []
    while True:
        chunk = os.read(secret_r, 1 << 16)
        if not chunk:
            break
        chunks.append(chunk)
    os.close(secret_r)
    secret = json.loads(b"".join(chunks))
    chunks.clear()
    entry, forget = install_guard(shell, bytes.fromhex(secret.pop("key")), req["job"], secret.pop("tests"))
    del secret
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(req["socket"])
    listener.listen(1)
    os.write(ready_w, b"1")
    os.close(ready_w)
    conn, _ = listener.accept()
    listener.close()
    _runner.serve(shell, conn, entry, forget)


# --- the test guard -------------------------------------------------------------------------------------
# A hidden test must not be fooled by code the submission ran before it or runs inside it. Test cells never
# pass through her shell: the grader asks for "test K" with a one-time nonce, and the runner (_runner.serve)
# calls the guard's entry directly, so her input/AST transformers, her globals and her display machinery
# never touch a test. The test sources came at fork time, before any student code existed, and are compiled
# here at once with plain ``ast``/``compile``. Each test runs as a function whose own variables and the
# builtins it uses are fast locals (she cannot shadow ``len`` or change ``score`` under it), whose ``==``,
# ``<``, ``in``... go through a comparison that trusts an explicit list of plain types only (every element,
# every depth), and during which no frame can be taken. Only when the test returns does the signer (a
# suspended generator that holds the HMAC key and the nonces) sign a verdict: the test's number as its own
# ``repr`` and the values its outside-compared asserts emitted (see grading/expected.py). The grader checks it
# outside. The helpers a test gets are made afresh for each test from values taken before her code ran, so
# nothing she reaches after one test (closure cells, module globals) changes the next. An audit hook that
# cannot be removed keeps gc walking, ctypes, tracing and /proc/self/mem out for the whole run, and frames
# out while a test runs.
# Limit: code in the same process that gets a raw memory primitive (e.g. numpy's __array_interface__ over an
# address) can read any secret here. That is why competition tasks compare their expected answers OUTSIDE.

PROTECTED_MODULES = ("builtins", "math", "cmath", "operator", "functools", "itertools", "statistics", "numbers",
                     "decimal", "fractions", "collections", "copy", "re", "json", "unittest", "unittest.case",
                     "numpy", "numpy.testing", "numpy.testing._private.utils", "numpy.linalg", "inspect", "types",
                     "traceback", "linecache")

# Names a test reads as modules: when her namespace binds one of them, the test gets the real module instead
# (she may not hand the test a fake ``np`` whose ``testing.assert_allclose`` does nothing).
MODULE_ALIASES = {"np": "numpy", "numpy": "numpy", "pd": "pandas", "pandas": "pandas", "math": "math",
                  "cmath": "cmath", "statistics": "statistics", "plt": "matplotlib.pyplot", "re": "re",
                  "json": "json", "collections": "collections", "itertools": "itertools", "functools": "functools",
                  "operator": "operator", "decimal": "decimal", "fractions": "fractions", "unittest": "unittest"}
EMIT_MIME = "application/x-jinguo-emit+json"
_LIMITS = {"check": 1_000_000,  # elements a comparison may check: past it the check fails, it never passes
           "emit": 2_000_000,  # elements + characters one emitted value may carry out of the sandbox
           "depth": 100}
# Dunders that make a comparison do something other than identity: a type with none of them is safe to compare.
_COMPARING = ("__eq__", "__ne__", "__lt__", "__le__", "__gt__", "__ge__", "__contains__", "__iter__", "__getitem__",
              "__len__")
_OPS = ("==", "!=", "<", "<=", ">", ">=", "in", "not in")
_ARITH = {"Add": "+", "Sub": "-", "Mult": "*", "Div": "/", "FloorDiv": "//", "Mod": "%", "Pow": "**"}
_COMPARING_CALLS = {"isclose", "allclose", "array_equal", "array_equiv", "assert_allclose", "assert_array_equal",
                    "assert_equal", "assert_almost_equal", "assert_array_almost_equal", "assert_approx_equal",
                    "assertEqual", "assertAlmostEqual", "assertNotEqual", "assertCountEqual", "assertListEqual",
                    "assertDictEqual", "assertSetEqual", "assertTupleEqual", "assertIn", "assertGreater",
                    "assertLess", "assertGreaterEqual", "assertLessEqual"}


def _plain_types() -> dict:
    """Exact types whose comparisons are known, taken before any student code ran (a class she defines,
    injects into a module or derives from is none of them)."""
    import collections
    import datetime
    import decimal
    import fractions

    scalars = {int, float, complex, str, bytes, bool, type(None), type(Ellipsis), range, decimal.Decimal,
               fractions.Fraction, datetime.date, datetime.datetime, datetime.time, datetime.timedelta,
               datetime.timezone}
    found = {"containers": frozenset({list, tuple, set, frozenset, dict, collections.OrderedDict, collections.Counter,
                                      collections.defaultdict, collections.deque}),
             "mappings": frozenset({dict, collections.OrderedDict, collections.Counter, collections.defaultdict}),
             "ndarray": None, "numpy_scalars": frozenset(), "pandas": frozenset(), "dataframe": None}
    try:
        import numpy as np

        numpy_scalars = {t for t in np.sctypeDict.values() if t is not np.object_}
        scalars |= numpy_scalars
        scalars.add(np.dtype)
        for code in "?bhilqpBHILQPefdgFDGSUVMm":
            try:
                scalars.add(type(np.dtype(code)))
            except TypeError:
                pass
        found["ndarray"], found["numpy_scalars"] = np.ndarray, frozenset(numpy_scalars)
    except ImportError:
        pass
    try:
        import pandas as pd

        scalars |= {pd.Timestamp, pd.Timedelta, type(pd.NaT)}
        found["pandas"] = frozenset({pd.Series, pd.DataFrame, pd.Index, pd.RangeIndex})
        found["dataframe"] = pd.DataFrame
    except ImportError:
        pass
    found["scalars"] = frozenset(scalars)
    return found


def _make_cmp(types, B, limits, comparing, ops_text):
    """The strict comparison for one test. Everything it uses is bound here, from values taken before her code
    ran (``B``: the real builtins), so patching builtins or module globals mid-test changes nothing."""
    type_, id_, issubclass_, list_, str_, len_ = B["type"], B["id"], B["issubclass"], B["list"], B["str"], B["len"]
    getattr_, set_, AssertionError_ = B["getattr"], B["set"], B["AssertionError"]
    mro_of, dict_of = type_.__dict__["__mro__"].__get__, type_.__dict__["__dict__"].__get__
    range_ = B["range"]
    dict_items = B["dict"].items
    scalars, containers, ndarray, pandas, dataframe = (types["scalars"], types["containers"], types["ndarray"],
                                                      types["pandas"], types["dataframe"])
    limit = limits["check"]
    object_ = B["object"]

    def identity_only(cls) -> bool:
        for base in mro_of(cls):
            if base is object_:
                return True
            d = dict_of(base)
            for name in comparing:
                if name in d:
                    return False
        return True

    def trusted(value) -> bool:
        """Every element at every depth is of a plain type (or compares by identity only); False past the limit."""
        stack, seen, count = [value], set_(), 0
        while stack:
            v = stack.pop()
            count += 1
            if count > limit:
                return False
            cls = type_(v)
            if cls in scalars:
                continue
            if cls in containers:
                if id_(v) in seen:
                    continue
                seen.add(id_(v))
                if issubclass_(cls, B["dict"]):
                    for k, x in list_(dict_items(v)):
                        stack.append(k)
                        stack.append(x)
                else:
                    stack.extend(list_(v))
                continue
            if cls is ndarray and ndarray is not None:
                if v.dtype.hasobject:
                    count += v.size
                    if count > limit:
                        return False
                    stack.extend(v.ravel().tolist())
                continue
            if cls in pandas:  # elementwise comparisons: her objects may sit in object columns or labels
                if cls is dataframe:
                    parts = [v.iloc[:, i] for i in range_(v.shape[1])] + [v.columns, v.index]
                elif getattr_(v, "index", None) is not None:
                    parts = [v, v.index]
                else:
                    parts = [v]
                for part in parts:
                    if str_(part.dtype) == "object":
                        count += len_(part)
                        if count > limit:
                            return False
                        stack.extend(list_(part.tolist()))
                continue
            if not identity_only(cls):
                return False
        return True

    op_functions = (lambda a, b: a == b, lambda a, b: a != b, lambda a, b: a < b, lambda a, b: a <= b,
                    lambda a, b: a > b, lambda a, b: a >= b, lambda a, b: a in b, lambda a, b: a not in b)

    arith = {"Add": lambda a, b: a + b, "Sub": lambda a, b: a - b, "Mult": lambda a, b: a * b,
             "Div": lambda a, b: a / b, "FloorDiv": lambda a, b: a // b, "Mod": lambda a, b: a % b,
             "Pow": lambda a, b: a ** b}

    words = {"compare": ("比较", "a comparison"), "arith": ("运算", "arithmetic"), "call": ("比较函数", "a comparing call")}

    def untrusted(what, values):
        names = ", ".join(type_(v).__name__ for v in values)
        zh, en = words[what]
        return AssertionError_(f"{zh}中出现不可信的对象类型 / untrusted object type in {en}: {names}")

    def cmp(op, a, *more, **options):
        """``a OP b`` for a comparison (op an int), arithmetic (op a name), or a comparing call (op "call",
        ``a`` the function), each operand checked first."""
        if op == "call":
            values = [*more, *options.values()]
            for v in values:
                if not trusted(v):
                    raise untrusted("call", values)
            return a(*more, **options)
        b = more[0]
        if not (trusted(a) and trusted(b)):
            raise untrusted("arith" if op in arith else "compare", (a, b))
        return arith[op](a, b) if op in arith else op_functions[op](a, b)

    return cmp


def _make_encoder(types, B, limits):
    """The strict serializer: a value as tagged JSON data, or a refusal (zh / en) for anything else. Only exact
    plain types pass, so an always-equal object, a float subclass or a list subclass never leaves as data."""
    import collections
    import decimal
    import fractions

    type_, list_, len_, max_, int_, str_ = B["type"], B["list"], B["len"], B["max"], B["int"], B["str"]
    getattr_, Exception_, RecursionError_ = B["getattr"], B["Exception"], B["RecursionError"]
    float_repr, int_repr = B["float"].__repr__, int_.__repr__
    dict_items, decimal_str = B["dict"].items, decimal.Decimal.__str__
    Decimal, Fraction = decimal.Decimal, fractions.Fraction
    simple = {list: "l", tuple: "t", set: "e", frozenset: "z", collections.deque: "l"}
    mappings = {dict: "m", collections.OrderedDict: "o", collections.Counter: "k", collections.defaultdict: "m"}
    ndarray, numpy_scalars = types["ndarray"], types["numpy_scalars"]
    emit_limit, max_depth = limits["emit"], limits["depth"]

    class Refused(Exception_):
        pass

    def encode(value) -> dict:
        budget = [0]

        def spend(n) -> None:
            budget[0] += n
            if budget[0] > emit_limit:
                raise Refused("值太大，超出可送出沙箱比较的上限 / the value is too large to be compared outside the sandbox")

        def enc(v, depth):
            if depth > max_depth:
                raise Refused("值的嵌套太深 / the value is nested too deeply")
            spend(1)
            cls = type_(v)
            if v is None:
                return ["none"]
            if cls is bool:
                return ["b", v]
            if cls is int_:
                try:
                    text = int_repr(v)
                except ValueError:
                    raise Refused("整数太大 / the integer is too large") from None
                spend(len_(text))
                return ["i", text]
            if cls is float:
                return ["f", float_repr(v)]
            if cls is complex:
                return ["c", float_repr(v.real), float_repr(v.imag)]
            if cls is str_:
                spend(len_(v))
                return ["s", v]
            if cls is bytes:
                spend(len_(v))
                return ["y", v.hex()]
            if cls is Decimal:
                return ["d", decimal_str(v)]
            if cls is Fraction:
                return ["q", int_repr(v.numerator), int_repr(v.denominator)]
            if cls in simple:
                return [simple[cls], [enc(x, depth + 1) for x in list_(v)]]
            if cls in mappings:
                return [mappings[cls], [[enc(k, depth + 1), enc(x, depth + 1)] for k, x in list_(dict_items(v))]]
            if ndarray is not None and (cls is ndarray or cls in numpy_scalars):
                import numpy as np

                arr = v if cls is ndarray else np.asarray(v)
                if arr.dtype.hasobject or arr.dtype.kind not in "biufcU" or arr.dtype.fields is not None:
                    raise Refused(f"数组的数据类型 {arr.dtype} 不能送出沙箱比较 / an array of dtype {arr.dtype} "
                                  "cannot be compared outside the sandbox")
                spend(int_(arr.size) * max_(1, arr.dtype.itemsize // 8))
                if arr.dtype.kind == "c":
                    data = [[float_repr(x.real), float_repr(x.imag)] for x in arr.ravel().tolist()]
                elif arr.dtype.kind == "f":
                    data = [float_repr(x) for x in arr.ravel().tolist()]
                else:
                    data = arr.ravel().tolist()
                return ["a", arr.dtype.str, list_(arr.shape), data, cls is not ndarray]
            name = getattr_(cls, "__name__", "?")
            raise Refused(f"类型 {name} 的值不能送出沙箱比较（只接受数字、字符串、布尔、None、列表、元组、字典、集合和 "
                          f"numpy 数组） / a value of type {name} cannot be compared outside the sandbox (only numbers, "
                          "str, bool, None, lists, tuples, dicts, sets and numpy arrays)")

        try:
            return {"value": enc(value, 0)}
        except Refused as why:
            return {"refused": str_(why)}
        except RecursionError_:
            return {"refused": "值的嵌套太深 / the value is nested too deeply"}

    return encode


def _number_text(value, B, numpy_scalars) -> str | None:
    """A test's last value as nbgrader reads partial credit: a number's own repr, never her __repr__ or display
    settings. None for what is not a number."""
    import decimal
    import fractions

    cls = B["type"](value)
    isinstance_, bool, int, float = B["isinstance"], B["bool"], B["int"], B["float"]
    if cls is bool:
        return bool.__repr__(value)
    if cls in numpy_scalars:
        return cls.__repr__(value)  # numpy's own: what IPython shows for it, as nbgrader reads it
    if isinstance_(value, int):
        return int.__repr__(value)
    if isinstance_(value, float):
        return float.__repr__(value)
    if cls is decimal.Decimal:
        return decimal.Decimal.__str__(value)
    if cls is fractions.Fraction:
        return float.__repr__(value.numerator / value.denominator)
    return None


def install_guard(shell, key: bytes, job: str, tests: dict):
    """Set the guard up in a fresh runner, before any student code. Returns ``(entry, forget)``: the runner
    calls ``entry(index, nonce) -> (mac, text, emits)`` for a test cell and ``forget(tb)`` after a failed one."""
    import builtins
    import hashlib
    import hmac
    import json as json_
    import traceback
    import types as types_

    import _runner
    from IPython.lib.pretty import pretty

    types = _plain_types()
    pristine = dict(builtins.__dict__)
    pristine["get_ipython"] = shell.get_ipython
    B = types_.MappingProxyType(pristine)
    modules = types_.MappingProxyType({alias: sys.modules[name] for alias, name in MODULE_ALIASES.items()
                                       if name in sys.modules})
    compiled = {}
    for index, spec in tests.items():
        source = spec["source"] if isinstance(spec, dict) else spec
        try:
            compiled[str(index)] = _build(source, int(index), frozenset(pristine), frozenset(modules))
        except SyntaxError as exc:  # raised when the test runs, as Python would
            compiled[str(index)] = exc
    nonces = {str(i): (spec.get("nonce") if isinstance(spec, dict) else None) for i, spec in tests.items()}
    testing = [False]

    def set_testing(on: bool) -> None:  # held by the signer only: nothing she reaches can switch frames back on
        testing[0] = on

    def signer(key, user_ns, snapshot, modules_before, getframe, nonces, compiled, set_testing, add_output,
               make_cmp, make_encoder, number_text, pretty, dumps, clear_traceback, limits, comparing, ops_text,
               compare_digest, sha256):
        """Everything that decides a verdict lives in this generator's frame, out of the submission's reach. It
        answers only its entry's frame, and survives anything thrown into it. The HMAC is computed with
        hashlib's C objects, whose methods no Python code can patch (hmac.HMAC's could be)."""
        block = key.ljust(64, b"\0")
        inner = sha256(bytes(b ^ 0x36 for b in block))
        outer = sha256(bytes(b ^ 0x5C for b in block))
        del key, block

        def restore() -> None:  # the protected modules and sys.modules as they were before her code ran
            for name, (mod, saved) in snapshot.items():
                sys.modules[name] = mod
                d = mod.__dict__
                for k, v in saved.items():
                    if d.get(k, d) is not v:
                        d[k] = v
            for name, mod in modules_before.items():
                if sys.modules.get(name) is not mod:
                    sys.modules[name] = mod
        entry_code = yield None
        answer = None
        pending = None
        while True:
            try:
                request = yield answer
            except BaseException as thrown:  # gen.throw()/close() from her code: drop it and its traceback
                clear_traceback(thrown, None)
                del thrown
                answer = None
                continue
            answer = None
            caller = getframe(1)
            if caller.f_code is not entry_code or type(request) is not tuple or not request:
                continue
            if request[0] == "start" and pending is None:
                index, nonce = str(request[1]), request[2]
                want = nonces.pop(index, None)  # one use, passed or failed: no test can be tried twice
                restore()
                if want is not None and not compare_digest(str(want), str(nonce)):
                    want = None
                if want is None or index not in compiled:
                    answer = ("refused",)
                    continue
                user_ns["__builtins__"] = builtins
                code = compiled[index]
                if isinstance(code, SyntaxError):
                    answer = ("syntax", code)
                    continue
                scratch: dict = {}
                exec(code, user_ns, scratch)
                emitted: list = []
                encode = make_encoder(types, B, limits)

                def emit(k, value, _emitted=emitted, _encode=encode, _add=add_output, _mime=EMIT_MIME):
                    data = _encode(value)
                    _emitted.append([k, data])
                    _add({"output_type": "display_data", "data": {_mime: {"k": k, **data}}, "metadata": {}})

                def module(alias, _ns=user_ns, _modules=modules, _NameError=NameError):
                    if alias not in _ns:
                        raise _NameError(f"name '{alias}' is not defined")
                    return _modules[alias]

                def sync(local, _ns=user_ns, _names=scratch["__jinguo_bound__"]):
                    for name in _names:
                        if name in local:
                            _ns[name] = local[name]
                        else:
                            _ns.pop(name, None)

                cmp = make_cmp(types, B, limits, comparing, ops_text)
                pending = (index, caller, emitted)
                answer = ("run", scratch[f"__jinguo_test_{index}__"], (cmp, emit, module, sync, dict(B), user_ns))
                set_testing(True)  # from here until the test ends: no frame may be taken
            elif request[0] == "done" and pending is not None and pending[1] is caller:
                value = request[1]
                restore()
                text = "" if value is None else number_text(value, B, types["numpy_scalars"])
                if text is None:
                    printed = None
                    try:  # pretty() may call her __repr__: frames stay closed meanwhile
                        printed = pretty(value)
                    except Exception:
                        pass
                    restore()
                    text = printed if type(printed) is str else "<unprintable>"
                    try:
                        float(text)
                        text = f"<{type(value).__name__}>"  # not a number, yet printed as one: nbgrader would read it
                    except (TypeError, ValueError):
                        pass
                set_testing(False)
                emits = dumps(pending[2], sort_keys=True)
                h = inner.copy()
                h.update(f"{job}|{pending[0]}|{text}|{emits}".encode())
                m = outer.copy()
                m.update(h.digest())
                answer = (m.hexdigest(), text, pending[2])
                pending = None
            elif request[0] == "abort" and pending is not None and pending[1] is caller:
                set_testing(False)
                pending = None

    snapshot = {n: (sys.modules[n], dict(sys.modules[n].__dict__)) for n in PROTECTED_MODULES if n in sys.modules}
    sign = signer(key, shell.user_ns, snapshot, dict(sys.modules), sys._getframe, nonces, compiled, set_testing,
                  _runner.OUTPUTS.add, _make_cmp, _make_encoder, _number_text, pretty, json_.dumps,
                  BaseException.with_traceback, dict(_LIMITS), _COMPARING, _OPS, hmac.compare_digest, hashlib.sha256)
    del key, nonces, compiled, snapshot
    next(sign)

    def entry(index, nonce):
        """Run test ``index`` once; its signed verdict, or the test's own exception."""
        answer = sign.send(("start", index, nonce))
        if answer is None or answer[0] == "refused":
            raise RuntimeError("评分守卫拒绝了这次测试调用 / the grading guard refused this test call")
        if answer[0] == "syntax":
            raise answer[1]
        try:
            value = answer[1](*answer[2])
        except BaseException:
            sign.send(("abort",))
            raise
        return sign.send(("done", value))

    sign.send(entry.__code__)
    signer_code = signer.__code__  # the signer checks who calls it: its own sys._getframe(1) is allowed
    guard_file = entry.__code__.co_filename
    allowed_frame_users: set = set()
    for where, name in (("logging", "Logger.findCaller"), ("matplotlib._api", "warn_external"),
                        ("collections", "namedtuple"), ("typing", "_caller"),
                        ("pandas.util._exceptions", "find_stack_level"), ("traceback", "clear_frames")):
        try:
            obj = __import__(where, fromlist=["_"])
            for part in name.split("."):
                obj = getattr(obj, part)
            allowed_frame_users.add(obj.__code__)
        except Exception:
            pass

    def deny(what: str):
        raise RuntimeError(f"评分时不允许 {what} / {what} is not allowed while grading")

    busy = [False]

    # what the hook calls is bound now, before her code ran: a patched builtins.isinstance, sys._getframe or
    # types.FunctionType would otherwise open /proc/self/mem or frames to her
    type_, getattr_, isinstance_, int_ = type, getattr, isinstance, int
    function_type, code_type, getframe = types_.FunctionType, types_.CodeType, sys._getframe

    def guarded(obj) -> bool:
        """A function of the guard or of a hidden test: her code may not read its code or change it."""
        busy[0] = True
        try:
            code = getattr_(obj, "__code__", None) if type_(obj) is function_type else obj
            return type_(code) is code_type and (code.co_filename == guard_file
                                                 or code.co_filename.startswith("<hidden test "))
        finally:
            busy[0] = False

    fsdecode, realpath = os.fsdecode, os.path.realpath

    def memory_file(path) -> bool:
        """/proc/<pid>/mem and its kin, however named: bytes, relative to a /proc folder, through a symlink."""
        if isinstance_(path, int_):
            return False
        busy[0] = True
        try:
            text = fsdecode(path)
            names = {text.rstrip("/").rsplit("/", 1)[-1], realpath(text).rsplit("/", 1)[-1]}
        except Exception:
            return True
        finally:
            busy[0] = False
        return bool(names & {"mem", "pagemap", "environ"})

    def hook(event: str, args: tuple) -> None:
        if busy[0]:
            return
        if event.startswith("ctypes.") or event in ("gc.get_objects", "gc.get_referrers", "gc.get_referents",
                                                     "sys.settrace", "sys.setprofile", "sys._current_frames"):
            deny(event)
        elif event == "function.__new__" and args and guarded(args[0]):
            deny(event)
        elif event == "object.__setattr__" and args and guarded(args[0]):
            deny(event)
        elif event == "object.__getattr__" and (args[0] is sign or (args[1] == "__code__" and guarded(args[0]))):
            deny(event)
        elif event == "open" and args and memory_file(args[0]):
            deny(event)
        elif testing[0] and (event == "sys._getframe" or (event == "object.__getattr__" and args[1] in (
                "tb_frame", "gi_frame", "cr_frame", "ag_frame", "f_code"))):
            busy[0] = True
            try:
                caller = getframe(1)
                while caller is not None and caller.f_code is hook.__code__:
                    caller = caller.f_back
                ok = caller is not None and (caller.f_code is signer_code or caller.f_code in allowed_frame_users or (
                    caller.f_back is not None and caller.f_back.f_code in allowed_frame_users))
            finally:
                busy[0] = False
            if not ok:
                deny(event)

    sys.addaudithook(hook)
    clear_frames = traceback.clear_frames

    def forget(tb) -> None:
        """A failed test's frames hold its variables (expected values): clear them before her next cell runs."""
        try:
            clear_frames(tb)
        except Exception:
            pass
        sys.last_traceback = sys.last_value = sys.last_type = None

    return entry, forget


def _build(source: str, index: int, builtin_names: frozenset, aliases: frozenset):
    """Test ``index`` as a function of the guard's helpers. Names the cell binds and builtins it reads are fast
    locals (copied from / to her namespace, so later cells and her functions still see them); comparisons go
    through the strict one; module aliases she may have rebound come from the guard."""
    import ast

    tree = ast.parse(source, f"<hidden test {index}>")
    bound: set[str] = set()
    module_mode = [False]

    def collect(node) -> None:
        if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            bound.add(node.id)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            for a in node.names:
                if a.name == "*":
                    module_mode[0] = True
                bound.add((a.asname or a.name).split(".")[0])
        elif isinstance(node, (ast.Global, ast.Nonlocal)):
            module_mode[0] = True
        elif isinstance(node, ast.ExceptHandler) and node.name:
            bound.add(node.name)
        elif isinstance(node, (ast.MatchAs, ast.MatchStar)) and node.name:
            bound.add(node.name)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bound.add(node.name)
            for d in node.decorator_list:
                collect(d)
            return  # their bodies have their own scope
        if isinstance(node, (ast.Lambda, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)):
            return
        for child in ast.iter_child_nodes(node):
            collect(child)

    for stmt in tree.body:
        collect(stmt)
    params = ["__jinguo_cmp__", "__jinguo_emit__", "__jinguo_mod__", "__jinguo_sync__", "__jinguo_b__", "__jinguo_g__"]
    bound -= set(params)
    loads = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
    use_builtins = sorted((loads & builtin_names) - bound - set(params))
    use_modules = (loads & aliases) - bound - set(use_builtins)
    kinds = (ast.Eq, ast.NotEq, ast.Lt, ast.LtE, ast.Gt, ast.GtE, ast.In, ast.NotIn)

    class Rewrite(ast.NodeTransformer):
        def visit_Compare(self, node):
            self.generic_visit(node)
            if len(node.ops) != 1 or not isinstance(node.ops[0], kinds):
                return node
            op = [isinstance(node.ops[0], k) for k in kinds].index(True)
            return ast.Call(ast.Name("__jinguo_cmp__", ast.Load()), [ast.Constant(op), node.left, node.comparators[0]], [])

        def visit_BinOp(self, node):
            # her object's __sub__/__add__... would receive the expected operand: it must be plain data too
            self.generic_visit(node)
            op = type(node.op).__name__
            if op not in _ARITH:
                return node
            return ast.Call(ast.Name("__jinguo_cmp__", ast.Load()), [ast.Constant(op), node.left, node.right], [])

        def visit_Call(self, node):
            # comparison helpers hand both values to her object's dunders (object arrays): plain data only
            self.generic_visit(node)
            f = node.func
            if isinstance(f, ast.Attribute) and f.attr in _COMPARING_CALLS or isinstance(f, ast.Name) and \
                    f.id in _COMPARING_CALLS:
                return ast.Call(ast.Name("__jinguo_cmp__", ast.Load()), [ast.Constant("call"), f, *node.args],
                                node.keywords)
            return node

        def visit_Name(self, node):
            if isinstance(node.ctx, ast.Load) and node.id in use_modules:
                return ast.Call(ast.Name("__jinguo_mod__", ast.Load()), [ast.Constant(node.id)], [])
            return node

    body = [Rewrite().visit(s) for s in tree.body] or [ast.Pass()]
    if isinstance(body[-1], ast.Expr):
        body[-1] = ast.Return(body[-1].value)
    if module_mode[0]:
        # star imports and global statements cannot live in a function: names stay globals of her namespace
        if bound:
            body.insert(0, ast.Global(sorted(bound)))
        bound_names: tuple = ()
    else:
        # the test's variables go to her namespace when it ends (later cells read them, as in nbgrader), never
        # while it runs: her functions can neither read nor change them under the test
        sync = ast.parse("__jinguo_sync__(__jinguo_b__['locals']())").body[0]
        steps = body
        prologue = [ast.parse(f"{name} = __jinguo_b__[{name!r}]").body[0] for name in use_builtins]
        for name in sorted(bound):
            prologue += ast.parse(f"try:\n    {name} = __jinguo_g__[{name!r}]\nexcept KeyError:\n    pass").body
        body = prologue + [ast.Try(steps, [], [], [sync])]
        bound_names = tuple(sorted(bound))
    args = ast.arguments(posonlyargs=[], args=[ast.arg(p) for p in params], kwonlyargs=[], kw_defaults=[], defaults=[])
    fn = ast.FunctionDef(f"__jinguo_test_{index}__", args, body, [], None, None)
    names = ast.Assign([ast.Name("__jinguo_bound__", ast.Store())], ast.Constant(bound_names))
    module = ast.Module([fn, names], [])
    return compile(ast.fix_missing_locations(module), f"<hidden test {index}>", "exec")


def main() -> None:
    ctl_out = os.fdopen(os.dup(1), "w", buffering=1)
    devnull = os.open(os.devnull, os.O_RDWR)
    os.dup2(devnull, 1)
    signal.signal(signal.SIGINT, signal.SIG_DFL)  # PID 1 without a handler: immune to signals from inside
    try:
        import ctypes

        ctypes.CDLL(None).prctl(4, 0, 0, 0, 0)  # PR_SET_DUMPABLE 0: the kernel may not ptrace us
    except Exception:
        pass
    _prewarm()
    print(json.dumps({"ready": True}), file=ctl_out)
    kernel_pid = 0
    while True:
        line = _readline()
        if not line:
            return
        req = json.loads(line)
        op = req["op"]
        answer: dict = {"ok": True}
        if op == "run":
            ready_r, ready_w = os.pipe()
            secret_r, secret_w = os.pipe()
            kernel_pid = os.fork()
            if kernel_pid == 0:
                try:
                    os.close(ready_r)
                    os.close(secret_w)
                    _runner_child(req, ready_w, secret_r)
                finally:
                    os._exit(0)
            os.close(ready_w)
            os.close(secret_r)
            print(json.dumps({"forked": True}), file=ctl_out)
            secret = _read_exact(req["secret_bytes"] + 1)[:-1]  # sent by the grader only now, after the fork
            try:
                os.write(secret_w, secret)
            except OSError:
                pass
            os.close(secret_w)
            del secret
            ok = os.read(ready_r, 1) == b"1"
            os.close(ready_r)
            answer = {"ok": ok, "pid": kernel_pid}
        elif op == "signal":
            try:
                os.kill(kernel_pid, req["sig"])
            except ProcessLookupError:
                answer = {"ok": False}
        elif op == "alive":
            try:
                pid, _ = os.waitpid(kernel_pid, os.WNOHANG)
                answer = {"ok": pid == 0}
            except ChildProcessError:
                answer = {"ok": False}
        elif op == "reset":
            _kill_all(kernel_pid)
            if os.getpid() == 1:
                _clear_ipc()
            kernel_pid = 0
        print(json.dumps(answer), file=ctl_out)


def _read_exact(n: int) -> bytes:
    """Exactly ``n`` bytes from fd 0, in few reads: the grader sends nothing more until it has an answer."""
    data = bytearray()
    while len(data) < n:
        chunk = os.read(0, n - len(data))
        if not chunk:
            break
        data += chunk
    return bytes(data)


def _readline() -> str:
    """One line from fd 0, unbuffered: nothing read ahead can end up in a forked kernel."""
    data = bytearray()
    while True:
        b = os.read(0, 1)
        if not b or b == b"\n":
            return data.decode()
        data += b


if __name__ == "__main__":
    main()
