"""Correcting a studio (更正工作室信息): remove a member added by mistake, edit an achievement recorded wrongly,
withdraw (撤回) one that does not hold. Organizers only (the pages check the scope); every correction is audited
with what it changed, in the caller's transaction, and nothing is deleted:

- a removed member keeps her StudioMember row with ``left_at``; she leaves the member list and the studio's average
  in a studio round, while the achievements credited to her stay hers (and still count for her in rounds for people);
- an edited achievement keeps its row; the audit row holds the changed fields before and after;
- a withdrawn achievement keeps its row with who, when and why; rounds no longer count it, the showcase no longer
  shows it, organizers still see it struck through with the reason.

Final nomination lists are snapshots (NominationEntry rows written when the draft was computed), so a correction
changes only rounds computed after it.
"""
from __future__ import annotations

from datetime import date, datetime, timezone

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from competitions.nominations import studios as core
from hub.store.audit import audit
from hub.people.members import get_member
from hub.store.orm import Member, StudioAchievement, StudioMember
from hub.nominations.studios import TARGET, StudioRefused, current_member_ids, get_studio, parse_day

EDITABLE = ("title", "kind", "achieved_on", "description", "public", "credited_to")


def remove_member(s: Session, studio_id: int, username: str, actor: str, now: datetime | None = None) -> StudioMember:
    """She leaves the studio (never its leader); StudioError names the problem and nothing is stored."""
    studio = get_studio(s, studio_id)
    person = get_member(s, username.strip().lower()) if username.strip() else None
    if person is None:
        raise core.StudioError([core.Problem("member", "找不到这位会员（请填写用户名）", "no such member (give the user name)")])
    if person.id == studio.leader_id:
        raise core.StudioError([core.Problem(
            "member", f"{person.real_name} 是领衔人，不能移出：工作室须有领衔人（更换领衔人暂不支持）",
            f"{person.real_name} leads the studio and cannot be removed (changing the leader is not supported yet)")])
    row = s.scalar(select(StudioMember).where(StudioMember.studio_id == studio.id, StudioMember.member_id == person.id,
                                              StudioMember.left_at.is_(None))
                 .with_for_update(of=StudioMember))
    if row is None:
        raise core.StudioError([core.Problem("member", f"{person.real_name} 不是本工作室的现任成员",
                                             f"{person.real_name} is not a current member of this studio")])
    row.left_at, row.removed_by = now or datetime.now(timezone.utc), actor
    kept = s.scalar(select(func.count(StudioAchievement.id)).where(StudioAchievement.studio_id == studio.id,
                                                                   StudioAchievement.credited_to == person.id))
    audit(s, actor, "studio.member_remove", TARGET, studio.id,
          before={"member": person.username, "added_at": row.added_at.isoformat(), "left_at": None},
          after={"member": person.username, "left_at": row.left_at.isoformat(), "achievements_kept": kept})
    s.flush()
    return row


def get_achievement(s: Session, studio_id: int, achievement_id: int, lock: bool = False) -> StudioAchievement:
    """One of this studio's achievements (404 otherwise, also when it belongs to another studio)."""
    query = select(StudioAchievement).where(StudioAchievement.id == achievement_id,
                                            StudioAchievement.studio_id == get_studio(s, studio_id).id)
    row = s.scalar(query.with_for_update() if lock else query)
    if row is None:
        raise StudioRefused(404, "achievement_not_found", "本工作室没有这项成果", "No such achievement in this studio")
    return row


def _refuse_if_withdrawn(row: StudioAchievement, doing_zh: str, doing_en: str) -> None:
    if row.withdrawn_at is not None:
        when = row.withdrawn_at.date().isoformat()
        raise StudioRefused(409, "achievement_withdrawn",
                            f"成果《{row.title}》已于 {when} 由 {row.withdrawn_by} 撤回（理由：{row.withdrawal_reason}），"
                            f"不能{doing_zh}；如需恢复，请重新录入",
                            f"'{row.title}' was withdrawn on {when} by {row.withdrawn_by} "
                            f"({row.withdrawal_reason}); it cannot be {doing_en} — record it again if it holds")


def _shown(field: str, value: object, people: dict[int, str]) -> object:
    """A field's value as the audit log keeps it: dates as text, the credited member by user name."""
    if field == "credited_to":
        return people.get(value, value)  # type: ignore[call-overload]
    return value.isoformat() if isinstance(value, date) else value


def edit_achievement(s: Session, studio_id: int, achievement_id: int, *, title: str, kind: str, achieved_on: str,
                     description: str, public: bool, credited: str, actor: str,
                     today: date | None = None) -> tuple[StudioAchievement, list[str]]:
    """Change an achievement's fields; the credited member must be a current member (or stay who she was: a removed
    member keeps her achievements). Returns the row and the fields that changed (none: nothing is written)."""
    row = get_achievement(s, studio_id, achievement_id, lock=True)
    _refuse_if_withdrawn(row, "修改", "edited")
    studio = get_studio(s, studio_id)
    day = parse_day(achieved_on)
    person = get_member(s, credited.strip().lower()) if credited.strip() else studio.leader
    allowed = person is not None and (person.id == row.credited_to or person.id in current_member_ids(s, studio.id))
    today = today or datetime.now(timezone.utc).date()
    problems = core.check_achievement(title, kind, day, description, today, allowed)
    if problems:
        raise core.StudioError(problems)
    new = {"title": title.strip(), "kind": kind, "achieved_on": day, "description": description.strip(),
           "public": public, "credited_to": person.id}
    changed = [f for f in EDITABLE if getattr(row, f) != new[f]]
    if not changed:
        return row, []
    people = dict(s.execute(select(Member.id, Member.username)
                            .where(Member.id.in_({row.credited_to, person.id}))).all())
    before = {"achievement": row.id, **{f: _shown(f, getattr(row, f), people) for f in changed}}
    for f in changed:
        setattr(row, f, new[f])
    audit(s, actor, "studio.achievement_edit", TARGET, studio.id, before=before,
          after={"achievement": row.id, **{f: _shown(f, new[f], people) for f in changed}})
    s.flush()
    return row, changed


def withdraw_achievement(s: Session, studio_id: int, achievement_id: int, reason: str, actor: str,
                         now: datetime | None = None) -> StudioAchievement:
    """Mark it withdrawn (who, when, why); a reason is required, and a withdrawn achievement cannot be withdrawn again."""
    row = get_achievement(s, studio_id, achievement_id, lock=True)
    _refuse_if_withdrawn(row, "再次撤回", "withdrawn again")
    reason = reason.strip()
    if not reason:
        raise core.StudioError([core.Problem("reason", "请填写撤回理由（例如：专利申请未获授权）",
                                             "give the reason for withdrawing (e.g. the patent was not granted)")])
    if len(reason) > core.TEXT_MAX:
        raise core.StudioError([core.Problem("reason", f"撤回理由不能超过 {core.TEXT_MAX} 个字",
                                             f"the reason is longer than {core.TEXT_MAX} characters")])
    row.withdrawn_at, row.withdrawn_by, row.withdrawal_reason = now or datetime.now(timezone.utc), actor, reason
    audit(s, actor, "studio.achievement_withdraw", TARGET, row.studio_id,
          before={"achievement": row.id, "title": row.title, "withdrawn": False},
          after={"achievement": row.id, "title": row.title, "withdrawn": True,
                 "withdrawn_at": row.withdrawn_at.isoformat()}, reason=reason)
    s.flush()
    return row
