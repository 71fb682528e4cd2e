"""The public notice (公示) of a nomination round: what anyone may read, from the moment the notice starts and for
ever after the list is final. Name, unit and achievement as the round's ``privacy`` allows; nothing private and no
score (competitions.nominations.privacy)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy.orm import Session

from competitions.nominations import spec as round_spec
from competitions.nominations.privacy import public_exception, public_line
from hub.nominations.rounds import NominationRefused, entries_of, exceptions_of, get_round, privacy_spec_of
from hub.store.orm import aware


@dataclass(frozen=True, slots=True)
class NoticeLine:
    """One person on the 公示 list: name, unit, achievement and nothing else (no phone, user name, gender, score
    of anyone excluded). ``entry`` numbers the line for an objection."""

    entry: int
    name: str
    unit: str
    achievement: str


@dataclass(frozen=True, slots=True)
class NoticeException:
    """A rule the list breaks by the round's leave, as the public reads it, with the organizer's written reason."""

    code: str
    zh: str
    en: str
    reason: str


@dataclass(frozen=True, slots=True)
class PublicNotice:
    slug: str
    title: str
    award: str
    year: int
    stage: str
    starts_at: datetime
    ends_at: datetime
    lines: tuple[NoticeLine, ...]
    exceptions: tuple[NoticeException, ...] = ()

    def open_for_objections(self, now: datetime | None = None) -> bool:
        return self.stage == "notice" and (now or datetime.now(timezone.utc)) < self.ends_at


def public_notice(s: Session, slug: str) -> PublicNotice:
    """The notice list once the 公示 has started; before that the round is not public."""
    row = get_round(s, slug)
    if row.stage not in ("notice", "final") or row.notice_starts_at is None or row.notice_ends_at is None:
        raise NominationRefused(404, "not_public", "这一轮推荐尚未公示", "This round is not on public notice")
    spec = privacy_spec_of(row)  # privacy.public_fields: what of each person the public sees; never a score
    lines = []
    for e in entries_of(s, row):
        if e.included:
            shown = public_line(spec, e.name, e.unit, e.achievement)
            lines.append(NoticeLine(e.id, shown.name, shown.unit, shown.achievement))
    return PublicNotice(row.slug, row.title, round_spec.AWARDS[row.award], row.year, row.stage,
                        aware(row.notice_starts_at), aware(row.notice_ends_at), tuple(lines),
                        tuple(NoticeException(b.code, *public_exception(spec, b), o.reason)
                              for b, o in (exceptions_of(s, row) if spec is not None else ())))
