"""Members: validating a sign-up, creating, approving and listing people, with every change audited."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.refusals import Refused
from hub.store.audit import audit
from hub.store.orm import (
    NAME_LEN,
    PHONE_LEN,
    REAL_NAME_LEN,
    AuditLog,
    EmploymentForm,
    Industry,
    Member,
    MemberStatus,
    OrgUnit,
    Region,
    Role,
    UnitLevel,
)

# Hub names become URLs and (with a prefix) Unix account names: keep them plain.
USERNAME_RE = re.compile(r"^[a-z][a-z0-9_-]{2,%d}$" % (NAME_LEN - 1))
PHONE_RE = re.compile(r"^\+?[0-9][0-9 -]{5,%d}$" % (PHONE_LEN - 2))


# Sex as stored (None = 未填写: not answered; members from before revision 0010 were never asked) and as shown.
SEXES = {"female": "女", "male": "男"}
SEX_UNKNOWN_LABEL = "未填写"
SEX_REASON_ZH = "工会统计女职工覆盖面、在五一劳动奖章等评选中保障女性比例需要"
SEX_REASON_EN = ("the union needs it to count how many women workers it reaches and to guarantee the share of women "
                 "in awards such as the May Day labour medal")


def sex_label(value: str | None) -> str:
    """女 / 男 / 未填写, as people read it."""
    return SEXES.get(value or "", SEX_UNKNOWN_LABEL)


class MemberError(Refused):
    """A sign-up, profile or status change refused; ``field`` (detail) names the form field it is about."""


@dataclass
class Profile:
    username: str
    real_name: str
    unit: str
    region: str
    industry: str
    employment_form: str
    phone: str = ""
    gender: str | None = None  # None: not answered (allowed only where sex is not asked, e.g. staff by CLI)
    errors: list[MemberError] = field(default_factory=list)


def read_profile(form: dict[str, str], *, sex_required: bool = False) -> Profile:
    """Normalise the sign-up form and collect every problem (not just the first). ``sex_required``: the sign-up
    page asks 性别 of everyone; other callers (CLI, imports) may leave it unanswered (stored as NULL, 未填写)."""
    get = lambda k: (form.get(k) or "").strip()  # noqa: E731
    p = Profile(username=get("username").lower(), real_name=get("real_name"), unit=get("unit"),
                region=get("region"), industry=get("industry"), employment_form=get("employment_form"),
                phone=get("phone"), gender=get("gender") or None)
    if not USERNAME_RE.match(p.username):
        p.errors.append(MemberError(
            400, "bad_username", f"用户名须为 3–{NAME_LEN} 位小写字母、数字、下划线或连字符，并以字母开头",
            f"user name must be 3–{NAME_LEN} lowercase letters, digits, _ or -, starting with a letter",
            field="username"))
    if not p.real_name:
        p.errors.append(MemberError(400, "bad_real_name", "请填写真实姓名", "real name is required", field="real_name"))
    elif len(p.real_name) > REAL_NAME_LEN:
        p.errors.append(MemberError(400, "bad_real_name", f"姓名不能超过 {REAL_NAME_LEN} 个字",
                                    f"real name is longer than {REAL_NAME_LEN} characters", field="real_name"))
    elif any(c in p.real_name for c in "<>&\"'\\/") or not p.real_name.isprintable():
        p.errors.append(MemberError(400, "bad_real_name", "姓名不能包含特殊符号",
                                    "real name may not contain special characters", field="real_name"))
    for key, zh, en in (("unit", "请选择所在基层工会", "choose your grassroots union"),
                        ("region", "请选择区域", "choose your region"),
                        ("industry", "请选择行业", "choose your industry"),
                        ("employment_form", "请选择用工形式", "choose your employment form")):
        if not getattr(p, key):
            p.errors.append(MemberError(400, f"no_{key}", zh, en, field=key))
    if p.phone and not PHONE_RE.match(p.phone):
        p.errors.append(MemberError(400, "bad_phone", "手机号格式不对", "phone number is not valid", field="phone"))
    if p.gender is None and sex_required:
        p.errors.append(MemberError(400, "no_gender", f"请选择性别（女 / 男）：{SEX_REASON_ZH}",
                                    f"choose your sex (female / male): {SEX_REASON_EN}", field="gender"))
    elif p.gender is not None and p.gender not in SEXES:
        p.errors.append(MemberError(400, "bad_gender", "性别只能选“女”或“男”", "sex must be female or male", field="gender"))
    return p


def add_member(session: Session, profile: Profile, *, role: Role = Role.learner,
               status: MemberStatus = MemberStatus.pending, actor: str = "") -> Member:
    """Insert a member (not committed); raises MemberError for unknown choices or a taken name."""
    if profile.errors:
        raise profile.errors[0]
    if session.scalar(select(Member.id).where(Member.username == profile.username)):
        raise MemberError(409, "username_taken", "该用户名已被注册", "this user name is already taken", field="username")
    unit = session.scalar(select(OrgUnit).where(OrgUnit.code == profile.unit))
    if unit is None or unit.level != UnitLevel.grassroots:
        raise MemberError(400, "unknown_unit", "所选基层工会不存在", "unknown grassroots union", field="unit")
    refs = {}
    for key, model in (("region", Region), ("industry", Industry), ("employment_form", EmploymentForm)):
        row = session.scalar(select(model).where(model.code == getattr(profile, key)))
        if row is None:
            raise MemberError(400, f"unknown_{key}",
                              f"所选{ {'region': '区域', 'industry': '行业', 'employment_form': '用工形式'}[key] }不存在",
                              f"unknown {key.replace('_', ' ')}", field=key)
        refs[key] = row
    member = Member(username=profile.username, real_name=profile.real_name, gender=profile.gender,
                    phone=profile.phone or None, role=role, status=status, org_unit=unit,
                    region=refs["region"], industry=refs["industry"], employment_form=refs["employment_form"])
    if status == MemberStatus.approved:
        member.approved_at, member.approved_by = datetime.now(timezone.utc), actor or "system"
    session.add(member)
    session.flush()
    audit(session, actor or profile.username, "member.signup" if not actor else "member.create",
          "member", profile.username, after=describe(member))
    return member


def describe(m: Member) -> dict[str, Any]:
    return {"username": m.username, "real_name": m.real_name, "role": m.role.value,
            "status": m.status.value, "unit": m.org_unit.code, "region": m.region.code,
            "industry": m.industry.code, "employment_form": m.employment_form.code, "gender": m.gender}


def get_member(session: Session, username: str) -> Member | None:
    return session.scalar(select(Member).where(Member.username == username))


def set_status(session: Session, username: str, status: MemberStatus, actor: str, reason: str = "") -> Member:
    member = get_member(session, username)
    if member is None:
        raise MemberError(404, "no_member", "没有这个用户", "no such member", field="username")
    before = describe(member)
    member.status = status
    if status == MemberStatus.approved:
        member.approved_at, member.approved_by = datetime.now(timezone.utc), actor
    audit(session, actor, f"member.{status.value}", "member", username, before, describe(member), reason)
    return member


def review_comment(session: Session, username: str) -> str:
    """The organizer's comment on the last approval decision about her ("" when none was written)."""
    return session.scalar(select(AuditLog.reason).where(
        AuditLog.target_type == "member", AuditLog.target_id == username,
        AuditLog.action.in_([f"member.{s.value}" for s in (MemberStatus.approved, MemberStatus.rejected)]))
        .order_by(AuditLog.id.desc()).limit(1)) or ""


def set_sex(session: Session, username: str, sex: str | None, actor: str, reason: str = "") -> Member:
    """An organizer's correction of someone's sex (None: back to 未填写), audited with who, when and why."""
    member = get_member(session, username)
    if member is None:
        raise MemberError(404, "no_member", "没有这个用户", "no such member", field="username")
    if sex is not None and sex not in SEXES:
        raise MemberError(400, "bad_gender", "性别只能选“女”“男”或“未填写”", "sex must be female, male or not given",
                          field="gender")
    if not reason.strip():
        raise MemberError(400, "reason_required", "请写明更正理由（例如：本人来电更正）",
                          "give a reason for the correction (e.g. she called to correct it)", field="reason")
    before = describe(member)
    member.gender = sex
    audit(session, actor, "member.sex_corrected", "member", username, before, describe(member), reason.strip())
    return member


def hub_groups(member: Member) -> list[str]:
    """The JupyterHub groups her role implies (RBAC roles are granted to these groups)."""
    return {
        Role.learner: ["learners"],
        Role.instructor: ["instructors"],
        Role.organizer: ["organizers"],
        Role.admin: ["admins"],
    }[member.role]
