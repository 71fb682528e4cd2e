"""The demo's hand-ins graded on the service's road: the grading queue's own runs (GradingQueue.grade_now, one run
per assignment, sandboxed), its grade rows and its callbacks — the board's public score and her certificate — only
in this process's thread instead of the service's, and a platform failure stops the demo instead of being retried
later (what failed stays waiting for the next `jinguo demo`)."""
from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from sqlalchemy import select

from hub.competitions.boards import BoardCache
from hub.courses import certificates
from hub.demo.story import DemoStopped, Say
from hub.store.db import session_scope
from hub.store.orm import Submission
from grading.statuses import WAITING
from hub.submissions.grades import course_dir_for
from hub.submissions.queue import GradingQueue


class DemoGrading(GradingQueue):
    """The grading queue without its loop: a submission the platform failed to grade is noted, not rescheduled."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.failed: list[int] = []

    def _retry_later(self, submission_id: int, delay: float) -> None:
        self.failed.append(submission_id)


def grade_waiting(db_url: str, data_dir: Path, say: Say | None = None) -> int:
    """Grade every waiting submission; the number of hand-ins graded. A course's runs one after another on one warm
    pool of one worker (grading/ keeps a few pools, by course and size): one pool boot per course folder."""
    boards = BoardCache(None)  # no loop: on_graded stores the public score only
    queue = DemoGrading(db_url=db_url, data_dir=str(data_dir), sandbox=True, processes=1, batch=1 << 30,
                        retry_limit=1 << 30, on_graded=[boards.on_graded, certificates.on_graded])
    waiting: dict[str, list[int]] = defaultdict(list)
    with session_scope(db_url) as s:
        for sub in s.scalars(select(Submission).where(Submission.status.in_(WAITING))
                             .order_by(Submission.received_at, Submission.id)):
            waiting[str(course_dir_for(data_dir, sub, s)[0])].append(sub.id)
    graded = 0
    for folder, run in sorted(waiting.items()):
        while run:
            later = queue.grade_now(run)
            done = set(run) - set(later)
            with session_scope(db_url) as s:
                subs = s.scalars(select(Submission).where(Submission.id.in_(done))).all()
                hand_ins = len({(sub.member_id, sub.received_at) for sub in subs if sub.id not in queue.failed})
                failed = [sub.message for sub in subs if sub.id in queue.failed]
            if failed:
                name = Path(folder).name
                raise DemoStopped(f"评分出错（{name}）：{failed[0]}", f"grading failed ({name}): {failed[0]}")
            if say:
                say(f"    评分 {Path(folder).name}：{hand_ins} 份 / graded {hand_ins} hand-ins")
            graded += hand_ins
            run = later
    return graded
