"""What every step of the living demo (hub/demo/activity.py) shares: who acts, how a step reports, why it stops,
and when the story began."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.refusals import Refused
from hub.store.orm import Member

ACTOR = "demo"
Say = Callable[[str], None]
# The story began weeks before "now": members joined two months before, courses were published three weeks before.
JOINED_AGO, PUBLISHED_AGO = timedelta(days=60), timedelta(days=21)


class DemoStopped(Refused):
    """Why the demo cannot go on (zh / en); what earlier steps made is kept. The CLI says so, and that running
    ``jinguo demo`` again completes it."""

    def __init__(self, zh: str, en: str):
        super().__init__(500, "demo_stopped", zh, en)

    def message(self) -> str:
        return (f"演示数据未写完：{self.zh}。已完成的步骤已保存，问题解决后再运行 jinguo demo 即可接着完成。/ "
                f"the demo stopped: {self.en}. Finished steps are kept; run jinguo demo again to complete it.")


@dataclass
class Step:
    """One line of progress: what the step is, and how many things it made."""
    zh: str
    en: str
    made: int = 0


def demo_member(s: Session, username: str) -> Member:
    m = s.scalar(select(Member).where(Member.username == username))
    if m is None:
        raise DemoStopped(f"演示成员 {username} 不存在（被删除了？）", f"the demo member {username} is missing (deleted?)")
    return m

