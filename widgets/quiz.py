"""Quiz: single or multiple choice with an instant explanation from the platform.

The widget never holds the right answer: it sends her choice to ``POST /quiz/check`` and shows what
comes back. Her submitted choice is kept in synced traits (``quiz_id``, ``value``, ``answered_at``), which
JupyterLab saves into the notebook; see :mod:`widgets.answers` for the exact place and for how a hidden
test reads it back (``assert q1.value == "B"``).
"""
from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import Iterable, Mapping

import ipywidgets as w
from traitlets import Bool, Tuple, Unicode, Union, validate

from . import _ui
from .answers import MARKER, normalize, saved_answer
from .client import PlatformClient, PlatformError

_LETTERED = re.compile(r"^\s*([A-Z])\s*[.．、:：)）]\s*(.+)$", re.S)


def _options(options: Mapping[str, str] | Iterable[str] | Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """[(key, text)]: a dict as given, (key, text) pairs as given, plain texts lettered A, B, C …
    (texts already written as 'A. …' keep their letter)."""
    if isinstance(options, Mapping):
        pairs = [(str(k), str(v)) for k, v in options.items()]
    else:
        items = list(options)
        if all(isinstance(o, (tuple, list)) and len(o) == 2 for o in items):
            pairs = [(str(k), str(v)) for k, v in items]
        else:
            texts = [str(o) for o in items]
            matches = [_LETTERED.match(t) for t in texts]
            if all(matches) and [m.group(1) for m in matches] == [chr(65 + i) for i in range(len(texts))]:
                pairs = [(m.group(1), m.group(2).strip()) for m in matches]
            else:
                pairs = [(chr(65 + i), t) for i, t in enumerate(texts)]
    keys = [k for k, _ in pairs]
    if len(pairs) < 2 or len(set(keys)) != len(keys):
        raise ValueError("a quiz needs at least two options with distinct keys")
    return pairs


class Quiz(w.VBox):
    """A choice question. ``Quiz("rights/q1", "问题", ["选项一", "选项二"], multiple=False)``.

    ``value`` is None until she presses 提交答案, then the key she chose ("B") or, with
    ``multiple=True``, a sorted tuple of keys (("A", "C")). ``course`` defaults to the part of
    ``quiz_id`` before the first "/". ``notebook`` is the .ipynb to restore a saved answer from
    (default: $JINGUO_NOTEBOOK_PATH, $JPY_SESSION_NAME, else the .ipynb files in the working directory).
    """

    jinguo_widget = Unicode(MARKER, read_only=True).tag(sync=True)
    quiz_id = Unicode(read_only=True).tag(sync=True)
    multiple = Bool(False, read_only=True).tag(sync=True)
    value = Union([Unicode(), Tuple()], allow_none=True, default_value=None).tag(sync=True)
    answered_at = Unicode("").tag(sync=True)

    def __init__(self, quiz_id: str, question: str, options, multiple: bool = False, *,
                 course: str | None = None, allow_retry: bool = False, client: PlatformClient | None = None,
                 notebook: str | None = None, **kwargs) -> None:
        super().__init__(**kwargs)
        self.set_trait("quiz_id", str(quiz_id))
        self.set_trait("multiple", bool(multiple))
        self.course = course if course is not None else str(quiz_id).split("/", 1)[0]
        self.allow_retry = allow_retry
        self.client = client or PlatformClient()
        self.options = _options(options)
        self._syncing = False

        hint = "（可以选多个）" if multiple else "（选一个）"
        self.question = _ui.html_box(f'<div class="jinguo-title">{_ui.esc(question)}</div>'
                                     f'<div>{hint}</div>')
        self.buttons: list[w.ToggleButton] = []
        for key, text in self.options:
            b = w.ToggleButton(description=f"{key}. {text}", tooltip=text,
                               layout=w.Layout(width="100%", min_height="48px", height="auto"))
            b.style.font_size = "18px"
            b.add_class("jinguo-option")
            b.observe(self._on_toggle, "value")
            self.buttons.append(b)
        self.submit_button = _ui.big_button("提交答案")
        self.submit_button.on_click(lambda _: self.submit())
        self.retry_button = _ui.big_button("重新作答", style="")
        self.retry_button.on_click(lambda _: self.retry())
        self.retry_button.layout.display = "none"
        self.feedback = _ui.html_box()
        self.children = [_ui.style_block(), self.question, *self.buttons,
                         w.HBox([self.submit_button, self.retry_button]), self.feedback]
        self.add_class("jinguo")
        self.add_class("jinguo-quiz")
        self._restore(notebook)

    @validate("value")
    def _valid_value(self, proposal):
        return normalize(proposal["value"], self.multiple)

    # -- what she does -------------------------------------------------------------------------------
    @property
    def selected(self) -> list[str]:
        return [key for (key, _), b in zip(self.options, self.buttons) if b.value]

    def _on_toggle(self, change) -> None:
        # A chosen option must be plain to see, also on a dim phone screen: filled blue.
        change["owner"].button_style = "info" if change["new"] else ""
        if self._syncing or self.multiple or not change["new"]:
            return
        self._syncing = True  # single choice: pressing one option releases the others
        try:
            for b in self.buttons:
                if b is not change["owner"]:
                    b.value = False
        finally:
            self._syncing = False

    def submit(self) -> None:
        """Record the selected option(s) as her answer and fetch the explanation (the 提交答案 button)."""
        if self.value is not None and self.buttons[0].disabled:
            self.check()  # already answered: the button now means 'show the explanation again'
            return
        choice = self.selected
        if not choice:
            self.feedback.value = _ui.msg("info", "请至少选一个答案。" if self.multiple else "请先选一个答案。")
            return
        self.value = tuple(choice) if self.multiple else choice[0]
        self.answered_at = datetime.now(timezone.utc).isoformat()
        self._lock()
        self.check()

    def check(self) -> dict | None:
        """Ask the platform whether the recorded answer is right; show the explanation. Returns the answer."""
        if self.value is None:
            return None
        choice = list(self.value) if isinstance(self.value, tuple) else [self.value]
        self.feedback.value = _ui.msg("info", "正在查看答案……")
        try:
            result = self.client.check_quiz(self.course, self.quiz_id, choice)
        except PlatformError as e:
            self.feedback.value = _ui.msg(
                "info", f"已记下你的答案：{self._shown()}。{e.zh} 讲解稍后可以点“查看讲解”再看。")
            return None
        right = bool(result.get("correct"))
        parts = ['<div><b>✔ 答对了！</b></div>' if right else '<div><b>✘ 这次没答对。</b></div>']
        if result.get("explanation"):
            parts.append(f"<div>{_ui.esc(result['explanation'])}</div>")
        if result.get("reference"):
            parts.append(f"<div>依据：{_ui.esc(result['reference'])}</div>")
        self.feedback.value = _ui.msg("ok" if right else "bad", "".join(parts), raw=True)
        if self.allow_retry:
            self.retry_button.layout.display = None
        return result

    def retry(self) -> None:
        """Let her answer again (only offered with ``allow_retry=True``); the old answer stays until then."""
        for b in self.buttons:
            b.disabled = False
        self.submit_button.description = "提交答案"
        self.retry_button.layout.display = "none"
        self.feedback.value = ""

    # -- helpers -----------------------------------------------------------------------------------
    def _shown(self) -> str:
        return "、".join(self.value) if isinstance(self.value, tuple) else str(self.value)

    def _lock(self) -> None:
        chosen = set(self.value) if isinstance(self.value, tuple) else {self.value}
        self._syncing = True
        try:
            for (key, _), b in zip(self.options, self.buttons):
                b.value = key in chosen
                b.disabled = True
        finally:
            self._syncing = False
        self.submit_button.description = "查看讲解"

    def _restore(self, notebook: str | None) -> None:
        saved = saved_answer(self.quiz_id, notebook)
        if saved is None:
            return
        self.answered_at, self.value = saved
        self._lock()
        self.feedback.value = _ui.msg("info", f"你已经答过这道题：{self._shown()}。点“查看讲解”可以再看讲解。")
