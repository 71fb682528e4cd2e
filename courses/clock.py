"""Beijing time, defined once for every part of Jinguo: what a person reads and types is Beijing time (UTC+8, no
daylight saving since 1991); what the databases, the audit and the exchange keep is UTC.

Why here, in ``courses/``: three parts need it and two of them may not import ``hub/`` (``grading/`` writes the
feedback she reads, ``competitions/`` dates nomination notices; dependencies point from ``hub/`` to them, never
back). ``courses/__init__.py`` imports nothing, so ``from courses.clock import BEIJING`` loads only this file and
the standard library: cheap in a grading worker and in her notebook server (``hub/lab/exchange``), and no
package-level import of ``competitions``' rules or ``grading``'s engine. This module imports nothing of the project.

``BEIJING`` is a fixed offset named "Asia/Shanghai": PostgreSQL takes that name as the zone to convert in
(``hub/reports/tables.py``), and a fixed offset needs no tz database in a slim image.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

BEIJING = timezone(timedelta(hours=8), "Asia/Shanghai")
BEIJING_ZH, BEIJING_EN = "北京时间", "Beijing time"
SHOWN = "%Y-%m-%d %H:%M"  # how a time reads on a page, in the CLI, in her feedback and in a notice


def aware_utc(when: datetime) -> datetime:
    """A stored time as an aware one: a naive time is UTC (that is how the databases keep it)."""
    return when if when.tzinfo else when.replace(tzinfo=timezone.utc)


def to_beijing(when: datetime) -> datetime:
    return aware_utc(when).astimezone(BEIJING)


def shown(when: datetime | None, fmt: str = SHOWN) -> str:
    """A stored time as a person reads it: '2026-05-01 09:00' in Beijing time ('' for no time). Pages, the CLI,
    notices and her feedback all call this, so a time reads the same everywhere; the words （北京时间） go once
    beside it where the page or line shows it."""
    return to_beijing(when).strftime(fmt) if when else ""


def parse_beijing(text: str) -> datetime:
    """What a person typed (an ISO date or date-time: ``2026-12-31 23:59``, ``2026-12-31T23:59``, ``2026-12-31``)
    as an aware time. Without a zone it is Beijing time, on the web form and in ``jinguo … --due`` alike; a
    written zone (``+08:00``, ``Z``) is kept. Raises ValueError for anything else."""
    when = datetime.fromisoformat(text.strip())
    return when if when.tzinfo else when.replace(tzinfo=BEIJING)
