"""The competition file: pydantic models for every field, with the checks that span fields.

A spec is loaded with :func:`load_competition` (or checked with :func:`validate_competition_file`);
every problem comes back with its field path and line, in Chinese and English (see ``yamlspec``).
Cross-field checks raise one ``ValidationError`` holding all their problems, each at the exact field,
so an organizer fixes the whole file in one pass.

One module over 400 lines on purpose: it is the competition file's whole schema, model for model in the order of
the YAML (docs/competition-spec.md follows it), and the cross-field checks of ``Competition`` reach into every
model below it; split, a reader would chase one field's rules across files.
"""
from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

from competitions.yamlspec import Problem, load_spec, validate_file

OVERALL = "overall"  # the key of the board every competitor is on

_DURATION = re.compile(r"^\s*(?:(\d+)\s*d)?\s*(?:(\d+)\s*h)?\s*(?:(\d+)\s*m)?\s*(?:(\d+)\s*s)?\s*$")
_CJK = re.compile(r"[\u4e00-\u9fff]")


def _duration(value: Any) -> Any:
    """Accept "1h", "30m", "1h30m", "2d" (what organizers write); anything else goes to pydantic."""
    if isinstance(value, str):
        m = _DURATION.match(value)
        if m and any(m.groups()):
            d, h, mi, s = (int(g or 0) for g in m.groups())
            return timedelta(days=d, hours=h, minutes=mi, seconds=s)
        if not value.strip().upper().startswith("P"):
            raise ValueError(f"时长格式不对：{value!r}，应如 1h、30m、1h30m、2d / "
                             f"bad duration {value!r}: write e.g. 1h, 30m, 1h30m, 2d")
    return value


Duration = Annotated[timedelta, BeforeValidator(_duration)]
_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")
_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{1,63}$")


def _key(value: str) -> str:
    if not _KEY.match(value):
        raise ValueError(f"{value!r} 只能由字母、数字、- 和 _ 组成（最长 64 个） / "
                         f"{value!r} may only hold letters, digits, - and _ (at most 64)")
    return value


def _slug(value: str) -> str:
    if not _SLUG.match(value):
        raise ValueError(f"{value!r} 只能由小写字母、数字和 - 组成（2 到 64 个），用于网址 / "
                         f"{value!r} may only hold lowercase letters, digits and - (2 to 64); it goes in web addresses")
    return value


Key = Annotated[str, AfterValidator(_key)]


def _chinese(value: str) -> str:
    if not _CJK.search(value):
        raise ValueError("标题应使用中文 / the title should be in Chinese")
    return value


Slug = Annotated[str, AfterValidator(_slug)]
ChineseTitle = Annotated[str, Field(min_length=2, max_length=200), AfterValidator(_chinese)]
Code = Annotated[str, Field(min_length=1, max_length=64)]


def _problem(loc: tuple, zh: str, en: str, value: Any = None) -> InitErrorDetails:
    # yamlspec reads "zh" from ctx and the English from the message.
    return InitErrorDetails(type=PydanticCustomError("spec", "{en}", {"zh": zh, "en": en}), loc=loc, input=value)


def _raise_all(title: str, problems: list[InitErrorDetails]) -> None:
    if problems:
        raise ValidationError.from_exception_data(title, problems)


def _details(err: Any) -> InitErrorDetails:
    """An error pydantic reported, ready to be raised again together with ours."""
    ctx = err.get("ctx")
    if err["type"] == "spec":
        return InitErrorDetails(type=PydanticCustomError("spec", "{en}", ctx), loc=err["loc"], input=err["input"])
    out = InitErrorDetails(type=err["type"], loc=err["loc"], input=err["input"])
    if ctx:
        out["ctx"] = ctx
    return out


def _validated(handler: Any, data: Any) -> tuple[Any, list[InitErrorDetails]]:
    try:
        return handler(data), []
    except ValidationError as exc:
        return None, [_details(e) for e in exc.errors()]


def _valid_items(model: type[BaseModel], raw: Any) -> list[tuple[int, Any]]:
    """The items of a raw list that are valid on their own, so checks across items still run
    (and are reported) while some item has a problem of its own."""
    out = []
    for i, item in enumerate(raw if isinstance(raw, list) else []):
        try:
            out.append((i, model.model_validate(item)))
        except ValidationError:
            pass
    return out


