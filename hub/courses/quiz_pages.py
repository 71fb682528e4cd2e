"""Quiz pages (issue 19): an assignment's quiz answers taken from a web form instead of a notebook.

A quiz answer cell of a course's nbgrader source starts with ``# 测验 <quiz id>`` and sets one variable, e.g.
``答案_产假天数 = "B"`` or ``答案_三期不得 = ['A', 'B', 'C']``; the hidden test after it checks that variable. The
form's answers are written into the assignment's *released* notebook exactly there — the cell's source becomes
the line she would have typed — and, beside it, into the notebook's widget state as the Quiz widget saves it
(widgets/answers.py), so the hand-in is the same notebook either way and is graded by the same hidden tests.

Pure functions over notebooks and the catalogue: the HTTP side (hub/web/pages/phone.py) stores the result through
hub.submissions.receive like every other hand-in.
"""
from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from courses import catalogue
from hub.refusals import Refused
from widgets.answers import MARKER, WIDGET_STATE, answers_in

_QUIZ_LINE = re.compile(r"^#\s*测验\s+(\S+)\s*$")
_VARIABLE = re.compile(r"^\s*([^\W\d]\w*)\s*=", re.M)


@dataclass(frozen=True)
class Slot:
    """One quiz answer cell of an assignment's notebook."""

    notebook: str  # file name, e.g. "maternity.ipynb"
    grade_id: str  # the answer cell's nbgrader grade_id (the same in source and release)
    variable: str  # what the hidden test reads, e.g. "答案_产假天数"
    item: catalogue.QuizItem
    points: float  # points of the graded test cell that checks it


def _source(cell: dict) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else str(src)


def _nbgrader(cell: dict) -> dict:
    return (cell.get("metadata") or {}).get("nbgrader") or {}


def notebook_slots(nb: dict, filename: str, items: dict[str, catalogue.QuizItem]) -> list[Slot]:
    """The quiz answer cells of one *source* notebook (its solutions name the variable), in notebook order."""
    out: list[Slot] = []
    cells = nb.get("cells", [])
    for i, cell in enumerate(cells):
        if cell.get("cell_type") != "code" or not _nbgrader(cell).get("solution"):
            continue
        lines = _source(cell).strip().splitlines()
        m = _QUIZ_LINE.match(lines[0]) if lines else None
        if not m or m.group(1) not in items:
            continue
        var = _VARIABLE.search("\n".join(line for line in lines[1:] if not line.lstrip().startswith("#")))
        if not var:
            continue
        # the graded cell that follows (before the next answer cell) is the one that checks this answer
        points = 0.0
        for later in cells[i + 1:]:
            meta = _nbgrader(later)
            if meta.get("solution"):
                break
            if meta.get("grade") and later.get("cell_type") == "code":
                points = float(meta.get("points", 0))
                break
        out.append(Slot(filename, str(_nbgrader(cell)["grade_id"]), var.group(1), items[m.group(1)], points))
    return out


def assignment_slots(slug: str, assignment: str, root: str | Path | None = None) -> list[Slot]:
    """Every quiz answer cell of a catalogue assignment (empty when it has none, or the course has no quizzes)."""
    info = catalogue.course(slug, root)
    a = next((a for a in info.assignments if a.name == assignment), None)
    items = catalogue.quiz_items(slug, root)
    if a is None or not items:
        return []
    out: list[Slot] = []
    for filename in a.notebooks:
        nb = json.loads((info.source_dir / a.name / filename).read_text(encoding="utf-8"))
        out += notebook_slots(nb, filename, items)
    return out


def quiz_assignments(slug: str, root: str | Path | None = None) -> dict[str, list[Slot]]:
    """{assignment: slots} of the course's assignments that can be answered as a quiz page, in course order."""
    info = catalogue.course(slug, root)
    found = {a.name: assignment_slots(slug, a.name, root) for a in info.assignments}
    return {name: slots for name, slots in found.items() if slots}


def graded_points(slug: str, assignment: str, root: str | Path | None = None) -> float:
    """All points of an assignment's notebooks, as nbgrader counts them."""
    info = catalogue.course(slug, root)
    a = next(a for a in info.assignments if a.name == assignment)
    total = 0.0
    for filename in a.notebooks:
        nb = json.loads((info.source_dir / a.name / filename).read_text(encoding="utf-8"))
        total += sum(float(_nbgrader(c).get("points", 0)) for c in nb["cells"] if _nbgrader(c).get("grade"))
    return total


