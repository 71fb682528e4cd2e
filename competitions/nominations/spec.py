"""A nomination round, defined in YAML and validated like a competition file (field path and line, zh + en)."""
from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from competitions.spec import ChineseTitle, Key, Slug
from competitions.yamlspec import Problem, load_spec, validate_file

AWARDS = {
    "may_day_women": "五一巾帼奖",
    "may_day_medal": "五一劳动奖章（推荐名单）",
    "studio": "女职工创新工作室（培育）",
}


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Source(_Spec):
    """Results that count: a competition's final ranks, a course completed, or studio achievements entered
    by organizers."""

    kind: Literal["competition", "course", "studio_achievements"]
    ref: str = ""  # competition slug or course slug; empty for studio achievements
    weight: float = Field(1.0, gt=0)

    @model_validator(mode="after")
    def _needs_ref(self) -> "Source":
        if self.kind != "studio_achievements" and not self.ref:
            raise ValueError("竞赛或课程来源需要 ref（竞赛或课程的代码）/ a competition or course source needs ref")
        return self


class Eligibility(_Spec):
    approved_members_only: bool = True
    units: list[Key] = []  # codes of unions whose members may be nominated
    not_awarded_within_years: int | None = Field(None, ge=1, le=20)
    exclude_disqualified: bool = True


class Quota(_Spec):
    slots: int = Field(gt=0, le=10000)
    women_min_share: float = Field(0.0, ge=0, le=1)
    max_per_unit: int | None = Field(None, gt=0)
    max_per_region: int | None = Field(None, gt=0)


class Procedure(_Spec):
    reviewers: list[str] = []
    notice_days: int = Field(5, ge=1, le=60)  # 公示 lasts at least one working week in practice


class Adjustments(_Spec):
    """What the organizer's adjustments may do. By default an adjustment that breaks the round's rules (places,
    caps, eligibility, women's share) is refused; with ``override: true`` it is allowed with a written reason and
    shown as an exception on the list, in the audit and on the notice."""

    override: bool = False


PUBLIC_FIELDS = ("name", "unit", "achievement")


class Privacy(_Spec):
    """What the public pages (公示 without login, the showcase) show of a listed person: only name, unit and
    achievement can be chosen; scores, gender, user names and phone numbers never appear."""

    public_fields: list[Literal["name", "unit", "achievement"]] = list(PUBLIC_FIELDS)

    @model_validator(mode="after")
    def _needs_name(self) -> "Privacy":
        if "name" not in self.public_fields:
            raise ValueError("公示必须显示姓名（public_fields 须包含 name），否则无法对名单提出异议 / the notice must "
                             "show names (public_fields must include name), or nobody could object to the list")
        return self


class NominationRound(_Spec):
    slug: Slug
    title: ChineseTitle
    award: Literal["may_day_women", "may_day_medal", "studio"]
    year: int = Field(ge=2000, le=2100)
    description: str = ""
    sources: list[Source] = Field(min_length=1)
    eligibility: Eligibility = Eligibility()
    quota: Quota
    import_external: bool = False  # the 五一劳动奖章 list also holds candidates from outside the platform
    procedure: Procedure = Procedure()
    adjustments: Adjustments = Adjustments()
    privacy: Privacy = Privacy()

    @model_validator(mode="after")
    def _medal_needs_share(self) -> "NominationRound":
        if self.award == "may_day_medal" and self.quota.women_min_share <= 0:
            raise ValueError("五一劳动奖章推荐须规定女性最低比例（quota.women_min_share）/ a May Day medal round "
                             "must set a minimum share of women (quota.women_min_share)")
        return self


def load_round(text: str | bytes, filename: str = "<round>") -> NominationRound:
    return load_spec(NominationRound, text, filename)


def validate_round_file(path: str | Path) -> list[Problem]:
    """Every problem in a round file (empty when valid), for ``jinguo nomination validate``."""
    return validate_file(NominationRound, path)
