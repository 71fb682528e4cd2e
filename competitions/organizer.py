"""What an organizer changes in a running competition, as new specs: close a phase now, freeze its board now.

Each returns a new, validated Competition (the hub saves its YAML in place of the old one and audits both);
an action that makes no sense at ``now`` raises SpecError with the reason in Chinese and English.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from competitions.spec import Competition, dump_competition, load_competition
from competitions.yamlspec import Problem, SpecError


def _refuse(field: str, zh: str, en: str) -> SpecError:
    return SpecError([Problem(field, zh, en)])


def _edited(spec: Competition, key: str, **changes) -> Competition:
    phases = [p.model_copy(update=changes) if p.key == key else p for p in spec.phases]
    return load_competition(dump_competition(spec.model_copy(update={"phases": phases})))


def close_phase(spec: Competition, key: str, now: datetime) -> Competition:
    """The phase ends at ``now`` instead of its planned time; later phases keep their times."""
    phase = spec.phase(key)
    if now >= phase.closes_at:
        raise _refuse(f"phases.{key}.closes_at", f"{phase.title}已经结束", f"phase {key} is already closed")
    if now <= phase.opens_at:
        raise _refuse(f"phases.{key}.opens_at", f"{phase.title}尚未开始，不能提前结束",
                      f"phase {key} has not opened yet, so it cannot be closed early")
    changes: dict = {"closes_at": now}
    freeze = spec.freeze_for(phase)
    if freeze is not None:
        cutoff = phase.closes_at - freeze
        if cutoff < now:  # already frozen: the public board stays frozen from the same moment
            changes["freeze_before_close"] = now - cutoff
        elif spec.board.freeze_before_close is not None and spec.board.freeze_before_close >= now - phase.opens_at:
            changes["freeze_before_close"] = timedelta(seconds=1)  # the planned freeze had not begun
        else:
            changes["freeze_before_close"] = None
    return _edited(spec, key, **changes)


def freeze_phase(spec: Competition, key: str, now: datetime) -> Competition:
    """The public board of the phase shows nothing submitted from ``now`` on, until the phase closes."""
    phase = spec.phase(key)
    if not phase.opens_at < now < phase.closes_at:
        raise _refuse(f"phases.{key}", f"只能在{phase.title}进行中封榜", f"phase {key} can only be frozen while it runs")
    left = phase.closes_at - now.replace(microsecond=0)
    current = spec.freeze_for(phase)
    if current is not None and current >= left:
        raise _refuse(f"phases.{key}.freeze_before_close", f"{phase.title}的榜单已经封榜",
                      f"the board of phase {key} is already frozen")
    return _edited(spec, key, freeze_before_close=left)
