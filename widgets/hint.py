"""Hint: staged hints, one more each time she presses the button. Works offline (no platform call)."""
from __future__ import annotations

from typing import Iterable

import ipywidgets as w

from . import _ui


class Hint(w.VBox):
    """``Hint(["提示一", "提示二", "提示三"])``: shows one more hint per click; ``shown`` counts them."""

    def __init__(self, hints: Iterable[str], **kwargs) -> None:
        super().__init__(**kwargs)
        self.hints = [str(h) for h in hints]
        if not self.hints:
            raise ValueError("Hint needs at least one hint")
        self.shown = 0
        self.button = _ui.big_button("", style="info")
        self.button.on_click(lambda _: self.next())
        self.output = _ui.html_box()
        self.children = [_ui.style_block(), self.button, self.output]
        self.add_class("jinguo")
        self.add_class("jinguo-hint")
        self._render()

    def next(self) -> None:
        """Reveal the next hint (the button's click)."""
        if self.shown < len(self.hints):
            self.shown += 1
            self._render()

    def _render(self) -> None:
        total, left = len(self.hints), len(self.hints) - self.shown
        if left == 0:
            self.button.description = "提示已经全部给出"
            self.button.disabled = True
        elif self.shown == 0:
            self.button.description = f"看提示（共 {total} 条）"
        else:
            self.button.description = f"再看一条提示（还有 {left} 条）"
        self.output.value = "".join(
            _ui.msg("info", f"<b>提示 {i + 1}：</b>{_ui.esc(h)}", raw=True) for i, h in enumerate(self.hints[:self.shown]))
