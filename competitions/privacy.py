"""What a public page may say about a competitor, as the competition's privacy settings allow."""
from __future__ import annotations

from typing import Any

from competitions.model import BoardRow, Member
from competitions.spec import Privacy


def mask_name(name: str) -> str:
    """王小芳 → 王*芳, 李娜 → 李*, 欧阳娜娜 → 欧**娜: the first and the last character stay."""
    name = name.strip()
    if len(name) <= 1:
        return "*" if name else ""
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def public_name(member: Member | None, privacy: Privacy) -> str:
    if member is None:
        return "—"
    if privacy.public_name == "real":
        return member.real_name
    if privacy.public_name == "masked":
        return mask_name(member.real_name)
    return member.unit_name or "—"


def public_row(row: BoardRow, member: Member | None, privacy: Privacy, *, viewer: Any = None) -> dict[str, Any]:
    """A board row as the JSON API and public pages show it; her own row (``viewer``) shows her name."""
    mine = viewer is not None and viewer == row.member
    out: dict[str, Any] = {
        "rank": row.rank,
        "name": member.real_name if mine and member else public_name(member, privacy),
        "total": row.total,
        "scores": dict(row.scores),
        "reached_at": row.reached_at.isoformat(),
        "submissions": row.submissions,
        "me": mine,
    }
    if privacy.show_unit or privacy.public_name == "unit_only":
        out["unit"] = member.unit_name if member else ""
    return out
