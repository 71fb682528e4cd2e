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
    install_guard(shell, bytes.fromhex(secret.pop("key")), req["job"], secret.pop("tests"))
    del secret
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(req["socket"])
    listener.listen(1)
    os.write(ready_w, b"1")
    os.close(ready_w)
    conn, _ = listener.accept()
    listener.close()
    _runner.serve(shell, conn)


# --- the test guard -------------------------------------------------------------------------------------
# A hidden test must not be fooled by code the submission ran before it. Test cells reach the kernel only as
# ``__jinguo_guard__(K)``: their source was handed over at fork time, before any student code existed. The
# guard restores the builtins and the helper modules, runs test K with a strict ``==``, and only when it
# returns normally asks the signer for a verdict: an HMAC the grader checks outside. The key lives only in
# the frame of a suspended generator, which the audit hook (that cannot be removed) keeps out of reach:
# no gc walking, ctypes, tracing, /proc/self/mem, or frame access while a test runs.

PROTECTED_MODULES = ("builtins", "math", "cmath", "operator", "functools", "itertools", "statistics", "numbers",
                     "decimal", "fractions", "collections", "copy", "re", "json", "unittest", "unittest.case",
                     "numpy", "numpy.testing", "numpy.testing._private.utils", "numpy.linalg", "inspect", "types")

_EQ_SOURCE = '''
def __jinguo_eq__(a, b, _type=type, _plain=_PLAIN, _mods=_MODS, _all=all, _list=list, _getattr=getattr):
    def trusted(x, depth=0):
        cls = _type(x)
        if cls in _plain:
            if depth < 3 and cls in (list, tuple, set, frozenset):
                return _all(trusted(v, depth + 1) for v in _list(x)[:1000])
            if depth < 3 and cls is dict:
                return _all(trusted(k, depth + 1) and trusted(v, depth + 1) for k, v in _list(x.items())[:1000])
            return True
        if "__eq__" not in cls.__dict__ and "__ne__" not in cls.__dict__ and cls.__eq__ is object.__eq__:
            return True  # plain identity comparison: nothing to fake
        mod = _mods.get(cls.__module__)
        return (cls.__module__ not in ("__main__", "builtins") and mod is not None
                and _getattr(mod, "__file__", None) is not None and _getattr(mod, cls.__name__, None) is cls)
    if not (trusted(a) and trusted(b)):
        raise AssertionError("比较中出现不可信的对象类型 / untrusted object type in a comparison: "
                             + _type(a).__name__ + ", " + _type(b).__name__)
    return a == b
'''


