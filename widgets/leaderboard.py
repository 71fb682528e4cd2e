"""Leaderboard: the top of a competition's board and her own rank, from the leaderboard endpoint."""
from __future__ import annotations

import ipywidgets as w

from . import _ui
from .client import PlatformClient, PlatformError
from .progress import _num

BOARDS = {"public": "公开榜", "private": "最终榜"}


class Leaderboard(w.VBox):
    """``Leaderboard("spring-2026", division="region:guangdong", top=10)``; 刷新 reloads it."""

    def __init__(self, competition: str, division: str | None = None, *, board: str = "public", top: int = 10,
                 client: PlatformClient | None = None, **kwargs) -> None:
        super().__init__(**kwargs)
        self.competition, self.division, self.board, self.top = competition, division, board, top
        self.client = client or PlatformClient()
        self.data: dict | None = None
        self.header = _ui.html_box()
        self.mine = _ui.html_box()
        self.table = _ui.html_box()
        self.refresh_button = _ui.big_button("刷新", style="")
        self.refresh_button.on_click(lambda _: self.refresh())
        self.children = [_ui.style_block(), self.header, self.mine, self.table, self.refresh_button]
        self.add_class("jinguo")
        self.add_class("jinguo-leaderboard")
        self.refresh()

    def refresh(self) -> None:
        """Fetch the board again and redraw it."""
        try:
            # limit: the widget shows only the top; a phone need not download 10,000 rows.
            data = self.client.leaderboard(self.competition, board=self.board, division=self.division,
                                           limit=self.top)
        except PlatformError as e:
            self.mine.value = _ui.msg("info", f"暂时看不到排行榜。{e.zh}")
            return
        self.data = data
        name = BOARDS.get(data.get("board") or self.board, data.get("board") or self.board)
        where = data.get("division_title") or data.get("division")  # 地区分榜·浙江省, not region:zhejiang
        where = f"（{_ui.esc(where)}）" if where else ""
        header = f'<div class="jinguo-title">排行榜 · {_ui.esc(name)}{where}</div><div>共 {int(data.get("total") or 0)} 人上榜</div>'
        if data.get("frozen"):
            header += _ui.msg("info", "榜单已冻结：此后提交的成绩在比赛结束后公布。")
        self.header.value = header
        me = data.get("me")
        if me and me.get("rank") is not None:
            self.mine.value = _ui.msg("ok", f"我的名次：第 <b>{int(me['rank'])}</b> 名，得分 <b>{_ui.esc(_num(me.get('score')))}</b>",
                                      raw=True)
        else:
            self.mine.value = _ui.msg("info", "你还没有上榜的成绩。交一份作品试试吧！")
        my_rank = me.get("rank") if me else None
        rows = []
        for e in (data.get("entries") or [])[: self.top]:
            cls = ' class="jinguo-me"' if my_rank is not None and e.get("rank") == my_rank else ""
            rows.append(f"<tr{cls}><td>{_ui.esc(e.get('rank'))}</td><td>{_ui.esc(e.get('display_name'))}</td>"
                        f"<td>{_ui.esc(e.get('unit') or '')}</td><td>{_ui.esc(_num(e.get('score')))}</td>"
                        f"<td>{_ui.esc(e.get('submissions'))}</td></tr>")
        self.table.value = ("<table><tr><th>名次</th><th>姓名</th><th>单位</th><th>得分</th><th>提交次数</th></tr>"
                            + "".join(rows) + "</table>") if rows else _ui.msg("info", "还没有人上榜。")
