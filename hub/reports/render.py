"""The report's two forms: an xlsx workbook (one sheet per table) and a PDF with Chinese charts.

The PDF uses Figure objects and PdfPages directly, never pyplot: no GUI backend and no global figure state, so the
platform service can render reports too. Its Chinese font is named explicitly and embedded as Type 42 (TrueType
outlines, subset), so the PDF shows the same glyphs on a machine without the font: no tofu boxes.
"""
from __future__ import annotations

import re
import threading
import unicodedata
from datetime import datetime
from pathlib import Path
from typing import Any, Callable, Sequence

from hub.reports.tables import NO_DATA_ZH, REPORT_TZ, ReportError, ReportScope, Table

REPORT_TITLE = "巾帼数字工坊 参与与覆盖报告"
REPORT_TITLE_EN = "Jinguo — participation and coverage report"
CJK_FAMILY = "Noto Sans CJK SC"
# Where Debian's fonts-noto-cjk puts it, for when matplotlib's font cache predates the package.
DEBIAN_CJK_FILES = ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
                    "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc")
HEADER_ROW = 4  # xlsx: title, scope, notes, then the column names
MAX_CHART_BARS = 15
A4 = (8.27, 11.69)
ROW_INCHES = 0.17

OnTableDone = Callable[[Table], None] | None
# matplotlib's rcParams are process-wide: two threads inside rc_context at once restore each other's settings while
# drawing (the font falls back and Chinese turns into boxes). The service draws in executor threads; every drawing
# under rc_context holds this lock.
RC_LOCK = threading.RLock()


def _now() -> datetime:
    return datetime.now(REPORT_TZ)


def _generated(at: datetime) -> str:
    return f"生成于 generated {at.astimezone(REPORT_TZ):%Y-%m-%d %H:%M}（北京时间 UTC+8）"


def _cell_text(value: Any, percent: bool) -> str:
    if value is None:
        return "—"
    if percent:
        return f"{value:.1%}"
    return str(value)


def _display_width(text: str) -> int:
    """Columns a string takes in a spreadsheet: CJK characters are two wide."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


# ---------------------------------------------------------------------------------------------------------- xlsx
def write_xlsx(tables: Sequence[Table], path: Path | str, scope: ReportScope | None = None, *,
               generated_at: datetime | None = None, on_table_done: OnTableDone = None) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    from hub.reports import xlsx

    scope = scope or ReportScope()
    stamp = _generated(generated_at or _now())
    wb = Workbook()
    wb.remove(wb.active)
    header_fill = PatternFill("solid", fgColor="F3D9E3")
    for table in tables:
        # Every text through hub.reports.xlsx: a unit or region named "=..." stays text, never a formula.
        ws = wb.create_sheet(title=xlsx.sheet_title(wb, table.title_zh))
        xlsx.put(ws, 1, 1, f"{REPORT_TITLE} · {table.title_zh} / {table.title_en}").font = Font(bold=True, size=14)
        xlsx.put(ws, 2, 1, f"{scope.describe()} · {stamp}")
        xlsx.put(ws, 3, 1, "；".join(table.notes))
        widths = [_display_width(c) for c in table.columns]
        for col, name in enumerate(table.columns, 1):
            cell = xlsx.put(ws, HEADER_ROW, col, name)
            cell.font, cell.fill = Font(bold=True), header_fill
            cell.alignment = Alignment(horizontal="center", vertical="center")
        for r, row in enumerate(table.rows, HEADER_ROW + 1):
            for col, value in enumerate(row, 1):
                percent = col - 1 in table.percent_columns
                cell = xlsx.put(ws, r, col, "—" if value is None else value)
                if percent and value is not None:
                    cell.number_format = "0.0%"
                widths[col - 1] = max(widths[col - 1], _display_width(_cell_text(value, percent)))
            if str(row[0]).startswith("合计"):
                for col in range(1, len(row) + 1):
                    ws.cell(r, col).font = Font(bold=True)
        for col, width in enumerate(widths, 1):
            ws.column_dimensions[get_column_letter(col)].width = min(width + 2, 60)
        ws.freeze_panes = ws.cell(HEADER_ROW + 1, 1)  # title rows and column names stay while scrolling
        if on_table_done:
            on_table_done(table)
    wb.properties.title = REPORT_TITLE
    wb.properties.creator = "Jinguo 巾帼数字工坊"
    wb.save(path)


# ----------------------------------------------------------------------------------------------------------- pdf
def cjk_font_path() -> str:
    """The file of Noto Sans CJK SC, found through matplotlib's font manager; ReportError if it is missing."""
    from matplotlib import font_manager

    props = font_manager.FontProperties(family=CJK_FAMILY)
    try:
        return font_manager.findfont(props, fallback_to_default=False)
    except ValueError:
        for file in DEBIAN_CJK_FILES:
            if Path(file).exists():
                font_manager.fontManager.addfont(file)
    try:
        return font_manager.findfont(props, fallback_to_default=False, rebuild_if_missing=False)
    except ValueError:
        raise ReportError(400, "report_refused", f"找不到中文字体 {CJK_FAMILY}：请安装 Debian 软件包 fonts-noto-cjk",
                          f"font {CJK_FAMILY} not found: install the Debian package fonts-noto-cjk") from None


