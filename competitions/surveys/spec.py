"""调查问卷 / a questionnaire: its YAML spec and the check of one member's answers (seed clause 十一).

Pure: plain data in, plain data out. The aggregation with small groups suppressed is in
competitions/surveys/results.py; hub/surveys/responses.py persists and serves.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from competitions.spec import ChineseTitle, Key, Slug
from competitions.problems import Problem, ProblemsError
from competitions.yamlspec import load_spec, validate_file

KINDS = {"single": "单选", "multiple": "多选", "rating": "评分（1–5）", "text": "简答"}
BREAKDOWNS = {"region": "区域", "industry": "行业", "employment_form": "用工形式", "unit": "基层工会"}
BREAKDOWNS_EN = {"region": "region", "industry": "industry", "employment_form": "employment form", "unit": "union"}
RATING_LABELS = ("很不满意", "不满意", "一般", "满意", "很满意")
EXAMPLES = Path(__file__).parent / "examples"  # example survey files an organizer can start from
DEFAULT_MIN_GROUP = 5  # the smallest group whose counts are shown; hub config and the spec may only raise it


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Question(_Spec):
    id: Key
    kind: Literal["single", "multiple", "rating", "text"]
    text: str = Field(min_length=2, max_length=300)
    required: bool = True
    options: list[str] = []  # single / multiple: the choices as she reads them (also what is stored)
    labels: list[str] = []  # rating: five words for 1..5; default RATING_LABELS
    max_choices: int | None = Field(None, ge=1)  # multiple: at most this many
    max_length: int = Field(500, ge=10, le=5000)  # text

    @model_validator(mode="after")
    def _fits_kind(self) -> "Question":
        if self.kind in ("single", "multiple"):
            if len(self.options) < 2:
                raise ValueError("单选题和多选题至少需要 2 个选项（options）/ "
                                 "a single or multiple choice question needs at least 2 options")
            if any(not o.strip() for o in self.options) or len(set(self.options)) != len(self.options):
                raise ValueError("选项不能为空，也不能重复 / options must not be empty or repeated")
        elif self.options:
            raise ValueError("只有单选题和多选题可以有选项（options）/ only choice questions have options")
        if self.labels and (self.kind != "rating" or len(self.labels) != 5):
            raise ValueError("labels 只用于评分题，且正好 5 个 / labels belong to rating questions, exactly 5")
        if self.max_choices is not None and (self.kind != "multiple" or self.max_choices > len(self.options)):
            raise ValueError("max_choices 只用于多选题，且不能多于选项数 / max_choices belongs to multiple choice "
                             "questions and may not exceed the number of options")
        return self

    @property
    def choices(self) -> list[str]:
        """What a tally counts, in order: the options, or the rating labels for 1..5."""
        if self.kind == "rating":
            return [f"{i} {label}" for i, label in enumerate(self.labels or RATING_LABELS, 1)]
        return list(self.options)


class Survey(_Spec):
    slug: Slug
    title: ChineseTitle
    description: str = ""
    breakdowns: list[Literal["region", "industry", "employment_form", "unit"]] = []
    min_group_size: int | None = Field(None, ge=2, le=100)
    questions: list[Question] = Field(min_length=1, max_length=100)

    @model_validator(mode="after")
    def _unique(self) -> "Survey":
        ids = [q.id for q in self.questions]
        if len(set(ids)) != len(ids):
            twice = sorted({i for i in ids if ids.count(i) > 1})
            raise ValueError(f"题目编号重复：{', '.join(twice)} / question ids repeated: {', '.join(twice)}")
        if len(set(self.breakdowns)) != len(self.breakdowns):
            raise ValueError("breakdowns 中有重复项 / breakdowns repeat a key")
        return self

    def question(self, qid: str) -> Question | None:
        return next((q for q in self.questions if q.id == qid), None)


def load_survey(text: str | bytes, filename: str = "<survey>") -> Survey:
    """Parse and validate; SpecError lists every problem with field path and line, zh + en."""
    return load_spec(Survey, text, filename)


def validate_survey_file(path: str | Path) -> list[Problem]:
    return validate_file(Survey, path)


# ---- one member's answers -------------------------------------------------------------------------------------

# The answers' problems, all of them, each naming its question (Problem.question; "" for the whole answer).
AnswerError = ProblemsError


def _values(raw: Any) -> list[str]:
    if raw is None:
        return []
    items = raw if isinstance(raw, (list, tuple)) else [raw]
    return [str(v).strip() for v in items if str(v).strip()]


def _one(q: Question, raw: Any) -> tuple[Any, Problem | None]:
    """(clean value or None when unanswered, problem)."""
    values = _values(raw)
    bad = lambda zh, en: (None, Problem(q.id, zh, en))  # noqa: E731
    if not values:
        return None, None
    if q.kind == "multiple":
        if len(set(values)) != len(values):
            return bad("同一选项选了两次", "an option was chosen twice")
        unknown = [v for v in values if v not in q.options]
        if unknown:
            return bad(f"没有这个选项：{unknown[0]}", f"not one of the options: {unknown[0]}")
        if q.max_choices and len(values) > q.max_choices:
            return bad(f"最多选 {q.max_choices} 项", f"choose at most {q.max_choices}")
        return [o for o in q.options if o in values], None  # the spec's order, whatever the form sent
    if len(values) > 1:
        return bad("这道题只能有一个答案", "this question takes one answer")
    value = values[0]
    if q.kind == "single":
        if value not in q.options:
            return bad(f"没有这个选项：{value}", f"not one of the options: {value}")
        return value, None
    if q.kind == "rating":
        if value not in {"1", "2", "3", "4", "5"}:
            return bad("评分应为 1 到 5 的整数", "a rating is a whole number from 1 to 5")
        return int(value), None
    if len(value) > q.max_length:
        return bad(f"回答太长（最多 {q.max_length} 字）", f"answer too long (at most {q.max_length} characters)")
    return value, None


def check_answers(survey: Survey, raw: dict[str, Any]) -> dict[str, Any]:
    """Clean answers {question id: str | list[str] | int} from raw ones (form strings or JSON); AnswerError names
    every unknown question, choice not offered and required question left empty."""
    problems = [Problem(k, "问卷中没有这道题", "no such question in this survey")
                for k in raw if survey.question(k) is None]
    clean: dict[str, Any] = {}
    for q in survey.questions:
        value, problem = _one(q, raw.get(q.id))
        if problem:
            problems.append(problem)
        elif value is None and q.required:
            problems.append(Problem(q.id, "这道题必须回答", "this question must be answered"))
        elif value is not None:
            clean[q.id] = value
    if problems:
        raise AnswerError(problems)
    return clean
