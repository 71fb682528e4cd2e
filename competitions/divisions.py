"""Which boards a competitor is on: the divisions her profile implies, and always the overall one; and what each
board is called. Board keys (``overall``, ``region``, ``region:zhejiang``) and their titles for people
(总榜, 地区分榜·浙江省) are made here only: the hub's pages, API and result workbooks ask ``board_titles``."""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import get_args

from competitions.model import Member
from competitions.spec import OVERALL, Competition, Division, Match


# The profile fields a division may be split by (competitions/spec.py's Division.split_by); the hub names each
# field's codes from its reference tables (hub.competitions.boards.division_names).
SPLIT_FIELDS: tuple[str, ...] = get_args(get_args(Division.model_fields["split_by"].annotation)[0])
# Each such field as people read it ("中文", "English"): the participation tables beside the boards.
FIELD_TITLES = {"region": ("区域", "region"), "industry": ("行业", "industry"),
                "employment_form": ("用工形式", "employment form")}


def matches(member: Member, match: Match) -> bool:
    if match.regions is not None and member.region not in match.regions:
        return False
    if match.industries is not None and member.industry not in match.industries:
        return False
    if match.employment_forms is not None and member.employment_form not in match.employment_forms:
        return False
    if match.new_form is not None and member.new_form != match.new_form:
        return False
    if match.units is not None and not set(member.units) & set(match.units):
        return False
    return True


def division_keys(member: Member, division: Division) -> list[str]:
    """The board keys this division puts her on (none, one; a split gives ``key:value``)."""
    if division.match is not None:
        return [division.key] if matches(member, division.match) else []
    value = getattr(member, division.split_by or "")
    return [f"{division.key}:{value}"] if value else []


def divisions_of(member: Member, spec: Competition) -> tuple[str, ...]:
    """Every board she is on, overall first."""
    keys = [OVERALL]
    for division in spec.divisions:
        keys.extend(division_keys(member, division))
    return tuple(keys)


def in_division(member: Member, spec: Competition, key: str) -> bool:
    """``key`` may name a board (``region:zhejiang``) or a whole split division (``region``)."""
    if key == OVERALL:
        return True
    for division in spec.divisions:
        mine = division_keys(member, division)
        if key == division.key and mine or key in mine:
            return True
    return False


def division_title(spec: Competition, key: str,
                   names: Mapping[str, str] | Mapping[str, Mapping[str, str]] | None = None) -> str:
    """A Chinese title for a board key, as people read it: ``地区分榜·浙江省``, never the code ``zhejiang``.
    ``names`` maps each split field to its codes' names (``{"region": {"zhejiang": "浙江省"}}``, what the hub
    reads from its reference tables), or is one flat code → name mapping; an unknown code is shown as it is."""
    if key == OVERALL:
        return spec.board.overall_title
    base, _, value = key.partition(":")
    for division in spec.divisions:
        if division.key == base:
            if not value:
                return division.title
            names = names or {}
            nested = any(isinstance(v, Mapping) for v in names.values())
            table = names.get(division.split_by or "", {}) if nested else names
            label = table.get(value, value) if isinstance(table, Mapping) else value
            return f"{division.title}·{label}"
    raise KeyError(key)


def board_title(spec: Competition, key: str,
                names: Mapping[str, str] | Mapping[str, Mapping[str, str]] | None = None) -> str:
    """``division_title``, or the key itself for a key the competition file does not (or no longer) name."""
    try:
        return division_title(spec, key, names)
    except KeyError:
        return key


def board_titles(spec: Competition, keys: Iterable[str],
                 names: Mapping[str, str] | Mapping[str, Mapping[str, str]] | None = None) -> list[tuple[str, str]]:
    """(key, title) of every board in ``keys``, the overall board first and always there: the board picker on
    her competition page and the sheets of the results workbook."""
    return [(key, board_title(spec, key, names)) for key in [OVERALL, *[k for k in keys if k != OVERALL]]]
