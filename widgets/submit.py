"""Submit: send the saved notebook to a competition task and follow its grading.

``POST /competitions/{slug}/submissions`` answers 202 once the submission is stored durably ("已收到");
a refusal (limits, closed phase, too large) says why and, when waiting helps, from when she may retry.
The widget then polls ``GET …/submissions/{id}`` in a kernel thread until the answer says ``final: true`` (the
platform decides what is final, grading/statuses.py; the widget keeps no list of its own) and shows the score or
the true reason by itself, no button needed.
"""
from __future__ import annotations

import json
import os
import time
from pathlib import Path

import ipywidgets as w

from . import _ui
from ._ticker import Ticker
from .client import PlatformClient, PlatformError
from .progress import _num

# On the way (final: false): what she reads while the widget keeps asking. ``retrying`` is said only because the
# queue has scheduled the retry (hub/submissions/queue.py); ``failed`` is final and is never retried by itself.
# Status names as the API sends them (grading/statuses.py's values). Not imported from there: this module is
# imported wherever widgets is (also by a hidden test's `from widgets.answers import …` inside the grading sandbox,
# where only widgets/ is present), so widgets/ imports nothing of the other packages.
WAITING_TEXT = {"received": "正在排队评分……", "queued": "正在排队评分……", "grading": "正在评分……",
                "retrying": "平台评分时出了问题，正在自动重新评分……"}


def current_notebook(explicit: str | os.PathLike | None = None) -> Path | None:
    """The notebook to submit: the explicit path, else $JPY_SESSION_NAME (jupyter_server sets it for a
    notebook's kernel)."""
    given = explicit or os.environ.get("JPY_SESSION_NAME")
    if not given:
        return None
    path = Path(given)
    if not path.is_absolute():
        path = Path.cwd() / path
    if not path.is_file() and (Path.cwd() / path.name).is_file():
        path = Path.cwd() / path.name  # a session path relative to the server root, kernel in its folder
    return path


