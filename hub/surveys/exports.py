"""A survey's results out of the platform: an xlsx workbook and a PNG chart in Chinese.

Both show only what competitions.surveys.results publishes: hidden counts are written as HIDDEN, never as numbers.
The chart is drawn in every chart's style and under its lock (hub/reports/drawing.py).
"""
from __future__ import annotations

import io
import unicodedata
from datetime import datetime

from competitions.surveys.results import SurveyResults
from competitions.surveys.spec import BREAKDOWNS, BREAKDOWNS_EN, KINDS, Survey as SurveySpec
from hub.reports.drawing import agg_figure, drawing, saved
from courses.clock import BEIJING

HIDDEN = "*"


def hidden_note(k: int) -> str:
    return (f"{HIDDEN}：少于 {k} 人，或为防止由合计推算出少数人的回答而一并隐去 / "
            f"fewer than {k} people, or hidden so that a small group cannot be worked out from the totals")


def _width(text: str) -> int:
    """Columns a string takes in a spreadsheet: CJK characters are two wide."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def cell(value: int | None) -> int | str:
    return HIDDEN if value is None else value


def _rows(spec: SurveySpec, res: SurveyResults) -> list[list]:
    """The results as rows of a sheet: the overall tally, then each breakdown, per question."""
    out: list[list] = []
    for q in res.questions:
        out += [[f"{q.id}. {q.text}", f"{KINDS[q.kind]} · 作答 answered: {cell(q.answered)}"]]
        if q.kind == "text":
            if q.texts_withheld:
                out += [["", f"作答人数少于 {res.k} 人，简答内容不显示 / fewer than {res.k} respondents: "
                             "free-text answers are withheld"]]
            out += [["", t] for t in q.texts]
            out.append([])
            continue
        out += [["选项 option", "人数 count"]] + [[c, cell(n)] for c, n in zip(q.choices, q.counts)]
        if q.mean is not None:
            out.append(["平均分 mean", q.mean])
        for b in q.breakdowns:
            out += [[], [f"按{BREAKDOWNS[b.key]} by {BREAKDOWNS_EN[b.key]}", "作答 answered", *q.choices]]
            out += [[r.label, cell(r.answered), *map(cell, r.counts)] for r in b.rows]
        out.append([])
    return out


def write_xlsx(spec: SurveySpec, res: SurveyResults, generated_at: datetime) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    from hub.reports import xlsx

    wb = Workbook()
    ws = wb.active
    ws.title = "问卷结果"
    head = [[f"{spec.title}（问卷结果 survey results）"],
            [f"答卷人数 respondents: {cell(res.respondents)} · 最小分组 minimum group: {res.k} · "
             f"生成于 generated {generated_at.astimezone(BEIJING):%Y-%m-%d %H:%M}（北京时间）"],
            [hidden_note(res.k)], []]
    widths = [10, 10]
    titles = {f"{q.id}. {q.text}" for q in res.questions}
    for r, row in enumerate(head + _rows(spec, res), 1):
        for c, value in enumerate(row, 1):
            xlsx.put(ws, r, c, value)  # answers and labels are people's text: written as text, never a formula
            if c <= 2:
                widths[c - 1] = max(widths[c - 1], min(_width(str(value)), 60))
        if r > len(head) and row and row[0] in titles:
            ws.cell(r, 1).font = Font(bold=True)
    ws.cell(1, 1).font = Font(bold=True, size=14)
    ws.column_dimensions["A"].width, ws.column_dimensions["B"].width = widths[0] + 2, widths[1] + 2
    wb.properties.title, wb.properties.creator = spec.title, "Jinguo 巾帼数字工坊"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


TOO_FEW = "人数不足，不显示 / too few answers to show"
NO_ANSWERS = "还没有人回答 / no answers yet"


def no_bars_text(counts: list[int | None]) -> str:
    """Why a question gets no bars: its counts are all hidden (small groups), or nobody answered it yet."""
    return TOO_FEW if any(n is None for n in counts) else NO_ANSWERS


def chart_png(spec: SurveySpec, res: SurveyResults) -> bytes:
    """One horizontal bar chart per choice or rating question (overall counts); hidden counts get no bar."""
    charted = [q for q in res.questions if q.kind != "text"]
    with drawing():
        # Laid out in inches: a title band, then per question its bars and room for its title and axis label.
        bars = [0.32 * len(q.choices) for q in charted]
        top, gap, foot = 0.7, 0.95, 0.45
        height = top + sum(bars) + gap * len(charted) + foot
        fig = agg_figure(figsize=(8, max(height, 2.0)), dpi=100)
        fig.text(0.5, 1 - 0.35 / fig.get_figheight(), f"{spec.title}（答卷 {cell(res.respondents)} 份）",
                 ha="center", va="center", fontsize=13, weight="bold")
        if not charted:
            fig.text(0.5, 0.5, "没有可绘图的题目 / nothing to chart", ha="center")
        y = fig.get_figheight() - top
        for q, h in zip(charted, bars):
            y -= h + 0.3
            ax = fig.add_axes((0.28, y / fig.get_figheight(), 0.66, h / fig.get_figheight()))
            y -= gap - 0.3
            ax.set_title(f"{q.text}" + (f"（平均 {q.mean}）" if q.mean is not None else ""), fontsize=10, loc="left")
            if not any(q.counts):  # no bar to draw: say why instead of an empty frame with a −0.06…0.06 axis
                ax.set_axis_off()
                ax.text(0.0, 0.5, no_bars_text(q.counts), transform=ax.transAxes, va="center", fontsize=9,
                        color="#555555")
                continue
            ys = list(range(len(q.choices)))[::-1]
            ax.barh(ys, [n or 0 for n in q.counts], color="#c0392b")
            for yy, n in zip(ys, q.counts):
                ax.text((n or 0), yy, f" {cell(n)}", va="center", fontsize=8)
            ax.set_yticks(ys, q.choices, fontsize=8)
            ax.set_ylim(-0.6, len(q.choices) - 0.4)
            ax.set_xlabel("人数 people", fontsize=8)
            ax.tick_params(axis="x", labelsize=8)
            ax.margins(x=0.15)
        fig.text(0.02, 0.008, hidden_note(res.k), fontsize=6, color="#555555")
        return saved(fig, "png")
