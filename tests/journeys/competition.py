"""A one-task competition opened from YAML by `jinguo competition open`, as an organizer does; its task is the
grading corpus's small assignment (tests/grading/corpus.py). Shared by the road tests, the Submit widget's
browser test and bench/rush.py."""
from __future__ import annotations

import shutil
from datetime import datetime, timedelta, timezone
from pathlib import Path

from tests.grading.corpus import KINDS, make_course


def spec_text(slug: str, title: str, *, per_day: int, open_for: timedelta, phase: tuple[str, str] = ("prelim", "初赛"),
              task: str = "task1", now: datetime | None = None) -> str:
    now = now or datetime.now(timezone.utc)
    return f"""slug: {slug}
title: {title}
phases:
  - key: {phase[0]}
    title: {phase[1]}
    opens_at: {(now - timedelta(hours=1)).isoformat()}
    closes_at: {(now + open_for).isoformat()}
    tasks:
      - {{assignment: {task}, title: 求和, max_score: 3}}
limits: {{per_day: {per_day}}}
"""


def open_competition(hub, spec_dir: Path, slug: str, title: str, *, task: str = "task1", **spec) -> Path:
    """The task's nbgrader folder in place, then the competition opened; its folder."""
    course = hub.data_dir / "competitions" / slug
    make_course(course, {"seed": KINDS["full"]}, assignment=task)
    shutil.rmtree(course / "submitted")
    path = Path(spec_dir) / f"{slug}.yaml"
    path.write_text(spec_text(slug, title, task=task, **spec), encoding="utf-8")
    opened = hub.jinguo("competition", "open", str(path))
    assert opened.returncode == 0, opened.stderr
    return course