def read_form(slots: list[Slot], form: dict[str, list[str]]) -> dict[str, tuple[str, ...]]:
    """Her answers from the form's fields ({field: [values]}; a field per question, named by the quiz id) as
    {quiz id: sorted option keys}. Refuses the whole form, storing nothing, when a question is left out, an option
    does not exist, a single-choice question got two, or a field answers a question this assignment does not ask."""
    asked = {s.item.id: s for s in slots}
    foreign = sorted(k for k in form if k.startswith(f"{slots[0].item.id.split('/')[0]}/") and k not in asked) \
        if slots else []
    if foreign:
        raise Refused(409, "wrong_assignment", f"表单里有不属于这份作业的题目：{'、'.join(foreign)}",
                          f"the form answers questions of another assignment: {', '.join(foreign)}")
    answers: dict[str, tuple[str, ...]] = {}
    missing = []
    for n, slot in enumerate(slots, 1):
        picked = sorted({v.strip().upper() for v in form.get(slot.item.id, []) if v.strip()})
        if not picked:
            missing.append(str(n))
            continue
        keys = {k for k, _ in slot.item.options}
        bad = [p for p in picked if p not in keys]
        if bad:
            raise Refused(400, "no_such_option", f"第 {n} 题没有选项 {'、'.join(bad)}，请从 {'、'.join(sorted(keys))} "
                              f"中选择", f"question {n} has no option {', '.join(bad)}; choose among "
                              f"{', '.join(sorted(keys))}")
        if len(picked) > 1 and not slot.item.multiple:
            raise Refused(400, "one_option_only", f"第 {n} 题是单选题，只能选一个",
                              f"question {n} takes one option only")
        answers[slot.item.id] = tuple(picked)
    if missing:
        raise Refused(400, "questions_left_out", f"还有题目没有作答：第 {'、'.join(missing)} 题。请每道题都选好再提交",
                          f"some questions are not answered yet (question {', '.join(missing)}); answer every one")
    return answers


def answer_line(slot: Slot, picked: tuple[str, ...]) -> str:
    """What she would have typed in the answer cell."""
    value = json.dumps(list(picked), ensure_ascii=False) if slot.item.multiple else json.dumps(picked[0])
    return f"# 测验 {slot.item.id}\n{slot.variable} = {value}"


def fill(released: dict, filename: str, slots: list[Slot], answers: dict[str, tuple[str, ...]],
         when: datetime | None = None) -> dict:
    """A copy of one released notebook with her answers in its quiz answer cells and in its widget state."""
    nb = copy.deepcopy(released)
    mine = {s.grade_id: s for s in slots if s.notebook == filename}
    stamp = (when or datetime.now(timezone.utc)).isoformat()
    states = nb.setdefault("metadata", {}).setdefault("widgets", {}).setdefault(
        WIDGET_STATE, {"version_major": 2, "version_minor": 0, "state": {}}).setdefault("state", {})
    done = set()
    for cell in nb.get("cells", []):
        slot = mine.get(str(_nbgrader(cell).get("grade_id", "")))
        if slot is None or cell.get("cell_type") != "code":
            continue
        picked = answers[slot.item.id]
        cell["source"] = answer_line(slot, picked)
        cell["outputs"], cell["execution_count"] = [], None
        value = list(picked) if slot.item.multiple else picked[0]
        states[f"jinguo-page-{slot.grade_id}"] = {
            "model_name": "VBoxModel", "model_module": "@jupyter-widgets/controls", "model_module_version": "2.0.0",
            "state": {"jinguo_widget": MARKER, "quiz_id": slot.item.id, "multiple": slot.item.multiple,
                      "value": value, "answered_at": stamp}}
        done.add(slot.grade_id)
    if set(mine) - done:
        raise Refused(409, "release_changed", "作业文件和题目对不上，请联系老师重新发布",
                          "the released notebook lacks some quiz cells; ask the instructor to release it again")
    return nb


def her_answers(notebooks: list[bytes]) -> dict[str, tuple[str, ...]]:
    """{quiz id: sorted keys} as saved in stored notebooks (the widget state the page or the widget wrote)."""
    out: dict[str, tuple[str, ...]] = {}
    for data in notebooks:
        try:
            found = answers_in(json.loads(data))
        except (ValueError, AttributeError):
            continue
        for qid, (_, value) in found.items():
            out[qid] = tuple(value) if isinstance(value, tuple) else (value,)
    return out
