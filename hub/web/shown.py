"""What a page and an API handler (or two pages) show alike: the phase of a competition asked for (a time reads
by courses.clock.shown). Here, not in one page module, because no page or API module imports another
(tests/test_layout.py)."""
from __future__ import annotations

from datetime import datetime

import competitions as core
from hub.refusals import Refused



def shown_phase(spec: core.Competition, now: datetime, key: str | None = None):
    """The phase asked for by key; else the one running; else the last one started; else the first."""
    if key:
        try:
            return spec.phase(key)
        except (KeyError, ValueError):
            raise Refused(404, "phase_not_found", "没有这个阶段", "No such phase")
    current = spec.phase_at(now)
    started = [p for p in spec.phases if p.opens_at <= now]
    return current or (started[-1] if started else spec.phases[0])
