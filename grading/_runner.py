"""The notebook runner: IPython's own shell, its outputs caught in nbformat's shape. Runs INSIDE the sandbox.

A grading kernel needs no Jupyter messaging: one grader sends it one cell at a time and reads back the
outputs. So instead of ipykernel (ZMQ sockets, threads, a session, message signing — ~30 ms and thousands of
copied pages per fork), a fork of the zygote runs cells with an ``InteractiveShell`` built before any
submission existed, whose display publisher, display hook, streams and traceback printer append outputs as
``nbformat`` writes them; the grader gets them as one JSON line per cell over a Unix socket. What a cell
computes is what IPython computes; only the transport is gone.

Like _zygote.py, this file is bound alone into the sandbox and imports nothing of the grading package.
"""
from __future__ import annotations

import io
import json
import sys

from IPython.core.displayhook import DisplayHook
from IPython.core.displaypub import DisplayPublisher
from IPython.core.interactiveshell import InteractiveShell
from traitlets import Type

SHELL_CONFIG = {"HistoryManager": {"hist_file": ":memory:"}}
NOTE_CUT = "\n[输出过多，其余部分已省略 / output too long, the rest was dropped]\n"


class Outputs:
    """One cell's outputs. Bounded: a flood of prints or pictures costs the submission, not the grader."""

    def __init__(self, limit: int = 4 * 1024 * 1024):
        self.limit = limit
        self.items: list[dict] = []
        self.size = 0
        self.cut = False
        self.clear_pending = False

    def start(self) -> None:
        self.items, self.size, self.cut, self.clear_pending = [], 0, False, False

    def _room(self, n: int) -> bool:
        if self.clear_pending:
            self.items, self.size, self.clear_pending = [], 0, False
        if self.size + n > self.limit:
            if not self.cut:
                self.cut = True
                self.items.append({"output_type": "stream", "name": "stderr", "text": [NOTE_CUT]})
            return False
        self.size += n
        return True

    def stream(self, name: str, text: str) -> None:
        if not text or not self._room(len(text)):
            return
        last = self.items[-1] if self.items else None
        if last and last["output_type"] == "stream" and last["name"] == name:
            last["text"].append(text)  # joined once, in finish(): += here would copy the whole text every time
        else:
            self.items.append({"output_type": "stream", "name": name, "text": [text]})

    def add(self, output: dict) -> None:
        if self._room(len(json.dumps(output, default=str))):
            self.items.append(output)

    def finish(self) -> list[dict]:
        for item in self.items:
            if item["output_type"] == "stream":
                item["text"] = "".join(item["text"])
        return self.items

    def clear(self, wait: bool) -> None:
        if wait:
            self.clear_pending = True
        else:
            self.items, self.size = [], 0


OUTPUTS = Outputs()


class CellStream(io.TextIOBase):
    """sys.stdout / sys.stderr while a cell runs."""

    encoding = "utf-8"

    def __init__(self, name: str):
        self.name = name

    def write(self, text) -> int:
        if not isinstance(text, str):
            raise TypeError(f"write() argument must be str, not {type(text).__name__}")
        OUTPUTS.stream(self.name, text)
        return len(text)

    def writable(self) -> bool:
        return True

    def isatty(self) -> bool:
        return False


class Publisher(DisplayPublisher):
    def publish(self, data, metadata=None, source=None, *, transient=None, update=False, **kw) -> None:
        OUTPUTS.add({"output_type": "display_data", "data": data, "metadata": metadata or {}})

    def clear_output(self, wait: bool = False) -> None:
        OUTPUTS.clear(wait)


class ResultHook(DisplayHook):
    """A cell's last value as an ``execute_result``, numbered as IPython numbers it."""

    def start_displayhook(self) -> None:
        self._result = {"output_type": "execute_result", "execution_count": self.prompt_count, "data": {},
                        "metadata": {}}

    def write_output_prompt(self) -> None:
        pass

    def write_format_data(self, format_dict, md_dict=None) -> None:
        self._result["data"], self._result["metadata"] = format_dict, md_dict or {}

    def finish_displayhook(self) -> None:
        OUTPUTS.add(self._result)


class RunnerShell(InteractiveShell):
    displayhook_class = Type(ResultHook)
    display_pub_class = Type(Publisher)

    def _showtraceback(self, etype, evalue, stb) -> None:
        OUTPUTS.add({"output_type": "error", "ename": getattr(etype, "__name__", str(etype)),
                     "evalue": str(evalue), "traceback": list(stb)})

    def enable_gui(self, gui=None) -> None:  # no event loop to integrate with
        pass

    def system(self, cmd: str) -> None:
        """``!cmd``: its output into the cell, as in a notebook."""
        import subprocess

        proc = subprocess.run(self.var_expand(cmd, depth=1), shell=True, capture_output=True, text=True,
                              errors="replace", stdin=subprocess.DEVNULL)
        OUTPUTS.stream("stdout", proc.stdout)
        OUTPUTS.stream("stderr", proc.stderr)
        self.user_ns["_exit_code"] = proc.returncode


