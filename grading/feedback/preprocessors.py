"""Steps that make an autograded notebook fit for the learner's eyes, run before nbgrader's own feedback steps."""
from __future__ import annotations

from nbformat import NotebookNode
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Unicode

from courses.clock import shown
from grading.hidden import GENERIC, Hidden, leaks, notebook_fragments, safe_message



def _is_test(cell) -> bool:
    meta = cell.metadata.get("nbgrader", {})
    return cell.cell_type == "code" and bool(meta.get("grade")) and not meta.get("solution")


def _text(output) -> str:
    """Every text an output carries (stream text, error name/message/traceback, each mime type's data)."""
    parts = [str(output.get(k, "")) for k in ("text", "ename", "evalue")]
    parts += [str(x) for x in output.get("traceback", [])]
    parts += [str(v) for v in output.get("data", {}).values()]
    return "\n".join(parts)


class VerdictOnly(NbGraderPreprocessor):
    """A test cell's outputs become one line: passed, partly passed or failed, with the error's type and its own
    message — unless that message holds a fragment of a hidden test (its code, an expected value: see
    grading/hidden.py), when it is the generic "未通过 / failed". Whatever the test printed, displayed or raised
    otherwise is dropped: a test that prints its expected value, a traceback quoting its lines. Her own cells keep
    their outputs, but one that quotes a whole hidden line (her code cannot have seen one, so something leaked) is
    hidden too. Runs after GetGrades (for the points) and before ClearHiddenTests (which removes the source it
    compares with)."""

    begin_test_delimeter = Unicode("BEGIN HIDDEN TESTS", help="As ClearHiddenTests.begin_test_delimeter.").tag(config=True)
    end_test_delimeter = Unicode("END HIDDEN TESTS", help="As ClearHiddenTests.end_test_delimeter.").tag(config=True)

    def preprocess(self, nb, resources):
        self._hidden = notebook_fragments([c for c in nb.cells if c.cell_type == "code"],
                                          self.begin_test_delimeter, self.end_test_delimeter)
        self._lines = Hidden(code=self._hidden.lines)  # her own outputs: only whole hidden lines count
        return super().preprocess(nb, resources)

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type != "code":
            return cell, resources
        if _is_test(cell):
            cell.outputs = [self._verdict(cell)]
        else:
            cell.outputs = [o if not leaks(_text(o), self._lines) else NotebookNode(
                output_type="stream", name="stderr", text="此输出引用了隐藏测试，已略去 / this output quoted a hidden test "
                                                         "and is left out\n") for o in cell.outputs]
        return cell, resources

    def _verdict(self, cell) -> NotebookNode:
        error = next((o for o in cell.outputs if o.get("output_type") == "error"), None)
        meta = cell.metadata.get("nbgrader", {})
        score, points = meta.get("score"), meta.get("points")
        if error is None:
            full = score is None or points is None or float(score) >= float(points)
            text = "✔ 通过 / passed" if full else f"◐ 部分得分 / partly passed（{float(score):g} / {float(points):g}）"
            return NotebookNode(output_type="stream", name="stdout", text=text + "\n")
        ename = str(error.get("ename", "Error"))
        said = safe_message(str(error.get("evalue", "")).strip(), self._hidden)
        if said == GENERIC:  # the message would quote the hidden test: not even its type is told
            text = GENERIC
        else:
            text = f"{GENERIC} — {ename}: {said}" if said else f"{GENERIC}（{ename}）"
        return NotebookNode(output_type="stream", name="stderr", text=f"✘ {text}\n")


class HandInTime(NbGraderPreprocessor):
    """``resources['jinguo']['submitted_at']``: when she handed in, from the gradebook, in Beijing time."""

    def preprocess(self, nb, resources):
        from nbgrader.api import Gradebook, MissingEntry

        info = resources.get("nbgrader", {})
        when = ""
        try:
            with Gradebook(info["db_url"]) as gb:  # as nbgrader's GetGrades opens it
                stamp = gb.find_submission(info["assignment"], info["student"]).timestamp
                if stamp is not None:
                    when = shown(stamp)  # nbgrader keeps naive UTC (shown reads naive as UTC)
        except (MissingEntry, KeyError):
            pass
        resources.setdefault("jinguo", {})["submitted_at"] = when
        return nb, resources
