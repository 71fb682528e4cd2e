"""A survey's YAML and one member's answers: every problem named with its field and line (spec) or question
(answers), in Chinese and English, and nothing accepted half-way."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from competitions.surveys.spec import EXAMPLES, AnswerError, check_answers, load_survey, validate_survey_file
from competitions.yamlspec import SpecError

EXAMPLE = EXAMPLES / "women-workforce-2027.yaml"


@pytest.fixture(scope="module")
def survey():
    return load_survey(EXAMPLE.read_bytes())


def problems(text: str) -> dict[str, tuple[int | None, str, str]]:
    with pytest.raises(SpecError) as exc:
        load_survey(text)
    return {p.path: (p.line, p.zh, p.en) for p in exc.value.problems}


def test_the_example_is_valid_and_reads_as_written(survey):
    assert validate_survey_file(EXAMPLE) == []
    assert survey.title == "2027 年女职工队伍状况调查"
    assert [q.kind for q in survey.questions] == ["rating", "single", "multiple", "text"]
    assert survey.question("satisfaction").choices == ["1 很不满意", "2 不满意", "3 一般", "4 满意", "5 很满意"]
    assert survey.breakdowns == ["region", "employment_form"]


def test_every_problem_is_named_with_its_field_and_line():
    found = problems(
        "slug: 坏名字\n"                       # 1
        "title: Survey\n"                     # 2
        "breakdowns: [region, gender]\n"      # 3
        "questions:\n"                        # 4
        "  - id: q1\n"                        # 5
        "    kind: single\n"                  # 6
        "    text: 只有一个选项\n"               # 7
        "    options: [是]\n"                   # 8
        "  - id: q2\n"                        # 9
        "    kind: essay\n"                   # 10
        "    text: 题目\n")
    assert found["slug"][0] == 1 and "小写字母" in found["slug"][1]
    assert found["title"][0] == 2 and "中文" in found["title"][1]
    assert found["breakdowns.1"][0] == 3 and found["breakdowns.1"][1] == "取值不在允许范围内"
    assert found["questions.0"][0] == 5 and "至少需要 2 个选项" in found["questions.0"][1]
    assert "at least 2 options" in found["questions.0"][2]
    assert found["questions.1.kind"][0] == 10


@pytest.mark.parametrize("question, zh", [
    ("{id: a, kind: single, text: 题目一, options: [是, 是]}", "不能重复"),
    ("{id: a, kind: rating, text: 题目一, options: [好, 坏]}", "只有单选题和多选题可以有选项"),
    ("{id: a, kind: rating, text: 题目一, labels: [一, 二]}", "正好 5 个"),
    ("{id: a, kind: multiple, text: 题目一, options: [甲, 乙], max_choices: 3}", "不能多于选项数"),
    ("{id: a, kind: text, text: 题目一, colour: red}", "不认识的字段"),
])
def test_questions_that_do_not_fit_their_kind_are_refused(question, zh):
    found = problems(f"slug: s1\ntitle: 问卷\nquestions:\n  - {question}\n")
    assert any(zh in p[1] for p in found.values()), found


def test_repeated_question_ids_and_an_empty_survey_are_refused():
    twice = problems("slug: s1\ntitle: 问卷\nquestions:\n  - {id: a, kind: text, text: 题目一}\n"
                     "  - {id: a, kind: text, text: 题目二}\n")
    assert "题目编号重复：a" in twice[""][1]
    assert problems("slug: s1\ntitle: 问卷\nquestions: []\n")["questions"][1] == "至少需要一项"
    assert problems("slug: s1\ntitle: 问卷\nquestions: [\n")[""][1].startswith("YAML 语法错误")


def test_good_answers_are_cleaned(survey):
    clean = check_answers(survey, {"satisfaction": ["4"], "shift": "夜班", "needs": ["法律援助", "托育服务"],
                                   "advice": "  "})
    assert clean == {"satisfaction": 4, "shift": "夜班", "needs": ["托育服务", "法律援助"]}  # spec order, blank dropped


def test_bad_answers_name_every_question_at_fault(survey):
    with pytest.raises(AnswerError) as exc:
        check_answers(survey, {"salary": "3000", "shift": "中班", "needs": ["托育服务", "法律援助", "技能培训"],
                               "satisfaction": "6", "advice": "很好" * 200})
    found = {p.question: (p.zh, p.en) for p in exc.value.problems}
    assert found["salary"] == ("问卷中没有这道题", "no such question in this survey")
    assert found["shift"][0] == "没有这个选项：中班"
    assert found["needs"][0] == "最多选 2 项"
    assert "1 到 5" in found["satisfaction"][0]
    assert "最多 300 字" in found["advice"][0]


def test_required_questions_must_be_answered_and_one_answer_per_single_question(survey):
    with pytest.raises(AnswerError) as exc:
        check_answers(survey, {"shift": ["白班", "夜班"], "needs": ["托育服务", "托育服务"]})
    found = {p.question: p.zh for p in exc.value.problems}
    assert found == {"satisfaction": "这道题必须回答", "shift": "这道题只能有一个答案", "needs": "同一选项选了两次"}


def test_the_organizer_checks_a_file_before_uploading_it(tmp_path):
    """`jinguo survey validate`: 0 and 检查通过 for a good file; 1 and every problem with its line for a bad one;
    2 for a file that is not there."""
    jinguo = str(Path(sys.executable).parent / "jinguo")
    ok = subprocess.run([jinguo, "survey", "validate", str(EXAMPLE)], capture_output=True, text=True)
    assert ok.returncode == 0 and "检查通过 / valid" in ok.stdout
    bad = tmp_path / "bad.yaml"
    bad.write_text("slug: staff-2027\ntitle: 调查\nquestions:\n  - id: q1\n    kind: essay\n    text: 题目\n",
                   encoding="utf-8")
    found = subprocess.run([jinguo, "survey", "validate", str(bad)], capture_output=True, text=True)
    assert found.returncode == 1 and "第 5 行 / line 5, questions.0.kind" in found.stderr
    missing = subprocess.run([jinguo, "survey", "validate", str(tmp_path / "nope.yaml")], capture_output=True, text=True)
    assert missing.returncode == 2 and "找不到文件" in missing.stderr
