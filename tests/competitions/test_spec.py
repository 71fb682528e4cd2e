"""The competition file: examples load, every mistake is reported at its field and line, zh and en."""
from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest

import competitions
from competitions import SpecError, load_competition, validate_competition_file
from competitions.spec import OVERALL

EXAMPLES = sorted((Path(competitions.__file__).parent / "examples").glob("*.yaml"))
BAD = Path(__file__).parent / "data" / "bad-competition.yaml"


def expected_problems(path: Path) -> set[tuple[str, int]]:
    """The "# ! PATH | PATH" markers of a file, as (path, line)."""
    out = set()
    for n, line in enumerate(path.read_text("utf-8").splitlines(), 1):
        m = re.search(r"#\s*!\s*(.+)$", line)
        if m and not line.lstrip().startswith("#"):
            out |= {(p.strip(), n) for p in m.group(1).split("|")}
    return out


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_examples_are_valid(path: Path) -> None:
    assert validate_competition_file(path) == []
    spec = load_competition(path.read_bytes(), path.name)
    assert re.search(r"[\u4e00-\u9fff]", spec.title)
    assert spec.phases


def test_there_are_realistic_examples_with_new_forms_of_employment() -> None:
    assert len(EXAMPLES) >= 3
    texts = [p.read_text("utf-8") for p in EXAMPLES]
    assert sum("new_form: true" in t or "delivery_rider" in t for t in texts) >= 2
    assert any(load_competition(t).phases[-1].entry is not None for t in texts)


def test_every_mistake_is_reported_with_its_path_and_line() -> None:
    problems = validate_competition_file(BAD)
    got = {(p.path, p.line) for p in problems}
    want = expected_problems(BAD)
    assert len(want) >= 35
    assert want - got == set(), "problems not reported"
    assert got - want == set(), "problems reported that the file does not mark"
    for p in problems:
        assert re.search(r"[\u4e00-\u9fff]", p.zh), p
        assert p.en and not re.search(r"[\u4e00-\u9fff]", re.sub(r"'[^']*'", "", p.en)), p
        assert " / " not in p.zh and " / " not in p.en


def test_spec_error_carries_every_problem_and_prints_both_languages() -> None:
    with pytest.raises(SpecError) as err:
        load_competition(BAD.read_bytes())
    assert len(err.value.problems) == len(validate_competition_file(BAD))
    text = str(err.value)
    assert "第 16 行 / line 16, phases.1.opens_at: 阶段须按时间先后排列" in text
    assert "phases must be in order and not overlap" in text


@pytest.mark.parametrize("text, path, line, zh", [
    ("", "", 1, "文件为空"),
    ("slug: [unclosed\n", "", 2, "YAML 语法错误"),
    ("- a\n- b\n", "", 1, "不是键值映射"),
])
def test_files_that_are_not_a_spec_at_all(text: str, path: str, line: int, zh: str) -> None:
    with pytest.raises(SpecError) as err:
        load_competition(text)
    (p,) = err.value.problems
    assert (p.path, p.line) == (path, line) and zh in p.zh


def test_a_missing_file_and_a_non_utf8_file(tmp_path: Path) -> None:
    (p,) = validate_competition_file(tmp_path / "nope.yaml")
    assert "无法读取文件" in p.zh and "cannot read file" in p.en
    bad = tmp_path / "gbk.yaml"
    bad.write_bytes("title: 竞赛".encode("gbk"))
    (p,) = validate_competition_file(bad)
    assert "UTF-8" in p.zh


MINIMAL = """\
slug: mini-cup
title: 迷你赛
phases:
  - key: only
    title: 正式赛
    opens_at: 2026-06-01T09:00:00+08:00
    closes_at: 2026-06-11T09:00:00+08:00
    tasks: [{assignment: t1, max_score: 10}]
"""


def test_defaults_of_a_minimal_spec() -> None:
    spec = load_competition(MINIMAL)
    assert spec.timezone == "Asia/Shanghai"
    assert spec.scoring.method == "sum" and spec.scoring.counts == "best"
    assert spec.scoring.tie_breaks == ["earliest", "fewest_submissions"]
    assert spec.privacy.public_name == "masked" and spec.board.overall_title == "总榜"
    assert spec.limits.per_day is None and spec.freeze_for(spec.phases[0]) is None
    assert spec.phases[0].tasks[0].weight == 1


@pytest.mark.parametrize("written, minutes", [("1h", 60), ("30m", 30), ("1h30m", 90), ("2d", 2880), ("PT45M", 45), (600, 10)])
def test_durations_as_organizers_write_them(written: object, minutes: int) -> None:
    spec = load_competition(MINIMAL + f"board: {{freeze_before_close: {written}}}\n")
    assert spec.board.freeze_before_close == timedelta(minutes=minutes)


def test_phase_level_settings_override_competition_ones() -> None:
    spec = load_competition(MINIMAL.replace("    tasks:", "    freeze_before_close: 10m\n    limits: {per_day: 2}\n    tasks:")
                            + "board: {freeze_before_close: 1h}\nlimits: {per_day: 5}\n")
    ph = spec.phases[0]
    assert spec.freeze_for(ph) == timedelta(minutes=10) and spec.limits_for(ph).per_day == 2


def test_a_competition_freeze_longer_than_some_phase_is_refused_there() -> None:
    with pytest.raises(SpecError) as err:
        load_competition(MINIMAL + "board: {freeze_before_close: 10d}\n")
    (p,) = err.value.problems
    assert p.path == "board.freeze_before_close" and p.line == 9


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_a_spec_written_back_as_yaml_loads_the_same(path: Path) -> None:
    from competitions import dump_competition

    spec = load_competition(path.read_bytes())
    text = dump_competition(spec)
    assert load_competition(text) == spec
    assert spec.title in text  # Chinese stays readable, not escaped


def test_overall_is_reserved_and_lookups_work() -> None:
    spec = load_competition(EXAMPLES[-1].read_bytes())
    assert all(d.key != OVERALL for d in spec.divisions)
    with pytest.raises(KeyError):
        spec.phase("nope")


def test_the_organizers_guide_explains_every_field() -> None:
    from pydantic import BaseModel

    from competitions.spec import Competition

    guide = (Path(competitions.__file__).parent.parent / "docs" / "competition-spec.md").read_text("utf-8")
    seen, todo = set(), [Competition]
    while todo:
        model = todo.pop()
        for name, field in model.model_fields.items():
            assert f"`{name}`" in guide, f"{model.__name__}.{name} is not in docs/competition-spec.md"
            for arg in getattr(field.annotation, "__args__", ()) + (field.annotation,):
                inner = getattr(arg, "__args__", (arg,))
                for t in inner:
                    if isinstance(t, type) and issubclass(t, BaseModel) and t not in seen:
                        seen.add(t)
                        todo.append(t)
    assert len(seen) >= 9