# A Latin word (kept whole on a line) or any other single character (Chinese breaks between any two characters).
_WRAP_TOKENS = re.compile(r"[A-Za-z0-9%'’.,:;()\-]+ *| +|.")


def wrap_to_width(text: str, width_in: float, fontsize: float, **font: Any) -> list[str]:
    """``text`` in lines no wider than ``width_in`` inches in the report's font, measured the way matplotlib draws
    them. matplotlib's own ``wrap=True`` breaks only at spaces, and Chinese has none: a long note ran off the page."""
    from matplotlib.backends.backend_agg import RendererAgg
    from matplotlib.font_manager import FontProperties

    renderer = RendererAgg(10, 10, 72)  # at 72 dpi one pixel is one point
    prop = FontProperties(family=CJK_FAMILY, size=fontsize, **font)
    limit = width_in * 72

    def fits(line: str) -> bool:
        return renderer.get_text_width_height_descent(line.rstrip(), prop, ismath=False)[0] <= limit

    lines, line = [], ""
    for token in _WRAP_TOKENS.findall(text):
        if line and not fits(line + token):
            lines.append(line.rstrip())
            line = token.lstrip()
            while line and not fits(line):  # one Latin word wider than the line: split it by characters
                cut = max(i for i in range(1, len(line) + 1) if i == 1 or fits(line[:i]))
                lines.append(line[:cut])
                line = line[cut:]
        else:
            line += token
    if line.strip():
        lines.append(line.rstrip())
    return lines


def _line_step(fig: Any, fontsize: float) -> float:
    """Height of one line of ``fontsize`` points, as a fraction of the page."""
    return fontsize * 1.45 / 72 / fig.get_figheight()


def _wrapped_text(fig: Any, x: float, y: float, text: str, *, right: float = 0.92, fontsize: float,
                  upward: bool = False, **kw: Any) -> float:
    """Draw ``text`` from (x, y) wrapped to end at ``right`` (fractions of the page); the y for what follows.
    ``upward``: ``y`` is where the last line sits, and the lines above it grow up the page (a footnote)."""
    lines = wrap_to_width(text, (right - x) * fig.get_figwidth(), fontsize, weight=kw.get("weight", "normal"))
    step = _line_step(fig, fontsize)
    if upward:
        y += step * (len(lines) - 1)
    for line in lines:
        fig.text(x, y, line, fontsize=fontsize, **kw)
        y -= step
    return y


def _title_page(fig: Any, tables: Sequence[Table], scope: ReportScope, stamp: str) -> None:
    fig.text(0.5, 0.80, REPORT_TITLE, ha="center", fontsize=26, weight="bold")
    fig.text(0.5, 0.755, REPORT_TITLE_EN, ha="center", fontsize=13, color="#444444")
    fig.text(0.5, 0.70, scope.describe(), ha="center", fontsize=10)
    fig.text(0.5, 0.675, stamp, ha="center", fontsize=10)
    fig.text(0.15, 0.60, "目录 contents", fontsize=13, weight="bold")
    y = 0.57
    for i, t in enumerate(tables, 1):
        y = _wrapped_text(fig, 0.17, y, f"{i}. {t.title_zh} / {t.title_en}", fontsize=11) - 0.008
    # the notes follow the contents, each wrapped within the page's margins (they used to run off its right edge)
    y = min(y - 0.03, 0.30)
    for note in sorted({n for t in tables for n in t.notes}):
        y = _wrapped_text(fig, 0.15, y, f"注 note: {note}", fontsize=8, color="#555555") - 0.006


def _chart(ax: Any, table: Table) -> None:
    names = [table.columns[c] for c in table.chart_columns]
    if table.chart == "lines":
        months = [r[0] for r in table.rows]
        for c, name in zip(table.chart_columns, names):
            ax.plot(months, [r[c] for r in table.rows], marker="o", label=name)
        ax.tick_params(axis="x", labelrotation=45, labelsize=7)
    else:
        rows = [r for r in table.rows if not str(r[0]).startswith("合计")]
        if len(rows) > MAX_CHART_BARS:  # the table below lists them all; the chart shows the first (largest)
            ax.set_title(f"前 {MAX_CHART_BARS} 个 / first {MAX_CHART_BARS} of {len(rows)}", fontsize=8)
            rows = rows[:MAX_CHART_BARS]
        rows.reverse()  # barh draws bottom-up; keep the table's order top-down
        height = 0.8 / len(names)
        for k, (c, name) in enumerate(zip(table.chart_columns, names)):
            offset = ((len(names) - 1) / 2 - k) * height  # first column on top within each group
            ax.barh([i + offset for i in range(len(rows))], [r[c] for r in rows], height=height, label=name)
        ax.set_yticks(range(len(rows)), [str(r[0]) for r in rows], fontsize=7)
        ax.set_ylim(-0.6, max(len(rows), 3) - 0.4)  # a lone region gets a bar, not the whole chart
        ax.set_xlabel("人数 members")
    ax.legend(fontsize=7)
    ax.grid(axis="x" if table.chart == "bars" else "y", alpha=0.3)


