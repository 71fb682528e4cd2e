"""The course catalogue: the courses shipped as package data under ``courses/catalogue/<slug>/``.

Each course folder holds ``course.yaml`` (what the platform shows and which assignments count),
``lessons/`` (teaching notebooks), ``source/<assignment>/`` (nbgrader source assignments, copied into an
nbgrader course directory when an instructor publishes the course) and, for quiz courses, ``quizzes.yaml``
(the answers and explanations the quiz widget asks the server for: they never travel in a notebook).

Pure functions over files: no database, no HTTP. The hub calls them; a bad file fails loudly with the file
and field named in Chinese and English, so a course author can fix it without reading this code.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Union

import yaml
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, model_validator

CATALOGUE = Path(__file__).resolve().parent / "catalogue"

_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{1,63}$")
_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
_CJK = re.compile(r"[\u4e00-\u9fff]")


class CatalogueError(ValueError):
    """A course file is missing or wrong. The message names the file and the field (zh / en)."""


class UnknownCourse(KeyError):
    """No course with this slug."""

    def __str__(self) -> str:  # KeyError would show the repr of the message
        return str(self.args[0])


class UnknownQuiz(KeyError):
    """No quiz with this id in the course."""

    def __str__(self) -> str:
        return str(self.args[0])


# --- what the files say (validated) --------------------------------------------------------------------

def _pattern(regex: re.Pattern, zh: str, en: str):
    def check(value: str) -> str:
        if not regex.match(value):
            raise ValueError(f"{value!r} {zh} / {value!r} {en}")
        return value
    return AfterValidator(check)


def _chinese(value: str) -> str:
    if not _CJK.search(value):
        raise ValueError("应使用中文 / should be written in Chinese")
    return value


def _notebook(value: str) -> str:
    if not value.endswith(".ipynb") or "/" in value or "\\" in value or value.startswith("."):
        raise ValueError(f"{value!r} 应为同一文件夹中的 .ipynb 文件名 / {value!r} should be a .ipynb file name "
                         f"in the same folder")
    return value


Slug = Annotated[str, _pattern(_SLUG, "只能由小写字母、数字和 - 组成（2 到 64 个）",
                               "may only hold lowercase letters, digits and - (2 to 64)")]
Name = Annotated[str, _pattern(_NAME, "只能由小写字母、数字、- 和 _ 组成",
                               "may only hold lowercase letters, digits, - and _")]
Chinese = Annotated[str, Field(min_length=2), AfterValidator(_chinese)]
Notebook = Annotated[str, AfterValidator(_notebook)]
Text = Annotated[str, Field(min_length=1)]
Clause = Annotated[str, _pattern(re.compile(r"^[一二三四五六七八九十]{1,3}$"), "应为意见的条款序号，如 四",
                                 "should be a clause number of the policy, e.g. 四")]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class _AssignmentFile(_Strict):
    name: Name
    title: Chinese
    notebooks: list[Notebook] = Field(min_length=1)
    required: bool = True
    pass_ratio: float = Field(0.6, gt=0, le=1)


class _CourseFile(_Strict):
    slug: Slug
    title: Chinese
    title_en: Text
    summary: Chinese
    clause: Clause
    audience: Chinese
    # true: every required assignment can be passed from quiz answers alone, on the phone pages (issue 19);
    # tests/hub/courses/test_quiz_pages.py holds every such course to it
    phone: bool = False
    lessons: list[Notebook] = Field(min_length=1)
    assignments: list[_AssignmentFile] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_assignments(self) -> "_CourseFile":
        names = [a.name for a in self.assignments]
        if len(set(names)) != len(names):
            raise ValueError("作业名 name 有重复 / assignment names repeat")
        return self


class _QuizFile(_Strict):
    id: Text
    question: Chinese
    options: dict[Annotated[str, _pattern(re.compile(r"^[A-Z]$"), "选项应为一个大写字母",
                                          "an option key should be one capital letter")], Text]
    answer: Union[str, list[str]]
    explanation: Chinese
    # a law and its article, or (for what only the course teaches, e.g. a response rate) its lesson by title
    citation: Annotated[str, _pattern(re.compile(r"^《.+》.*第.+条|^本课第.+课《.+》"),
                                      "应写明法律名称和条款，如《女职工劳动保护特别规定》第七条，或本课第二课《课名》",
                                      "should name the law and article, e.g. 《女职工劳动保护特别规定》第七条, "
                                      "or the course's lesson, e.g. 本课第二课《title》")]

    @model_validator(mode="after")
    def _answer_is_an_option(self) -> "_QuizFile":
        answers = [self.answer] if isinstance(self.answer, str) else self.answer
        if len(self.options) < 2:
            raise ValueError("至少要有两个选项 / a quiz needs at least two options")
        if not answers or any(a not in self.options for a in answers):
            raise ValueError(f"答案 {self.answer!r} 不在选项中 / answer {self.answer!r} is not one of the options")
        return self


# --- what the rest of the platform gets (plain frozen data) -------------------------------------------

@dataclass(frozen=True)
class AssignmentInfo:
    """One nbgrader assignment of a course; ``required`` ones must reach ``pass_ratio`` for a certificate."""

    name: str
    title: str
    notebooks: tuple[str, ...]
    required: bool
    pass_ratio: float


@dataclass(frozen=True)
class Course:
    slug: str
    title: str
    title_en: str
    summary: str
    clause: str  # the clause of the seed policy the course serves, e.g. "四"
    audience: str
    lessons: tuple[str, ...]
    assignments: tuple[AssignmentInfo, ...]
    path: Path
    phone: bool = False  # can be completed on the phone pages (quizzes) alone

    @property
    def source_dir(self) -> Path:
        return self.path / "source"

    @property
    def lessons_dir(self) -> Path:
        return self.path / "lessons"


@dataclass(frozen=True)
class QuizItem:
    """A choice question. ``answer`` is a sorted tuple of option keys; ``multiple`` when the file gave a list."""

    id: str
    question: str
    options: tuple[tuple[str, str], ...]  # (key, text), in file order
    answer: tuple[str, ...]
    multiple: bool
    explanation: str
    citation: str


# --- loading -------------------------------------------------------------------------------------------

_ZH = {"missing": "缺少必填项", "extra_forbidden": "不认识的字段（拼写错误？）", "string_type": "应为文本",
       "bool_type": "应为 true 或 false", "float_type": "应为数字", "list_type": "应为列表",
       "dict_type": "应为键值映射", "model_type": "应为键值映射", "too_short": "至少需要一项",
       "string_too_short": "太短或为空", "greater_than": "数值太小", "less_than_equal": "数值太大"}


def _problems(exc: ValidationError, prefix: tuple = ()) -> str:
    lines = []
    for err in exc.errors():
        where = ".".join(str(p) for p in (*prefix, *err["loc"])) or "(根 / root)"
        en = err["msg"].removeprefix("Value error, ")
        zh = _ZH.get(err["type"], "取值无效")
        if err["type"] == "value_error" and " / " in en:
            zh, _, en = en.partition(" / ")
        lines.append(f"{where}: {zh} / {en}")
    return "; ".join(lines)


def _read_yaml(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CatalogueError(f"{path}: 找不到文件 / file not found") from None
    except (UnicodeDecodeError, yaml.YAMLError) as exc:
        raise CatalogueError(f"{path}: 不是有效的 UTF-8 YAML 文件 / not a valid UTF-8 YAML file: {exc}") from None


def _validated(model: type[BaseModel], data: Any, path: Path) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise CatalogueError(f"{path}: {_problems(exc)}") from None


def _load_course(folder: Path) -> Course:
    path = folder / "course.yaml"
    spec: _CourseFile = _validated(_CourseFile, _read_yaml(path), path)
    if spec.slug != folder.name:
        raise CatalogueError(f"{path}: slug: {spec.slug!r} 与文件夹名 {folder.name!r} 不同 / "
                             f"differs from the folder name {folder.name!r}")
    # The files a course names must exist: a publish that fails halfway is worse than a load that fails.
    for i, lesson in enumerate(spec.lessons):
        if not (folder / "lessons" / lesson).is_file():
            raise CatalogueError(f"{path}: lessons.{i}: 找不到 lessons/{lesson} / lessons/{lesson} not found")
    for i, a in enumerate(spec.assignments):
        for j, nb in enumerate(a.notebooks):
            if not (folder / "source" / a.name / nb).is_file():
                raise CatalogueError(f"{path}: assignments.{i}.notebooks.{j}: 找不到 source/{a.name}/{nb} / "
                                     f"source/{a.name}/{nb} not found")
    return Course(spec.slug, spec.title, spec.title_en, spec.summary, spec.clause, spec.audience,
                  tuple(spec.lessons),
                  tuple(AssignmentInfo(a.name, a.title, tuple(a.notebooks), a.required, a.pass_ratio)
                        for a in spec.assignments),
                  folder, spec.phone)


def load_catalogue(root: str | Path | None = None) -> list[Course]:
    """Every course under ``root`` (default: the package's own catalogue), sorted by slug. Reads the files
    each time; raises CatalogueError on the first bad one."""
    base = Path(root) if root is not None else CATALOGUE
    if not base.is_dir():
        raise CatalogueError(f"{base}: 课程目录不存在 / catalogue folder not found")
    return [_load_course(d) for d in sorted(base.iterdir()) if (d / "course.yaml").is_file()]


def load_quizzes(folder: Path, slug: str) -> dict[str, QuizItem]:
    """The quizzes of one course folder (empty when it has no quizzes.yaml)."""
    path = folder / "quizzes.yaml"
    if not path.is_file():
        return {}
    data = _read_yaml(path)
    if not isinstance(data, list):
        raise CatalogueError(f"{path}: 应为测验的列表 / should be a list of quizzes")
    items: dict[str, QuizItem] = {}
    problems: list[str] = []  # every bad quiz at once: an author fixes the file in one pass
    for i, raw in enumerate(data):
        try:
            q = _QuizFile.model_validate(raw)
        except ValidationError as exc:
            problems.append(_problems(exc, (i,)))
            continue
        if not q.id.startswith(f"{slug}/"):
            problems.append(f"{i}.id: {q.id!r} 应以 {slug}/ 开头 / should start with {slug}/")
        elif q.id in items:
            problems.append(f"{i}.id: {q.id!r} 重复 / repeats")
        answer = [q.answer] if isinstance(q.answer, str) else q.answer
        items[q.id] = QuizItem(q.id, q.question, tuple(q.options.items()), tuple(sorted(set(answer))),
                               isinstance(q.answer, list), q.explanation, q.citation)
    if problems:
        raise CatalogueError(f"{path}: {'; '.join(problems)}")
    return items


@functools.lru_cache(maxsize=8)
def _index(root: Path) -> tuple[dict[str, Course], dict[str, dict[str, QuizItem]]]:
    # Cached: the widget asks for a quiz check on every click, and package data does not change while the
    # service runs. Tests and authors pass their own root (or call clear_cache after editing).
    courses = {c.slug: c for c in load_catalogue(root)}
    return courses, {slug: load_quizzes(c.path, slug) for slug, c in courses.items()}


def clear_cache() -> None:
    _index.cache_clear()


def course(slug: str, root: str | Path | None = None) -> Course:
    """One course by slug; UnknownCourse (a KeyError) when there is none."""
    courses, _ = _index(Path(root) if root is not None else CATALOGUE)
    try:
        return courses[slug]
    except KeyError:
        raise UnknownCourse(f"没有这门课程：{slug!r} / no course {slug!r}") from None


def source_dir(slug: str, root: str | Path | None = None) -> Path:
    """The course's nbgrader source folder (one sub-folder per assignment)."""
    return course(slug, root).source_dir


def quiz_items(slug: str, root: str | Path | None = None) -> dict[str, QuizItem]:
    """{quiz id: QuizItem} of a course (empty when it has no quizzes)."""
    course(slug, root)
    return _index(Path(root) if root is not None else CATALOGUE)[1][slug]


def check_quiz(slug: str, quiz_id: str, choice: list[str], root: str | Path | None = None) -> dict:
    """Her choice against the answer: {"correct", "explanation", "citation"}. The explanation comes back
    either way, so she learns why. UnknownQuiz for an id the course does not have; ValueError for a choice
    that is empty or names an option the quiz does not have."""
    items = quiz_items(slug, root)
    item = items.get(quiz_id)
    if item is None:
        raise UnknownQuiz(f"课程 {slug!r} 中没有测验 {quiz_id!r} / course {slug!r} has no quiz {quiz_id!r}")
    picked = {str(c).strip().upper() for c in choice}
    keys = {k for k, _ in item.options}
    if not picked or not picked <= keys:
        raise ValueError(f"请从选项 {'、'.join(sorted(keys))} 中选择 / choose among the options {', '.join(sorted(keys))}")
    return {"correct": picked == set(item.answer), "explanation": item.explanation, "citation": item.citation}