class Submit(w.VBox):
    """``Submit("spring-2026", "task1")`` (or ``path="作品.ipynb"``): a 提交作品 button and her score."""

    def __init__(self, competition: str, task: str, *, path: str | os.PathLike | None = None,
                 client: PlatformClient | None = None, poll_interval: float = 3.0, poll_timeout: float = 900.0,
                 **kwargs) -> None:
        super().__init__(**kwargs)
        self.competition, self.task, self.path = competition, task, path
        self.client = client or PlatformClient()
        self.poll_interval, self.poll_timeout = poll_interval, poll_timeout
        self.submission: dict | None = None  # the 202 answer
        self.result: dict | None = None  # the latest status answer
        self._poller: Ticker | None = None
        self._poll_started = 0.0
        self.info = _ui.html_box()
        self.button = _ui.big_button("提交作品", style="success")
        self.button.on_click(lambda _: self.submit())
        self.status_button = _ui.big_button("查看评分", style="")
        self.status_button.on_click(lambda _: self.poll_once())
        self.status_button.layout.display = "none"
        self.status = _ui.html_box()
        self.children = [_ui.style_block(), self.info, w.HBox([self.button, self.status_button]), self.status]
        self.add_class("jinguo")
        self.add_class("jinguo-submit")
        self._show_file()

    def _show_file(self) -> Path | None:
        path = current_notebook(self.path)
        if path is None:
            self.info.value = _ui.msg("bad", "找不到要提交的笔记本。请写明文件名，例如 Submit(比赛, 题目, path=\"作品.ipynb\")。")
            return None
        if not path.is_file():
            self.info.value = _ui.msg("bad", f"找不到文件 {path.name}。")
            return None
        ago = _ui.ago(time.time() - path.stat().st_mtime)  # relative: the kernel's time zone may not be hers
        self.info.value = _ui.msg("info", f"将提交 <b>{_ui.esc(path.name)}</b>（{ago}保存）。"
                                          "提交前请先保存（Ctrl+S），没保存的修改不会交上去。", raw=True)
        return path

    def submit(self) -> dict | None:
        """Send the saved notebook (the 提交作品 button). Returns the platform's 202 answer or None."""
        path = self._show_file()
        if path is None:
            return None
        try:
            notebook = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            self.status.value = _ui.msg("bad", f"{path.name} 读不出来，不像是一个完好的笔记本。请保存后再试。")
            return None
        self.button.disabled = True
        self.status.value = _ui.msg("info", "正在提交……")
        try:
            answer = self.client.submit(self.competition, self.task, notebook)
        except PlatformError as e:
            self.status.value = _ui.msg("bad", f"没有交上：{e.zh} {_ui.retry_phrase(e.retry_at)}".strip())
            return None
        finally:
            self.button.disabled = False
        self.submission, self.result = answer, answer
        self.status.value = self._received_text(answer) + _ui.msg("info", "正在排队评分……")
        self.status_button.layout.display = None
        self._start_polling()
        return answer

    def _received_text(self, answer: dict) -> str:
        left = answer.get("remaining_today")
        more = f"今天还可以提交 {int(left)} 次。" if left is not None else ""
        return _ui.msg("ok", f"✔ 已收到你的作品（编号 {_ui.esc(answer.get('id'))}）。{more}", raw=True)

    def _start_polling(self) -> None:
        if self._poller:
            self._poller.stop()
        self._poll_started = time.monotonic()
        self._poller = Ticker(self.poll_interval, self._poll_tick, f"jinguo-submit-{self.competition}").start()

    def _poll_tick(self) -> bool:
        if time.monotonic() - self._poll_started > self.poll_timeout:
            self.status.value = self._received_text(self.submission or {}) + _ui.msg(
                "info", "评分还没完成，可能排队的人比较多。稍后点“查看评分”看看。")
            return True
        return self.poll_once()

    def poll_once(self) -> bool:
        """Ask for the submission's status once and show it; True when the status is final."""
        if not self.submission:
            return True
        try:
            r = self.client.submission(self.competition, self.submission["id"])
        except PlatformError as e:
            self.status.value = self._received_text(self.submission) + _ui.msg("info", f"暂时查不到评分。{e.zh}")
            return False
        self.result = r
        final = r.get("final") is True  # the platform says whether grading has ended
        text = self._final_text(r) if final else _ui.msg("info", WAITING_TEXT.get(r.get("status"), "正在评分……"))
        self.status.value = self._received_text(self.submission) + text
        return final

    @staticmethod
    def _final_text(r: dict) -> str:
        """Each end of grading with its own true words: what happened and what she can do now."""
        status = r.get("status")
        score = f"{_ui.esc(_num(r.get('score')))} / {_ui.esc(_num(r.get('max_score')))}"
        why = f"<br>{_ui.esc(r['message'])}" if r.get("message") else ""
        if status == "graded":
            return _ui.msg("ok", f"评分完成：得分 <b>{score}</b>{why}", raw=True)
        if status == "timeout":
            got = f"得分 <b>{score}</b>（超时前完成的部分）" if r.get("score") is not None else "没有得分"
            return _ui.msg("bad", f"运行超时：代码运行超过了时间限制，{got}。请检查是否有死循环或太慢的代码，"
                                  f"改好后可以重新提交（这次算一次提交）。{why}", raw=True)
        if status == "invalid":
            return _ui.msg("bad", f"作品无效：{r.get('message') or '请检查文件后重新提交。'}")
        if status == "failed":  # the platform has given up: no retry is coming, so none is promised
            return _ui.msg("bad", "评分失败：平台多次尝试都没能给这份作品评分，这不是你的问题，也不算你的提交次数。"
                                  "你可以直接再提交一次；如果还是失败，请联系组织者。")
        return _ui.msg("info", f"评分已结束（{_ui.esc(status)}）。点“查看评分”或到竞赛页面查看结果。", raw=True)

    def close(self) -> None:
        if self._poller:
            self._poller.stop()
        super().close()
