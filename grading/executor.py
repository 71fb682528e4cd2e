"""nbgrader's Execute step, with the kernel a fork of the slot's sandboxed zygote and test cells guarded.

Everything else in nbgrader's Autograde pipeline is untouched. Differences, all on purpose:

- a test cell reaches the kernel as ``__jinguo_guard__(K)``; its source went to the kernel at fork time
  (see ``_zygote.install_guard``). A test cell earns points only with a verdict signed by the guard; the
  autograded notebook keeps the cell's real source and no trace of the verdict;
- a kernel that dies (``os._exit``, memory, CPU) or a notebook past its wall clock: the cells that ran keep
  what they earned, every later code cell gets an error output, so it earns nothing, and grading goes on.
"""
from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
import time

from nbformat import NotebookNode
from nbgrader.preprocessors import Execute
from traitlets import Integer

from grading.sandbox import Zygote, ZygoteKernelManager, new_verdict_key

VERDICT_MIME = "application/x-jinguo-verdict+json"
_ANSI = r"(?:\x1b\[[0-9;]*m)*"
_GUARD_FRAME = re.compile(r"__jinguo_guard__\(|/opt/jinguo/zygote\.py")
_TEST_FRAME = re.compile(rf"File {_ANSI}<hidden test \d+>:(\d+){_ANSI} in {_ANSI}__jinguo_test_\d+__{_ANSI}")


def is_test_cell(cell) -> bool:
    meta = cell.metadata.get("nbgrader", {})
    return cell.cell_type == "code" and bool(meta.get("grade")) and not meta.get("solution")


def error_output(ename: str, zh: str, en: str) -> NotebookNode:
    return NotebookNode(output_type="error", ename=ename, evalue=f"{zh} / {en}", traceback=[f"{ename}: {zh} / {en}"])


class GuardedExecute(Execute):
    """Execute every cell in a fresh sandboxed kernel; trust a test cell only with a signed verdict."""

    notebook_timeout = Integer(180, help="Wall-clock seconds for the whole notebook.").tag(config=True)

    #: set by the worker process that owns the zygote
    zygote: Zygote | None = None

    def preprocess(self, nb, resources=None, km=None):
        self._tests = {str(i): c.source for i, c in enumerate(nb.cells) if is_test_cell(c)}
        self._key = new_verdict_key()
        self._job = secrets.token_hex(8)
        self._cell_timeout = self.timeout
        self._deadline = time.monotonic() + self.notebook_timeout
        self._stopped = ""
        outcome = resources.setdefault("jinguo", {"stopped": ""})
        try:
            nb, resources = super().preprocess(nb, resources, km=km)
        except Exception as exc:  # the kernel would not start or vanished between cells
            if not self._stopped:
                self._stopped = "died"
            for index, cell in enumerate(nb.cells):
                if cell.cell_type == "code" and not cell.get("outputs"):
                    self._stop_cell(cell)
            self.log.warning("kernel problem: %r", exc)
            if os.environ.get("JINGUO_DEBUG"):
                import traceback; traceback.print_exc()
        outcome["stopped"] = self._stopped
        return nb, resources

    async def _async_check_alive(self) -> None:
        if self.kc is not None:  # nbclient's liveness poll may outlive our (instant) shutdown
            await super()._async_check_alive()

    def create_kernel_manager(self):
        self.km = ZygoteKernelManager(zygote=self.zygote, tests=self._tests, verdict_key=self._key, job=self._job,
                                      config=self.config)
        return self.km

    def _stop_cell(self, cell) -> None:
        if self._stopped == "timeout":
            out = error_output("NotebookTimeout", "笔记本运行超时，此后的单元格未运行",
                               "the notebook ran out of time; this cell did not run")
        else:
            out = error_output("KernelDied", "内核已退出，此后的单元格未运行", "the kernel ended; this cell did not run")
        cell.outputs = [out]

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type != "code":
            return cell, resources
        remaining = self._deadline - time.monotonic()
        if remaining <= 0 and not self._stopped:
            self._stopped = "timeout"
        if self._stopped:
            self._stop_cell(cell)
            return cell, resources
        self.timeout = max(1, int(min(self._cell_timeout, remaining)))
        test = str(index) in self._tests
        original = cell.source
        if test:
            cell.source = f"__jinguo_guard__({index})"
        try:
            cell, resources = super().preprocess_cell(cell, resources, index)
        except Exception as exc:  # DeadKernelError, CellTimeoutError (kernel deaf to interrupts), ...
            self.log.warning("cell %s stopped the kernel: %r", index, exc)
            if os.environ.get("JINGUO_DEBUG"):
                import traceback; traceback.print_exc()
            self._stopped = "timeout" if "imeout" in type(exc).__name__ or time.monotonic() > self._deadline \
                else "died"
            self._stop_cell(cell)
            try:
                self.zygote.reset()
            except Exception:
                pass
        finally:
            cell.source = original
        if any(o.get("ename") == "CellTimeoutError" for o in cell.get("outputs", [])):
            resources["jinguo"]["cell_timeout"] = True
        if test:
            self._check_verdict(cell, index)
        if time.monotonic() > self._deadline and not self._stopped:
            self._stopped = "timeout"
        return cell, resources

    def _check_verdict(self, cell, index: int) -> None:
        verdicts = [o for o in cell.outputs if o.get("output_type") == "display_data" and VERDICT_MIME in o.get("data", {})]
        cell.outputs = [o for o in cell.outputs if o not in verdicts]
        good = None
        for o in verdicts:
            v = o["data"][VERDICT_MIME]
            if not isinstance(v, dict) or v.get("cell") != index or not isinstance(v.get("value"), str):
                continue
            want = hmac.new(self._key, f"{self._job}|{index}|{v['value']}".encode(), hashlib.sha256).hexdigest()
            if hmac.compare_digest(want, str(v.get("mac", ""))):
                good = v
        for o in cell.outputs:
            if o.get("output_type") == "error":
                o["traceback"] = tidy_traceback(o.get("traceback", []), cell.get("execution_count"))
        has_error = any(o.get("output_type") == "error" for o in cell.outputs)
        if good is None:
            if not has_error:
                cell.outputs.append(error_output("UntrustedResult", "测试没有给出可信的结果",
                                                 "the test gave no trusted verdict"))
            return
        # the value a partial-credit test returned, as the guard saw it, not as the display machinery says
        results = [o for o in cell.outputs if o.get("output_type") == "execute_result"]
        if good["value"] == "":
            cell.outputs = [o for o in cell.outputs if o.get("output_type") != "execute_result"]
        for o in results:
            o.setdefault("data", {})["text/plain"] = good["value"]


def tidy_traceback(entries: list[str], count: int | None) -> list[str]:
    """A failed test's traceback as if she had run the test cell herself: the guard's frames dropped, the
    test's own frame named after its cell (it shows no source line: hidden tests stay hidden)."""
    tidy = []
    for entry in entries:
        if _GUARD_FRAME.search(entry):
            continue
        tidy.append(_TEST_FRAME.sub(lambda m: f"Cell In[{count or ' '}], line {m.group(1)}", entry))
    return tidy