def _table_text(ax: Any, table: Table, rows: list[list[Any]]) -> None:
    """The rows as a grid of text (real text, searchable and copyable), rows a fixed height in inches."""
    ax.axis("off")
    if not rows:
        ax.text(0.5, 0.9, f"{table.title_zh}：{NO_DATA_ZH} / no data", ha="center", fontsize=10)
        return
    text = [[_cell_text(v, i in table.percent_columns) for i, v in enumerate(r)] for r in rows]
    labels = [c.replace(" ", "\n", 1) for c in table.columns]  # Chinese above English keeps columns narrow
    grid = ax.table(cellText=text, colLabels=labels, loc="upper center", cellLoc="center")
    grid.auto_set_font_size(False)
    grid.set_fontsize(8)
    grid.auto_set_column_width(list(range(len(labels))))
    axes_height_in = ax.get_position().height * ax.figure.get_figheight()
    for (r, _), cell in grid.get_celld().items():
        cell.set_height((2 * ROW_INCHES if r == 0 else ROW_INCHES) / axes_height_in)
        if r == 0:
            cell.set_text_props(weight="bold")


def _table_pages(pdf: Any, table: Table, stamp: str) -> None:
    from matplotlib.figure import Figure

    first, per_page = 24, 52  # rows that fit under the chart, and on a page of their own, at ROW_INCHES
    chunks = [table.rows[:first]] + [table.rows[i:i + per_page] for i in range(first, len(table.rows), per_page)]
    for page, chunk in enumerate(chunks):
        fig = Figure(figsize=A4)
        suffix = "" if page == 0 else f"（续 continued {page + 1}）"
        fig.suptitle(f"{table.title_zh} / {table.title_en}{suffix}", fontsize=15, weight="bold", y=0.97)
        fig.text(0.5, 0.015, f"{REPORT_TITLE} · {stamp}", ha="center", fontsize=7, color="#777777")
        if page == 0:
            _chart(fig.add_axes((0.30, 0.55, 0.62, 0.37)) if table.chart == "bars"
                   else fig.add_axes((0.10, 0.58, 0.84, 0.34)), table)
            _table_text(fig.add_axes((0.03, 0.05, 0.94, 0.44)), table, chunk)
        else:
            _table_text(fig.add_axes((0.03, 0.05, 0.94, 0.88)), table, chunk)
        if page == len(chunks) - 1 and table.notes:
            _wrapped_text(fig, 0.05, 0.035, "；".join(table.notes), right=0.95, fontsize=7, color="#555555",
                          upward=True)
        pdf.savefig(fig)


def write_pdf(tables: Sequence[Table], path: Path | str, scope: ReportScope, *,
              generated_at: datetime | None = None, on_table_done: OnTableDone = None) -> None:
    import matplotlib
    from matplotlib.backends.backend_pdf import PdfPages
    from matplotlib.figure import Figure

    cjk_font_path()
    stamp = _generated(generated_at or _now())
    style = {"font.family": [CJK_FAMILY], "font.sans-serif": [CJK_FAMILY], "pdf.fonttype": 42,
             "axes.unicode_minus": False}  # the CJK font has no U+2212 minus sign
    with RC_LOCK, matplotlib.rc_context(style), PdfPages(path, metadata={"Title": REPORT_TITLE,
                                                                         "Creator": "Jinguo"}) as pdf:
        fig = Figure(figsize=A4)
        _title_page(fig, tables, scope, stamp)
        pdf.savefig(fig)
        for table in tables:
            _table_pages(pdf, table, stamp)
            if on_table_done:
                on_table_done(table)


# --------------------------------------------------------------------------------------------- one chart, for a page
def chart_svg(table: Table) -> bytes:
    """The table's chart as in the PDF, as SVG for the organizer's page. Glyphs are drawn as paths (svg.fonttype
    "path"), so a browser without a Chinese font still shows the Chinese labels."""
    import io

    import matplotlib
    from matplotlib.figure import Figure

    cjk_font_path()
    style = {"font.family": [CJK_FAMILY], "font.sans-serif": [CJK_FAMILY], "svg.fonttype": "path",
             "axes.unicode_minus": False}
    with RC_LOCK, matplotlib.rc_context(style):
        fig = Figure(figsize=(7.5, 3.6 if table.chart == "lines" else 4.2))
        ax = fig.add_axes((0.30, 0.12, 0.66, 0.80) if table.chart == "bars" else (0.08, 0.22, 0.88, 0.70))
        if table.rows:
            _chart(ax, table)
        else:
            ax.axis("off")
            ax.text(0.5, 0.5, f"{NO_DATA_ZH} / no data", ha="center")
        ax.set_title(f"{table.title_zh} / {table.title_en}", fontsize=10)
        buf = io.BytesIO()
        fig.savefig(buf, format="svg")
    return buf.getvalue()
