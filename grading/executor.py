"""nbgrader's Execute step, with each notebook run by a fork of the slot's sandboxed zygote and test cells guarded.

Everything else in nbgrader's Autograde pipeline is untouched. Differences, all on purpose:

- the notebook runs in IPython's shell without Jupyter messaging (see ``_runner.py``): cells go to a fork of
  the zygote over a socket and come back as nbformat outputs, as ``Execute`` (nbclient) would write them,
  including its ``CellTimeoutError`` output for a cell interrupted at its time limit;
- a test cell reaches the runner as "run test K" with a one-time nonce; its source went to the runner at fork
  time (see ``_zygote.install_guard``), after the asserts whose expected answer can be compared outside were
  rewritten to emit their value instead (see ``grading/expected.py``): those expected answers never enter the
  sandbox. A test cell earns points only with a verdict signed by the guard and every outside check passed;
  the autograded notebook keeps the cell's real source and no trace of the verdict;
- a runner that dies (``os._exit``, memory, CPU) or a notebook past its wall clock: the cells that ran keep
  what they earned, every later code cell gets an error output, so it earns nothing, and grading goes on.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
import time

from nbformat import NotebookNode, from_dict
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Dict, Integer

from grading.expected import CellPlan, judge, plan_cell
from grading.sandbox import Runner, Zygote, new_verdict_key

VERDICT_MIME = "application/x-jinguo-verdict+json"
EMIT_MIME = "application/x-jinguo-emit+json"
_ANSI = r"(?:\x1b\[[0-9;]*m)*"
_GUARD_FRAME = re.compile(r"__jinguo_guard__\(|/opt/jinguo/zygote\.py|/opt/jinguo/_runner\.py|grading/_zygote\.py|"
                          r"grading/_runner\.py")
_TEST_FRAME = re.compile(rf"File {_ANSI}<hidden test \d+>:(\d+){_ANSI} in {_ANSI}__jinguo_test_\d+__{_ANSI}")


def is_test_cell(cell) -> bool:
    meta = cell.metadata.get("nbgrader", {})
    return cell.cell_type == "code" and bool(meta.get("grade")) and not meta.get("solution")


def error_output(ename: str, zh: str, en: str) -> NotebookNode:
    return NotebookNode(output_type="error", ename=ename, evalue=f"{zh} / {en}", traceback=[f"{ename}: {zh} / {en}"])


class GuardedExecute(NbGraderPreprocessor):
    """Execute every cell in a fresh sandboxed runner; trust a test cell only with a signed verdict."""

    timeout = Integer(30, help="Wall-clock seconds one cell may run before it is interrupted.").tag(config=True)
    notebook_timeout = Integer(180, help="Wall-clock seconds for the whole notebook.").tag(config=True)
    interrupt_grace = Integer(
        5, help="Seconds a cell has to stop after its interrupt; a runner deaf to it is killed.").tag(config=True)
    error_on_timeout = Dict(
        {"ename": "CellTimeoutError", "evalue": "",
         "traceback": ["\x1b[0;31mCellTimeoutError\x1b[0m: No reply from kernel before timeout"]},
        help="The error output a cell gets when it runs out of time (nbgrader's Execute writes the same).",
    ).tag(config=True)

    #: set by the worker process that owns the zygote
    zygote: Zygote | None = None

    def preprocess(self, nb, resources=None):
        tests = [i for i, c in enumerate(nb.cells) if is_test_cell(c)]
        self._plans: dict[str, CellPlan] = {}
        for n, i in enumerate(tests):
            later = [nb.cells[j].source for j in tests[n + 1:]]
            self._plans[str(i)] = plan_cell(nb.cells[i].source, later)
        self._nonces = {str(i): secrets.token_hex(16) for i in tests}
        self._tests = {str(i): {"source": self._plans[str(i)].kernel_source, "nonce": self._nonces[str(i)]}
                       for i in tests}
        self._key = new_verdict_key()
        self._job = secrets.token_hex(8)
        self._deadline = time.monotonic() + self.notebook_timeout
        self._stopped = ""
        resources = resources if resources is not None else {}
        outcome = resources.setdefault("jinguo", {"stopped": ""})
        self._runner: Runner | None = None
        try:
            self._runner = Runner(self.zygote, self._tests, self._key, self._job)
        except Exception as exc:
            self.log.warning("runner did not start: %r", exc)
            self._stopped = "died"
        try:
            for index, cell in enumerate(nb.cells):
                nb.cells[index], resources = self.preprocess_cell(cell, resources, index)
        finally:
            if self._runner is not None:
                self._runner.close()
        outcome["stopped"] = self._stopped
        return nb, resources

    def _stop_cell(self, cell) -> None:
        if self._stopped == "timeout":
            out = error_output("NotebookTimeout", "笔记本运行超时，此后的单元格未运行",
                               "the notebook ran out of time; this cell did not run")
        else:
            out = error_output("KernelDied", "内核已退出，此后的单元格未运行", "the kernel ended; this cell did not run")
        cell.outputs = [out]

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type != "code" or not cell.source.strip():
            return cell, resources
        remaining = self._deadline - time.monotonic()
        if remaining <= 0 and not self._stopped:
            self._stopped = "timeout"
        if self._stopped:
            self._stop_cell(cell)
            return cell, resources
        test = str(index) in self._tests
        request = {"cell": index, "test": self._nonces[str(index)]} if test else {"cell": index, "code": cell.source}
        reply = self._run(index, request, min(self.timeout, remaining))
        if reply is None:
            self._stop_cell(cell)
            return cell, resources
        cell.outputs = [from_dict(o) for o in reply["outputs"]]
        cell.execution_count = reply.get("execution_count")
        if reply.get("timed_out"):
            cell.outputs.append(from_dict({"output_type": "error", **self.error_on_timeout}))
            resources["jinguo"]["cell_timeout"] = True
        elif reply.get("status") == "error" and not any(
                o.get("output_type") == "error" and o.get("ename") == reply.get("ename") for o in cell.outputs):
            # as nbgrader's Execute: an error the cell's outputs do not show (tracebacks switched off) still counts
            cell.outputs.append(NotebookNode(output_type="error", ename=str(reply.get("ename")),
                                             evalue=str(reply.get("evalue", "")),
                                             traceback=["ERROR: An error occurred while showtraceback was disabled"]))
        if test:
            self._check_verdict(cell, index)
        if time.monotonic() > self._deadline and not self._stopped:
            self._stopped = "timeout"
        return cell, resources

    def _run(self, index: int, request: dict, timeout: float) -> dict | None:
        """The runner's reply for one cell, interrupting it at its time limit; None when the runner is gone
        (then ``_stopped`` says why and the zygote has been reset)."""
        runner = self._runner
        try:
            try:
                # Runner.run sends code cells only; a test request carries its nonce instead of code
                runner.sock.sendall((json.dumps(request) + "\n").encode())
                return runner.reply(index, time.monotonic() + max(timeout, 0.01))
            except TimeoutError:
                runner.interrupt()
                reply = runner.reply(index, time.monotonic() + self.interrupt_grace)
                reply["timed_out"] = True
                return reply
        except (TimeoutError, EOFError, OSError, RuntimeError, ValueError) as exc:
            self.log.warning("cell %s stopped the runner: %r", index, exc)
            self._stopped = "timeout" if isinstance(exc, TimeoutError) or time.monotonic() > self._deadline \
                else "died"
            try:
                self.zygote.reset()
            except Exception:
                pass
            return None

    def _check_verdict(self, cell, index: int) -> None:
        """Points only for a verdict signed by the guard whose outside checks all pass. The cell's outputs then
        read as if she had run the test herself: no verdict, no emitted values, the value the test returned
        as the guard printed it (never her display machinery's), and a failed outside check's AssertionError."""
        special = (VERDICT_MIME, EMIT_MIME)
        marks = [o for o in cell.outputs if o.get("output_type") == "display_data"
                 and any(m in o.get("data", {}) for m in special)]
        good = None
        for o in marks:
            v = o["data"].get(VERDICT_MIME)
            if not isinstance(v, dict) or v.get("cell") != index or not isinstance(v.get("value"), str):
                continue
            text = json.dumps(v.get("emits"), sort_keys=True)
            want = hmac.new(self._key, f"{self._job}|{index}|{v['value']}|{text}".encode(), hashlib.sha256).hexdigest()
            if hmac.compare_digest(want, str(v.get("mac", ""))) and isinstance(v.get("emits"), list):
                good = v
        for o in cell.outputs:
            if o.get("output_type") == "error":
                o["traceback"] = tidy_traceback(o.get("traceback", []), cell.get("execution_count"))
        checks = self._plans[str(index)].checks
        # the first outside check that fails: judged on the signed values, or (the cell erred) on the marks
        emitted = good["emits"] if good is not None else [
            [o["data"][EMIT_MIME].get("k"), o["data"][EMIT_MIME]] for o in marks
            if isinstance(o["data"].get(EMIT_MIME), dict)]
        failure = None
        for item in emitted:
            if not (isinstance(item, list) and len(item) == 2 and type(item[0]) is int and 0 <= item[0] < len(checks)
                    and isinstance(item[1], dict)):
                continue
            failed = judge(checks[item[0]], item[1])
            if failed is not None:
                failure = (item[0], failed)
                break
        if failure is not None:
            k, (ename, evalue) = failure
            cut = next((n for n, o in enumerate(cell.outputs) if o in marks and isinstance(
                o["data"].get(EMIT_MIME), dict) and o["data"][EMIT_MIME].get("k") == k), len(cell.outputs))
            cell.outputs = [o for o in cell.outputs[:cut] if o not in marks]
            cell.outputs.append(_assert_error(ename, evalue, cell.get("execution_count"), checks[k].line))
            return
        cell.outputs = [o for o in cell.outputs if o not in marks and o.get("output_type") != "execute_result"]
        if any(o.get("output_type") == "error" for o in cell.outputs):
            return
        if good is None:
            cell.outputs.append(error_output("UntrustedResult", "测试没有给出可信的结果", "the test gave no trusted verdict"))
            return
        if [e[0] for e in good["emits"]] != list(range(len(checks))):
            cell.outputs.append(error_output("UntrustedResult", "测试送出的值与检查不符",
                                             "the values the test sent out do not match its checks"))
            return
        if good["value"] != "":
            # the value a partial-credit test returned, as the guard printed it: what nbgrader reads
            cell.outputs.append(NotebookNode(output_type="execute_result", execution_count=cell.get("execution_count"),
                                             data={"text/plain": good["value"]}, metadata={}))


def _assert_error(ename: str, evalue: str, count: int | None, line: int) -> NotebookNode:
    """The error a failed outside check gives the cell: the test's own message, never the expected value."""
    head = f"{ename}: {evalue}" if evalue else ename
    return NotebookNode(output_type="error", ename=ename, evalue=evalue,
                        traceback=[f"Cell In[{count or ' '}], line {line}", head])


def tidy_traceback(entries: list[str], count: int | None) -> list[str]:
    """A failed test's traceback as if she had run the test cell herself: the guard's frames dropped, the
    test's own frame named after its cell (it shows no source line: hidden tests stay hidden)."""
    tidy = []
    for entry in entries:
        if _GUARD_FRAME.search(entry):
            continue
        tidy.append(_TEST_FRAME.sub(lambda m: f"Cell In[{count or ' '}], line {m.group(1)}", entry))
    return tidy