def prepare_shell() -> None:
    """Build the shell once in the zygote, with matplotlib's inline backend, before any submission exists."""
    from traitlets.config import Config

    shell = RunnerShell.instance(config=Config(SHELL_CONFIG))
    try:
        shell.enable_matplotlib("inline")
    except Exception:  # matplotlib not installed: plots are not needed then
        pass
    # One cell's machinery (input transformers, compiler, formatters) run once here rather than in every fork;
    # a statement with no value leaves no trace in the namespace or the history.
    shell.run_cell("pass", store_history=False)
    shell.display_formatter.format(0)


def run_cell(shell: InteractiveShell, code: str) -> dict:
    """Run one cell; its outputs and status, as an ipykernel execute reply would give them."""
    OUTPUTS.start()
    sys.stdout, sys.stderr = CellStream("stdout"), CellStream("stderr")
    try:
        result = shell.run_cell(code, store_history=True)
    finally:
        sys.stdout, sys.stderr = CellStream("stdout"), CellStream("stderr")
    reply = {"execution_count": shell.execution_count - 1, "outputs": OUTPUTS.finish(), "status": "ok"}
    error = result.error_before_exec or result.error_in_exec
    if error is not None:
        reply["status"] = "error"
        reply["ename"], reply["evalue"] = type(error).__name__, str(error)
    return reply


def run_test(shell: InteractiveShell, index: int, nonce: str, entry, forget) -> dict:
    """Run hidden test ``index`` through the guard (``_zygote.install_guard``), never through her shell's
    ``run_cell``: her input and AST transformers, custom exception handlers and display hooks see nothing of it.
    Its outputs are the cell's, as run_cell would give them: what it prints, its error, and the signed verdict
    (the value it returned, as the guard printed it, and the values it emitted)."""
    OUTPUTS.start()
    count = shell.execution_count
    shell.execution_count = count + 1
    sys.stdout, sys.stderr = CellStream("stdout"), CellStream("stderr")
    reply = {"execution_count": count, "status": "ok"}
    try:
        mac, text, emits = entry(index, nonce)
        # appended past the output limit: a flood of prints from her function must not drop the verdict
        if OUTPUTS.clear_pending:  # clear_output(wait=True) clears at the next output, as in IPython
            OUTPUTS.items, OUTPUTS.size, OUTPUTS.clear_pending = [], 0, False
        OUTPUTS.items.append({"output_type": "display_data", "metadata": {},
                              "data": {VERDICT_MIME: {"cell": index, "value": text, "emits": emits, "mac": mac}}})
    except BaseException as error:  # noqa: BLE001 — a test's exception is its result, as run_cell shows it
        reply["status"], reply["ename"], reply["evalue"] = "error", type(error).__name__, str(error)
        try:
            shell.showtraceback()
        except BaseException:  # noqa: BLE001 — her code broke the traceback printer: the status still says error
            pass
        del error
        forget(sys.exc_info()[2])
    finally:
        sys.stdout, sys.stderr = CellStream("stdout"), CellStream("stderr")
    try:
        shell.events.trigger("post_execute")  # e.g. the inline backend shows the figures the test drew
    except BaseException:  # noqa: BLE001
        pass
    reply["outputs"] = OUTPUTS.finish()
    return reply


VERDICT_MIME = "application/x-jinguo-verdict+json"


def serve(shell: InteractiveShell, conn, entry=None, forget=None, _run_cell=run_cell, _run_test=run_test,
          _loads=json.loads, _dumps=json.dumps) -> None:
    """Answer cells from the grader, one JSON line each way, until it hangs up. A request with ``test`` runs a
    hidden test through the guard. What this loop calls is bound when it starts, before any submission ran."""
    reader = conn.makefile("rb")
    while True:
        try:
            line = reader.readline()
            if not line:
                return
            req = _loads(line)
            if req.get("test") and entry is not None:
                reply = _run_test(shell, req["cell"], req["test"], entry, forget)
            else:
                reply = _run_cell(shell, req["code"])
            reply["cell"] = req["cell"]
            data = (_dumps(reply, default=str) + "\n").encode()
            conn.sendall(data)
        except KeyboardInterrupt:  # an interrupt that came between cells: nothing was running
            continue
