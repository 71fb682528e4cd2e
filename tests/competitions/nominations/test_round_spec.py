"""Round files: examples are valid; mistakes are named with field path and line; the CLI exit codes."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from competitions.nominations import load_round, validate_round_file

EXAMPLES = Path(__file__).resolve().parents[3] / "competitions" / "nominations" / "examples"
JINGUO = str(Path(sys.executable).parent / "jinguo")
BAD = """slug: Bad Round
title: 2027 medal
award: may_day_medal
year: 1999
sources: []
quota:
  slots: 0
  women_min_share: 1.5
notice: 3
"""


def test_examples_are_valid():
    files = sorted(EXAMPLES.glob("*.yaml"))
    assert len(files) >= 2
    for f in files:
        assert validate_round_file(f) == [], f
    medal = load_round((EXAMPLES / "may-day-medal-2027.yaml").read_text(encoding="utf-8"))
    assert medal.quota.women_min_share == 0.4 and medal.import_external


def test_every_mistake_has_its_path_and_line(tmp_path):
    f = tmp_path / "bad.yaml"
    f.write_text(BAD, encoding="utf-8")
    found = {(p.path, p.line) for p in validate_round_file(f)}
    for expected in [("slug", 1), ("title", 2), ("year", 4), ("sources", 5), ("quota.slots", 7),
                     ("quota.women_min_share", 8), ("notice", 9)]:
        assert expected in found, (expected, found)
    problems = {p.path: p for p in validate_round_file(f)}
    assert "中文" in problems["title"].zh and "Chinese" in problems["title"].en


def test_a_medal_round_must_guarantee_women(tmp_path):
    text = (EXAMPLES / "may-day-medal-2027.yaml").read_text(encoding="utf-8").replace("women_min_share: 0.4",
                                                                                       "women_min_share: 0")
    f = tmp_path / "medal.yaml"
    f.write_text(text, encoding="utf-8")
    problems = validate_round_file(f)
    assert len(problems) == 1 and "女性最低比例" in problems[0].zh


def test_cli(tmp_path):
    ok = subprocess.run([JINGUO, "nomination", "validate", str(EXAMPLES / "may-day-women-2027.yaml")],
                        capture_output=True, text=True)
    assert ok.returncode == 0 and "检查通过" in ok.stdout
    f = tmp_path / "bad.yaml"
    f.write_text(BAD, encoding="utf-8")
    bad = subprocess.run([JINGUO, "nomination", "validate", str(f)], capture_output=True, text=True)
    assert bad.returncode == 1 and "第 7 行 / line 7, quota.slots" in bad.stderr


def test_overrides_are_off_and_public_pages_show_name_unit_achievement_by_default(tmp_path):
    women = load_round((EXAMPLES / "may-day-women-2027.yaml").read_text(encoding="utf-8"))
    assert women.adjustments.override is False
    assert women.privacy.public_fields == ["name", "unit", "achievement"]
    base = (EXAMPLES / "may-day-women-2027.yaml").read_text(encoding="utf-8")
    allowed = load_round(base + "adjustments: {override: true}\nprivacy: {public_fields: [name, achievement]}\n")
    assert allowed.adjustments.override and allowed.privacy.public_fields == ["name", "achievement"]
    for privacy, words in (("[unit, achievement]", "公示必须显示姓名"), ("[name, merit]", "privacy.public_fields")):
        f = tmp_path / "p.yaml"
        f.write_text(base + f"privacy:\n  public_fields: {privacy}\n", encoding="utf-8")
        problems = validate_round_file(f)
        assert problems and any(words in p.zh or words in p.path for p in problems), problems
        assert all(p.line for p in problems)


def test_public_lines_drop_any_clause_with_points():
    from competitions.nominations.privacy import public_achievement

    assert public_achievement("2026 年女职工数字技能竞赛成绩 100.0 分") == ""
    assert public_achievement("成员 3 人；成员平均成绩 87.5 分；创新成果 专利 1 项") == "成员 3 人；创新成果 专利 1 项"
    assert public_achievement("参加《竞赛》；完成课程《普法》") == "参加《竞赛》；完成课程《普法》"
    assert public_achievement("技术革新 12 项，考核 98分，带电作业技能能手") == "技术革新 12 项，带电作业技能能手"
    assert public_achievement("在宁波 3 分公司任班组长") == "在宁波 3 分公司任班组长"