def _valid(model: type[BaseModel], raw: Any) -> Any:
    try:
        return model.model_validate(raw if raw is not None else {})
    except ValidationError:
        return None


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PublicTests(_Spec):
    """Which hidden tests the public board uses: test cells whose id contains ``marker``, or a fixed
    ``fraction`` of them chosen by a hash of (competition, task, cell id), so it never changes."""

    marker: str | None = Field(None, min_length=1)
    fraction: float | None = Field(None, gt=0, le=1)

    @model_validator(mode="after")
    def _one_of(self) -> PublicTests:
        if (self.marker is None) == (self.fraction is None):
            raise ValueError("public_tests 需要且只能写 marker 或 fraction 之一 / "
                             "public_tests needs exactly one of marker or fraction")
        return self


class Task(_Spec):
    """One nbgrader assignment of a phase."""

    assignment: Key
    title: str = ""
    max_score: float = Field(gt=0)
    weight: float = Field(1.0, gt=0)
    public_tests: PublicTests | None = None


class Limits(_Spec):
    """How many submissions count; ``scope: task`` counts each task apart, ``phase`` all together.
    A day runs midnight to midnight in the competition's time zone."""

    per_day: int | None = Field(None, gt=0)
    per_phase: int | None = Field(None, gt=0)
    scope: Literal["task", "phase"] = "task"

    @model_validator(mode="after")
    def _day_within_phase(self) -> Limits:
        if self.per_day and self.per_phase and self.per_day > self.per_phase:
            _raise_all("Limits", [_problem(("per_day",), "每日次数不能多于整个阶段的次数",
                                           "per_day cannot exceed per_phase", self.per_day)])
        return self


class Entry(_Spec):
    """Who may enter a phase: the top ``top`` of an earlier phase's final (private) overall board."""

    from_phase: Key
    top: int = Field(gt=0)


class Phase(_Spec):
    key: Key
    title: str = Field(min_length=1)
    opens_at: AwareDatetime
    closes_at: AwareDatetime
    freeze_before_close: Duration | None = None  # overrides board.freeze_before_close
    tasks: list[Task] = Field(min_length=1)
    limits: Limits | None = None  # overrides the competition's limits
    public_tests: PublicTests | None = None  # default for its tasks
    entry: Entry | None = None

    @field_validator("closes_at")
    @classmethod
    def _after_open(cls, value: datetime, info: ValidationInfo) -> datetime:
        opens = info.data.get("opens_at")
        if opens is not None and value <= opens:
            raise ValueError("结束时间必须晚于开始时间 / closes_at must be after opens_at")
        return value

    @field_validator("freeze_before_close")
    @classmethod
    def _shorter(cls, value: timedelta | None, info: ValidationInfo) -> timedelta | None:
        opens, closes = info.data.get("opens_at"), info.data.get("closes_at")
        if value is not None and value <= timedelta(0):
            raise ValueError("封榜时长必须大于 0 / the freeze must be longer than 0")
        if value is not None and opens and closes and value >= closes - opens:
            raise ValueError("封榜时长必须短于本阶段时长 / the freeze must be shorter than the phase")
        return value

    @field_validator("tasks", mode="wrap")
    @classmethod
    def _unique_tasks(cls, value: Any, handler: Any) -> list[Task]:
        tasks, problems = _validated(handler, value)
        seen: set[str] = set()
        for i, task in enumerate(tasks) if tasks is not None else _valid_items(Task, value):
            if task.assignment in seen:
                problems.append(_problem((i, "assignment"), f"题目 {task.assignment} 在本阶段重复",
                                         f"task {task.assignment} appears twice in this phase", task.assignment))
            seen.add(task.assignment)
        _raise_all("tasks", problems)
        return tasks

    def task(self, assignment: str) -> Task | None:
        return next((t for t in self.tasks if t.assignment == assignment), None)


