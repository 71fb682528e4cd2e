"""Progress: her progress in one course, from ``GET /courses/{course}/progress``."""
from __future__ import annotations

import ipywidgets as w

from . import _ui
from .client import PlatformClient, PlatformError

STATUS = {"not_started": "未开始", "submitted": "已提交，等待评分", "graded": "已评分", "passed": "已通过 ✔"}


class Progress(w.VBox):
    """``Progress("office-data")``: a progress bar and each assignment's status; 刷新 reloads it."""

    def __init__(self, course: str, *, client: PlatformClient | None = None, **kwargs) -> None:
        super().__init__(**kwargs)
        self.course = course
        self.client = client or PlatformClient()
        self.data: dict | None = None
        self.title = _ui.html_box()
        self.bar = w.FloatProgress(value=0, min=0, max=100, bar_style="success",
                                   layout=w.Layout(width="100%", height="28px"))
        self.table = _ui.html_box()
        self.refresh_button = _ui.big_button("刷新", style="")
        self.refresh_button.on_click(lambda _: self.refresh())
        self.children = [_ui.style_block(), self.title, self.bar, self.table, self.refresh_button]
        self.add_class("jinguo")
        self.add_class("jinguo-progress")
        self.refresh()

    def refresh(self) -> None:
        """Fetch and show the progress again."""
        try:
            data = self.client.progress(self.course)
        except PlatformError as e:
            self.title.value = _ui.msg("info", f"暂时看不到学习进度。{e.zh}")
            return
        self.data = data
        percent = max(0.0, min(100.0, float(data.get("percent") or 0)))
        self.bar.value = percent
        done = "已学完这门课，祝贺你！" if data.get("completed") else f"已完成 {percent:.0f}%"
        self.title.value = (f'<div class="jinguo-title">{_ui.esc(data.get("title") or self.course)}</div>'
                            f"<div>{done}</div>")
        rows = []
        for a in data.get("assignments") or []:
            score = ""
            if a.get("score") is not None and a.get("max_score"):
                score = f"{_ui.esc(_num(a['score']))} / {_ui.esc(_num(a['max_score']))}"
            rows.append(f"<tr><td>{_ui.esc(a.get('title') or a.get('name'))}</td>"
                        f"<td>{_ui.esc(STATUS.get(a.get('status'), a.get('status')))}</td><td>{score}</td></tr>")
        self.table.value = ("<table><tr><th>作业</th><th>状态</th><th>得分</th></tr>" + "".join(rows) + "</table>"
                            if rows else "")


def _num(x) -> str:
    """12.0 → '12', 7.5 → '7.5'."""
    return f"{float(x):g}" if isinstance(x, (int, float)) else str(x)
