"""Shared look and words: large touch-friendly controls, message boxes and Chinese time phrases.

Workers use phones and weak machines, so every control is at least 48 px high, text is 18 px and
long option labels wrap instead of being cut off (ipywidgets' buttons do not wrap by default; an
HTML widget's <style> fixes that, and JupyterLab renders HTML widgets without sanitizing).
"""
from __future__ import annotations

import html
from datetime import datetime, timedelta

import ipywidgets as w

CSS = """<style>
.jinguo { font-size: 18px; line-height: 1.6; max-width: 760px; }
.jinguo .widget-html-content { font-size: 18px; line-height: 1.6; white-space: normal; }
.jinguo .jupyter-button { min-height: 48px; height: auto; white-space: normal; font-size: 18px;
  padding: 8px 16px; margin: 4px 0; border-radius: 8px; line-height: 1.4; }
.jinguo .jinguo-option { text-align: left; justify-content: flex-start; }
.jinguo-msg { padding: 10px 14px; border-radius: 8px; margin: 6px 0; }
.jinguo-ok { background: #e6f4ea; color: #0b4f25; }
.jinguo-bad { background: #fdecea; color: #7d1a10; }
.jinguo-info { background: #eef3fb; color: #16365f; }
.jinguo-title { font-size: 20px; font-weight: bold; }
.jinguo table { border-collapse: collapse; width: 100%; font-size: 17px; }
.jinguo th, .jinguo td { padding: 6px 8px; border-bottom: 1px solid #ccc; text-align: left; }
.jinguo tr.jinguo-me td { background: #fff4cc; font-weight: bold; }
</style>"""

def style_block() -> w.HTML:
    return w.HTML(CSS, layout=w.Layout(height="0px", margin="0"))


def big_button(text: str, style: str = "primary", **kw) -> w.Button:
    b = w.Button(description=text, button_style=style, layout=w.Layout(width="auto", min_height="48px",
                                                                          height="auto"), **kw)
    b.style.font_size = "18px"
    b.style.font_weight = "bold"
    return b


def html_box(value: str = "") -> w.HTML:
    return w.HTML(value, layout=w.Layout(width="100%"))


def esc(text: object) -> str:
    """Escape text from the server or the author: HTML widgets insert their value unsanitized."""
    return html.escape("" if text is None else str(text)).replace("\n", "<br>")


def msg(kind: str, text: str, *, raw: bool = False) -> str:
    """A message box; ``kind`` is ok, bad or info. ``text`` is escaped unless ``raw``."""
    return f'<div class="jinguo-msg jinguo-{kind}" role="status">{text if raw else esc(text)}</div>'


def when(dt: datetime | None) -> str:
    """12月2日 00:00 in the offset the server gave (the worker's own local time)."""
    if dt is None:
        return ""
    return f"{dt.month}月{dt.day}日 {dt:%H:%M}"


def span(delta: timedelta | float) -> str:
    """A time span in simple words: '2 天 3 小时 5 分 9 秒'; zero and negative spans are '0 秒'."""
    total = int(delta.total_seconds() if isinstance(delta, timedelta) else delta)
    if total <= 0:
        return "0 秒"
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    parts = [(days, "天"), (hours, "小时"), (minutes, "分"), (seconds, "秒")]
    # Drop leading zero units only; inner zeros stay so the text does not jump around while ticking.
    while parts and parts[0][0] == 0:
        parts.pop(0)
    if days:  # seconds are noise when days are left
        parts = parts[:3]
    return " ".join(f"{n} {unit}" for n, unit in parts)


def retry_phrase(retry_at: datetime | None) -> str:
    return f"请在 {when(retry_at)} 以后再试。" if retry_at else ""


def ago(seconds: float) -> str:
    """'刚刚', '5 分钟前', '3 小时前', '2 天前'."""
    s = max(0, int(seconds))
    if s < 60:
        return "刚刚"
    if s < 3600:
        return f"{s // 60} 分钟前"
    if s < 86400:
        return f"{s // 3600} 小时前"
    return f"{s // 86400} 天前"