class Match(_Spec):
    """A competitor is in the division when every criterion given matches her profile
    (any of the listed values; ``units`` matches her unit or any union above it)."""

    regions: list[Code] | None = None
    industries: list[Code] | None = None
    employment_forms: list[Code] | None = None
    new_form: bool | None = None  # 新就业形态
    units: list[Code] | None = None

    @model_validator(mode="after")
    def _something(self) -> Match:
        if all(getattr(self, f) is None for f in type(self).model_fields):
            raise ValueError("match 至少需要一个条件 / match needs at least one criterion")
        return self


class Division(_Spec):
    """A board of its own: either the competitors matching ``match``, or ``split_by`` a profile
    field, which makes one board per value (keys like ``region:zhejiang``)."""

    key: Key
    title: str = Field(min_length=1)
    match: Match | None = None
    split_by: Literal["region", "industry", "employment_form"] | None = None

    @model_validator(mode="after")
    def _one_of(self) -> Division:
        if (self.match is None) == (self.split_by is None):
            raise ValueError("分组需要且只能写 match 或 split_by 之一 / "
                             "a division needs exactly one of match or split_by")
        if self.key == OVERALL:
            _raise_all("Division", [_problem(("key",), "overall 是总榜的保留名", "overall is reserved for the overall board", self.key)])
        return self


class Eligibility(_Spec):
    """Who may compete (empty lists mean no restriction); she must be an approved member."""

    units: list[Code] = []  # her unit or a union above it
    divisions: list[Key] = []  # in at least one of these
    courses_passed: list[Code] = []  # every one of these


class Scoring(_Spec):
    """``sum``: the task scores added; ``weighted``: each task counts weight × score / max_score,
    so weights 30/30/40 make a board out of 100."""

    method: Literal["sum", "weighted"] = "sum"
    counts: Literal["best", "last"] = "best"
    tie_breaks: list[Literal["earliest", "fewest_submissions"]] = ["earliest", "fewest_submissions"]

    @field_validator("tie_breaks")
    @classmethod
    def _unique(cls, value: list[str]) -> list[str]:
        if len(set(value)) != len(value):
            raise ValueError("同一个并列规则写了两次 / a tie-break is listed twice")
        return value


class BoardSettings(_Spec):
    overall_title: str = "总榜"
    freeze_before_close: Duration | None = None

    @field_validator("freeze_before_close")
    @classmethod
    def _positive(cls, value: timedelta | None) -> timedelta | None:
        if value is not None and value <= timedelta(0):
            raise ValueError("封榜时长必须大于 0 / the freeze must be longer than 0")
        return value


class Privacy(_Spec):
    """What public pages show: ``real`` name, ``masked`` (王*芳) or ``unit_only``."""

    public_name: Literal["real", "masked", "unit_only"] = "masked"
    show_unit: bool = True


class Competition(_Spec):
    slug: Slug
    title: ChineseTitle
    description: str = ""
    organizer: str = ""
    timezone: str = "Asia/Shanghai"
    phases: list[Phase] = Field(min_length=1)
    divisions: list[Division] = []
    eligibility: Eligibility = Eligibility()
    limits: Limits = Limits()
    scoring: Scoring = Scoring()
    board: BoardSettings = BoardSettings()
    privacy: Privacy = Privacy()

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"未知的时区 {value!r}，如 Asia/Shanghai / unknown time zone {value!r}, e.g. Asia/Shanghai")
        return value

    @model_validator(mode="wrap")
    @classmethod
    def _across(cls, data: Any, handler: Any) -> Competition:
        spec, problems = _validated(handler, data)
        raw = data if isinstance(data, dict) else {}
        if spec is not None:
            phases, divisions = list(enumerate(spec.phases)), list(enumerate(spec.divisions))
            eligibility, board = spec.eligibility, spec.board
        else:  # check what is valid on its own, so these problems show up alongside the others
            phases, divisions = _valid_items(Phase, raw.get("phases")), _valid_items(Division, raw.get("divisions"))
            eligibility, board = _valid(Eligibility, raw.get("eligibility")), _valid(BoardSettings, raw.get("board"))
        problems += _phase_problems(phases, board)
        seen: set[str] = set()
        for i, div in divisions:
            if div.key in seen:
                problems.append(_problem(("divisions", i, "key"), f"分组 {div.key} 重复", f"division {div.key} appears twice", div.key))
            seen.add(div.key)
        raw_divisions = raw.get("divisions") if isinstance(raw.get("divisions"), list) else []
        named = seen | {d.get("key") for d in raw_divisions if isinstance(d, dict)}  # broken ones too
        if eligibility is not None:
            for i, key in enumerate(eligibility.divisions):
                if key not in named:
                    problems.append(_problem(("eligibility", "divisions", i), f"没有名为 {key} 的分组",
                                             f"no division named {key}", key))
        _raise_all("Competition", problems)
        return spec

    # -- lookups the rules use ------------------------------------------------------------------
    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def phase(self, key: str) -> Phase:
        for ph in self.phases:
            if ph.key == key:
                return ph
        raise KeyError(key)

    def limits_for(self, phase: Phase) -> Limits:
        return phase.limits or self.limits

    def freeze_for(self, phase: Phase) -> timedelta | None:
        return phase.freeze_before_close or self.board.freeze_before_close

    def public_tests_for(self, phase: Phase, task: Task) -> PublicTests | None:
        return task.public_tests or phase.public_tests

    def phase_at(self, now: datetime) -> Phase | None:
        return next((ph for ph in self.phases if ph.opens_at <= now < ph.closes_at), None)


