"""Times a person reads: Beijing time, one format, in Chinese and in English. The database and the audit keep UTC."""
from __future__ import annotations

from datetime import datetime

from courses.clock import shown


def beijing(when: datetime) -> str:
    """'2026-05-01 09:00' in Beijing time (a naive time is taken as UTC, as the database keeps it)."""
    return shown(when)


def beijing_zh(when: datetime) -> str:
    return f"{beijing(when)}（北京时间）"


def beijing_en(when: datetime) -> str:
    return f"{beijing(when)} (Beijing time)"
