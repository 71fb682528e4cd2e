"""The instructor's progress charts: a PNG per dimension (region, industry, employment form), drawn in every
chart's style and under its lock (hub/reports/drawing.py)."""
from __future__ import annotations

from typing import Sequence

SERIES = (("报名", "enrolled", "#d5c4be"), ("已开始", "started", "#e59866"), ("已提交", "submitted", "#cd6155"),
          ("已结业", "completed", "#922b21"))
MAX_GROUPS = 15


def chart_png(title: str, groups: Sequence[tuple[str, int, int, int, int]]) -> bytes:
    """Grouped horizontal bars, one group per row of ``groups`` (name, enrolled, started, submitted, completed)."""
    from hub.reports.drawing import drawing, saved

    with drawing():
        return saved(chart_figure(title, groups), "png")


def chart_figure(title: str, groups: Sequence[tuple[str, int, int, int, int]]):
    """The chart as a matplotlib Figure on an Agg canvas (call inside ``drawing()``, as chart_png does)."""
    from hub.reports.drawing import agg_figure

    shown = list(groups)[:MAX_GROUPS]
    # constrained layout keeps the legend in its own band under the axes: inside them it covered the bars
    fig = agg_figure(figsize=(8, 1.7 + 0.55 * max(len(shown), 1)), dpi=100, layout="constrained")
    ax = fig.add_subplot()
    ax.set_title(title, fontsize=12)
    if not shown:
        ax.text(0.5, 0.5, "还没有学员报名 / no learners yet", ha="center", va="center")
        ax.set_axis_off()
    else:
        height = 0.8 / len(SERIES)
        for i, (zh, en, colour) in enumerate(SERIES):
            ys = [row + (i - 1.5) * height for row in range(len(shown))]
            ax.barh(ys, [g[i + 1] for g in shown], height=height, color=colour, label=f"{zh} {en}")
        ax.set_yticks(range(len(shown)), [g[0] for g in shown], fontsize=9)
        ax.invert_yaxis()
        ax.xaxis.get_major_locator().set_params(integer=True)
        ax.set_xlabel("人数 / people")
        fig.legend(loc="outside lower center", ncols=len(SERIES), fontsize=8, frameon=False)
    return fig