def _phase_problems(phases: list[tuple[int, Phase]], board: BoardSettings | None) -> list[InitErrorDetails]:
    problems = []
    index: dict[str, int] = {}
    previous: Phase | None = None
    for i, ph in phases:
        if ph.key in index:
            problems.append(_problem(("phases", i, "key"), f"阶段 {ph.key} 重复", f"phase {ph.key} appears twice", ph.key))
        index.setdefault(ph.key, i)
        if previous is not None and ph.opens_at < previous.closes_at:
            problems.append(_problem(("phases", i, "opens_at"), "阶段须按时间先后排列且不能重叠（早于上一阶段结束）",
                                     "phases must be in order and not overlap (opens before the previous one closes)",
                                     str(ph.opens_at)))
        previous = ph
        if ph.entry and index.get(ph.entry.from_phase, i) >= i:
            problems.append(_problem(("phases", i, "entry", "from_phase"), f"晋级来源 {ph.entry.from_phase} 不是更早的阶段",
                                     f"entry.from_phase {ph.entry.from_phase} is not an earlier phase", ph.entry.from_phase))
        freeze = board.freeze_before_close if board else None
        if ph.freeze_before_close is None and freeze is not None and freeze >= ph.closes_at - ph.opens_at:
            problems.append(_problem(("board", "freeze_before_close"), f"封榜时长不短于阶段 {ph.key}",
                                     f"the freeze is not shorter than phase {ph.key}", str(freeze)))
    return problems


def load_competition(text: str | bytes, filename: str = "<competition>") -> Competition:
    """Parse a competition file; raises ``SpecError`` with every problem."""
    return load_spec(Competition, text, filename)


def _duration_text(value: timedelta) -> str:
    seconds, out = int(value.total_seconds()), ""
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        if seconds >= size:
            out += f"{seconds // size}{unit}"
            seconds %= size
    return out or "0s"


def dump_competition(spec: Competition) -> str:
    """The YAML text of a spec (what the organizer page saves); loading it gives the same spec.
    Written as an organizer would: block text, ISO times with their offset, durations like 1h30m."""
    import yaml

    class Dumper(yaml.SafeDumper):
        def ignore_aliases(self, data: Any) -> bool:
            return True  # the spec loader refuses anchors and aliases (yamlspec.PlainLoader): write every value out

    Dumper.add_representer(str, lambda d, v: d.represent_scalar(
        "tag:yaml.org,2002:str", v, style="|" if "\n" in v else None))
    Dumper.add_representer(datetime, lambda d, v: d.represent_scalar("tag:yaml.org,2002:timestamp", v.isoformat()))
    Dumper.add_representer(timedelta, lambda d, v: d.represent_scalar("tag:yaml.org,2002:str", _duration_text(v)))
    data = spec.model_dump(mode="python", exclude_defaults=True)
    return yaml.dump(data, Dumper=Dumper, allow_unicode=True, sort_keys=False, width=100)


def validate_competition_file(path: str | Path) -> list[Problem]:
    """Every problem in a competition file (empty when it is valid), for ``jinguo competition validate``."""
    return validate_file(Competition, path)
