"""Countdown: time left in the competition's current phase, from ``GET /competitions/{slug}``.

The kernel's clock may be wrong; the answer's ``server_time`` tells by how much, and every tick uses
the corrected time. Ticking is a daemon thread in the kernel (one tiny message a second).
"""
from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone

import ipywidgets as w

from . import _ui
from ._ticker import Ticker
from .client import PlatformClient, PlatformError, _parse_time

REFETCH_AFTER = 30.0  # seconds between re-reads of the competition once a phase boundary has passed


class Countdown(w.VBox):
    """``Countdown("spring-2026")``: '初赛 还剩 2 天 3 小时 15 分'; ``tick=False`` renders once."""

    _ticking: dict[str, Ticker] = {}

    def __init__(self, competition: str, *, client: PlatformClient | None = None, tick: bool = True,
                 interval: float = 1.0, **kwargs) -> None:
        super().__init__(**kwargs)
        self.competition = competition
        self.client = client or PlatformClient()
        self.data: dict | None = None
        self.offset = timedelta(0)  # server clock minus our clock
        self.label = _ui.html_box()
        self.children = [_ui.style_block(), self.label]
        self.add_class("jinguo")
        self.add_class("jinguo-countdown")
        self._fetched = 0.0
        self.refresh()
        self.ticker = Ticker(interval, self._tick, f"jinguo-countdown-{competition}").start() if tick else None
        if self.ticker:
            # Re-running the cell replaces the countdown on screen: stop the old one's thread too.
            old = Countdown._ticking.get(competition)
            if old:
                old.stop()
            Countdown._ticking[competition] = self.ticker

    def now(self) -> datetime:
        """The platform's 'now', from our clock corrected by the last server_time."""
        return datetime.now(timezone.utc) + self.offset

    def refresh(self) -> None:
        """Read the competition again and redraw."""
        self._fetched = time.monotonic()
        try:
            data = self.client.competition(self.competition)
        except PlatformError as e:
            if self.data is None:
                self.label.value = _ui.msg("info", f"暂时看不到比赛时间。{e.zh}")
            return
        server = _parse_time(data.get("server_time") or "")
        if server is not None:
            self.offset = server - datetime.now(timezone.utc)
        self.data = data
        self.render()

    def target(self) -> tuple[str, str, datetime] | None:
        """(phase title, 'closes' or 'opens', when) for the moment we count down to, or None when over."""
        if not self.data:
            return None
        phases = self.data.get("phases") or []
        now = self.now()
        current = self.data.get("current_phase")
        for p in phases:
            closes = _parse_time(p.get("closes_at") or "")
            if p.get("key") == current and closes and closes > now:
                return p.get("title") or p.get("key"), "closes", closes
        upcoming = [(t, p) for p in phases if (t := _parse_time(p.get("opens_at") or "")) and t > now]
        if upcoming:
            t, p = min(upcoming, key=lambda x: x[0])
            return p.get("title") or p.get("key"), "opens", t
        return None

    def remaining(self) -> timedelta | None:
        t = self.target()
        return t[2] - self.now() if t else None

    def render(self) -> None:
        title = _ui.esc((self.data or {}).get("title") or self.competition)
        t = self.target()
        if t is None:
            text = "本次比赛的所有阶段都已结束。"
            kind = "info"
        else:
            phase, what, when = t
            left = _ui.span(when - self.now())
            if what == "closes":
                text, kind = f"<b>{_ui.esc(phase)}</b> 还剩 <b>{left}</b>（{_ui.when(when)} 截止）", "ok"
            else:
                text, kind = f"<b>{_ui.esc(phase)}</b> 还有 <b>{left}</b> 开始（{_ui.when(when)} 开始）", "info"
        self.label.value = _ui.msg(kind, f'<div class="jinguo-title">{title}</div><div>{text}</div>', raw=True)

    def _tick(self) -> bool:
        left = self.remaining()
        if (left is None or left.total_seconds() <= 0) and time.monotonic() - self._fetched > REFETCH_AFTER:
            self.refresh()  # a phase boundary passed: ask the platform which phase is current now
        else:
            self.render()
        return False

    def close(self) -> None:
        if self.ticker:
            self.ticker.stop()
        super().close()