def install_guard(shell, key: bytes, job: str, tests: dict) -> None:
    import builtins
    import hmac

    plain = {int, float, complex, str, bytes, bool, type(None), list, tuple, dict, set, frozenset}
    ns: dict = {"_PLAIN": frozenset(plain), "_MODS": sys.modules}
    exec(_EQ_SOURCE, ns)
    from IPython.core.display_functions import publish_display_data
    from IPython.lib.pretty import pretty

    testing = [False]

    def signer(key, strict_eq, transform, user_ns, pretty, snapshot, modules_before, testing, getframe):
        """Everything that decides a verdict lives in this generator's frame, out of the submission's reach."""
        mac = hmac.new(key, digestmod="sha256")
        del key
        compiled: dict = {}
        run_code = yield None
        answer = None
        pending = None
        while True:
            request = yield answer
            testing[0] = False
            caller = getframe(1)
            answer = None
            if caller.f_code is not run_code:
                continue
            if request[0] == "start":
                for name, (mod, saved) in snapshot.items():
                    sys.modules[name] = mod
                    d = mod.__dict__
                    for k, v in saved.items():
                        if d.get(k, d) is not v:
                            d[k] = v
                for name, mod in modules_before.items():
                    if sys.modules.get(name) is not mod:
                        sys.modules[name] = mod
                index = request[1]
                if index not in compiled:
                    compiled[index] = _build(tests[str(index)], index, transform)
                user_ns["__builtins__"] = builtins
                scratch: dict = {}
                exec(compiled[index], user_ns, scratch)
                pending = (index, caller)
                answer = (scratch.popitem()[1], strict_eq)
            elif request[0] == "done" and pending is not None and pending[1] is caller:
                value = request[1]
                testing[0] = True  # pretty() may call the submission's __repr__ while this frame is live
                try:
                    text = "" if value is None else pretty(value)
                except Exception:
                    text = "<unprintable>"
                finally:
                    testing[0] = False
                m = mac.copy()
                m.update(f"{job}|{pending[0]}|{text}".encode())
                answer = (m.hexdigest(), pending[0], text)
                pending = None

    snapshot = {n: (sys.modules[n], dict(sys.modules[n].__dict__)) for n in PROTECTED_MODULES if n in sys.modules}
    sign = signer(key, ns["__jinguo_eq__"], shell.transform_cell, shell.user_ns, pretty, snapshot,
                  dict(sys.modules), testing, sys._getframe)
    del key
    next(sign)

    def run(index: int):
        test, eq = sign.send(("start", index))
        value = test(eq)
        mac, cell, text = sign.send(("done", value))
        publish_display_data({"application/x-jinguo-verdict+json": {"cell": cell, "value": text, "mac": mac}})
        return value

    sign.send(run.__code__)
    guard_codes = {run.__code__, signer.__code__}
    allowed_frame_users: set = set()
    try:
        import logging

        allowed_frame_users.add(logging.Logger.findCaller.__code__)
        import matplotlib._api

        allowed_frame_users.add(matplotlib._api.warn_external.__code__)
    except Exception:
        pass

    def deny(what: str):
        raise RuntimeError(f"评分时不允许 {what} / {what} is not allowed while grading")

    busy = [False]

    def hook(event: str, args: tuple) -> None:
        if busy[0]:
            return
        if event.startswith("ctypes.") or event in ("gc.get_objects", "gc.get_referrers", "gc.get_referents",
                                                     "sys.settrace", "sys.setprofile", "sys._current_frames"):
            deny(event)
        elif event == "function.__new__" and args and args[0] in guard_codes:
            deny(event)
        elif event == "object.__setattr__" and len(args) > 2 and (args[2] in guard_codes or args[0] is run):
            deny(event)
        elif event == "object.__getattr__" and args[1] in ("gi_frame", "gi_code") and args[0] is sign:
            deny(event)
        elif event == "open" and isinstance(args[0], str) and args[0].startswith("/proc/") and \
                args[0].rstrip("/").rsplit("/", 1)[-1] in ("mem", "pagemap", "environ"):
            deny(event)
        elif testing[0] and (event == "sys._getframe" or (event == "object.__getattr__" and args[1] in (
                "tb_frame", "gi_frame", "cr_frame", "ag_frame"))):
            busy[0] = True
            try:
                caller = sys._getframe(1)
                while caller is not None and caller.f_code is hook.__code__:
                    caller = caller.f_back
                ok = caller is not None and (caller.f_code in allowed_frame_users or (
                    caller.f_back is not None and caller.f_back.f_code in allowed_frame_users))
            finally:
                busy[0] = False
            if not ok:
                deny(event)

    shell.user_ns["__jinguo_guard__"] = run
    sys.addaudithook(hook)


class _Strict:
    """``a == b`` / ``a != b`` in a test become calls to the strict comparison."""

    @staticmethod
    def rewrite(tree):
        import ast

        class T(ast.NodeTransformer):
            def visit_Compare(self, node):
                self.generic_visit(node)
                if len(node.ops) != 1 or not isinstance(node.ops[0], (ast.Eq, ast.NotEq)):
                    return node
                call = ast.Call(ast.Name("__jinguo_eq__", ast.Load()), [node.left, node.comparators[0]], [])
                return ast.UnaryOp(ast.Not(), call) if isinstance(node.ops[0], ast.NotEq) else call

        return T().visit(tree)


def _build(source: str, index: int, transform):
    """Test ``index`` as a function taking the strict comparison as a parameter (a fast local the submission
    cannot swap), declaring global every name the cell binds, and returning its last expression."""
    import ast

    tree = ast.parse(transform(source))
    names: set[str] = set()

    def collect(node) -> None:
        if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            names.add(node.id)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update((a.asname or a.name).split(".")[0] for a in node.names)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
            return  # their bodies have their own scope
        if isinstance(node, (ast.Lambda, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)):
            return
        for child in ast.iter_child_nodes(node):
            collect(child)

    for stmt in tree.body:
        collect(stmt)
    body = tree.body or [ast.Pass()]
    if isinstance(body[-1], ast.Expr):
        body[-1] = ast.Return(body[-1].value)
    body = [_Strict.rewrite(s) for s in body]
    names.discard("__jinguo_eq__")
    if names:
        body.insert(0, ast.Global(sorted(names)))
    args = ast.arguments(posonlyargs=[], args=[ast.arg("__jinguo_eq__")], kwonlyargs=[], kw_defaults=[], defaults=[])
    fn = ast.FunctionDef(f"__jinguo_test_{index}__", args, body, [], None, None)
    return compile(ast.fix_missing_locations(ast.Module([fn], [])), f"<hidden test {index}>", "exec")


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
