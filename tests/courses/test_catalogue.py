"""The course catalogue: five courses load, quizzes cite the law, every course's solutions earn full marks
and its blank release nothing through real nbgrader and the real grading engine, and the lessons run."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
import pytest
import yaml
from nbclient import NotebookClient

from courses.catalogue import (
    CatalogueError,
    Course,
    UnknownCourse,
    UnknownQuiz,
    check_quiz,
    course,
    load_catalogue,
    quiz_items,
    source_dir,
)

BIN = Path(sys.executable).parent
SLUGS = ["office-data", "charts", "new-forms", "rights", "cadres"]
CATALOGUE = {c.slug: c for c in load_catalogue()}


def _nbgrader(cell) -> dict:
    return cell.metadata.get("nbgrader", {})


def _notebooks(c: Course):
    for a in c.assignments:
        for name in a.notebooks:
            yield a, nbformat.read(c.source_dir / a.name / name, as_version=4)


def _points(c: Course, assignment: str, cell_type: str) -> float:
    """Points of the graded cells of one kind: code cells are autograded, markdown ones wait for a person."""
    return sum(float(_nbgrader(cell)["points"]) for a, nb in _notebooks(c) if a.name == assignment
               for cell in nb.cells if _nbgrader(cell).get("grade") and cell.cell_type == cell_type)


# --- the catalogue ------------------------------------------------------------------------------------

def test_five_courses_load_with_lessons_assignments_and_a_manual_answer():
    assert sorted(CATALOGUE) == sorted(SLUGS)
    for slug, c in CATALOGUE.items():
        assert course(slug) == c and source_dir(slug) == c.path / "source"
        assert len(c.assignments) >= 3 and len(c.lessons) >= 1, slug
        assert all((c.lessons_dir / name).is_file() for name in c.lessons)
        assert all(0 < a.pass_ratio <= 1 for a in c.assignments)
        manual = [cell for _, nb in _notebooks(c) for cell in nb.cells
                  if cell.cell_type == "markdown" and _nbgrader(cell).get("grade") and _nbgrader(cell).get("solution")]
        assert manual, f"{slug}: 至少要有一道人工评分的文字题"
        for a in c.assignments:
            assert _points(c, a.name, "code") > 0, f"{slug}/{a.name}: 没有自动评分的检查"


def test_source_notebooks_are_nbgrader_sources_with_hidden_tests():
    for slug, c in CATALOGUE.items():
        for a, nb in _notebooks(c):
            cells = [cell for cell in nb.cells if _nbgrader(cell)]
            assert all(_nbgrader(cell)["schema_version"] == 3 for cell in cells)
            ids = [_nbgrader(cell)["grade_id"] for cell in cells]
            assert len(ids) == len(set(ids)), f"{slug}/{a.name}: grade_id 重复"
            tests = [cell for cell in cells if _nbgrader(cell).get("grade") and cell.cell_type == "code"]
            assert tests and all("### BEGIN HIDDEN TESTS" in t.source for t in tests), f"{slug}/{a.name}"
            answers = [cell for cell in cells if _nbgrader(cell).get("solution")]
            assert all("### BEGIN SOLUTION" in s.source for s in answers), f"{slug}/{a.name}"
            assert any(_nbgrader(cell).get("locked") and cell.cell_type == "markdown" for cell in cells)


def test_every_quiz_has_an_explanation_and_cites_the_law():
    quizzes = quiz_items("rights")
    assert len(quizzes) >= 8
    for qid, q in quizzes.items():
        assert qid.startswith("rights/") and q.id == qid
        assert q.citation.startswith("《") and "第" in q.citation and "条" in q.citation, qid
        assert q.explanation and set(q.answer) <= {k for k, _ in q.options}
    assert quiz_items("office-data") == {}


def test_the_notebook_quizzes_are_the_quizzes_file():
    """Each quiz answered in a rights notebook (cell "# 测验 rights/qN") has the answer quizzes.yaml gives."""
    quizzes, seen = quiz_items("rights"), set()
    for _, nb in _notebooks(CATALOGUE["rights"]):
        for cell in nb.cells:
            if cell.cell_type == "code" and cell.source.startswith("# 测验 "):
                qid = cell.source.splitlines()[0].removeprefix("# 测验 ")
                scope: dict = {}
                exec(cell.source, scope)  # the solution: one assignment of a letter or a list of letters
                (value,) = [v for k, v in scope.items() if k.startswith("答案_")]
                assert tuple(sorted([value] if isinstance(value, str) else value)) == quizzes[qid].answer, qid
                seen.add(qid)
    assert seen == set(quizzes)


def test_a_bad_quiz_file_names_every_bad_quiz(tmp_path):
    shutil.copytree(CATALOGUE["rights"].path, tmp_path / "rights")
    path = tmp_path / "rights" / "quizzes.yaml"
    quizzes = yaml.safe_load(path.read_text(encoding="utf-8"))
    quizzes[2]["answer"], quizzes[3]["citation"], quizzes[4]["id"] = "E", "第七条", "office-data/q5"
    path.write_text(yaml.safe_dump(quizzes, allow_unicode=True), encoding="utf-8")
    with pytest.raises(CatalogueError) as err:
        quiz_items("rights", root=tmp_path)
    text = str(err.value)
    assert str(path) in text and "2: 答案 'E' 不在选项中" in text and "3.citation" in text and "4.id" in text


def test_check_quiz_right_and_wrong_answers():
    right = check_quiz("rights", "rights/q1", ["B"])
    assert right == {"correct": True, "explanation": right["explanation"], "citation": "《女职工劳动保护特别规定》第七条"}
    assert "98" in right["explanation"]
    wrong = check_quiz("rights", "rights/q1", ["a"])
    assert wrong["correct"] is False and wrong["explanation"] == right["explanation"]
    multi = next(q for q in quiz_items("rights").values() if q.multiple)
    assert check_quiz("rights", multi.id, list(reversed(multi.answer)))["correct"] is True
    assert check_quiz("rights", multi.id, list(multi.answer[:1]))["correct"] is False


def test_unknown_quiz_course_or_option_is_a_clear_error():
    with pytest.raises(UnknownQuiz, match="没有测验") as err:
        check_quiz("rights", "rights/q999", ["A"])
    assert isinstance(err.value, KeyError) and "rights/q999" in str(err.value)
    with pytest.raises(UnknownCourse, match="no course"):
        course("no-such-course")
    with pytest.raises(ValueError, match="请从选项"):
        check_quiz("rights", "rights/q1", ["Z"])


def test_a_bad_course_file_names_the_file_and_the_field(tmp_path):
    root = tmp_path / "catalogue"
    shutil.copytree(CATALOGUE["office-data"].path, root / "office-data")
    path = root / "office-data" / "course.yaml"
    spec = yaml.safe_load(path.read_text(encoding="utf-8"))
    spec["assignments"][1]["pass_ratio"] = 1.5
    del spec["title_en"]
    path.write_text(yaml.safe_dump(spec, allow_unicode=True), encoding="utf-8")
    with pytest.raises(CatalogueError) as err:
        load_catalogue(root)
    text = str(err.value)
    assert str(path) in text and "assignments.1.pass_ratio" in text and "title_en: 缺少必填项" in text
    spec["title_en"], spec["assignments"][1]["pass_ratio"] = "x", 0.6
    spec["lessons"] = ["missing.ipynb"]
    path.write_text(yaml.safe_dump(spec, allow_unicode=True), encoding="utf-8")
    with pytest.raises(CatalogueError, match="lessons.0: 找不到 lessons/missing.ipynb"):
        load_catalogue(root)
    path.write_text("slug: [", encoding="utf-8")
    with pytest.raises(CatalogueError, match="YAML"):
        load_catalogue(root)


# --- every course through real nbgrader and the real grading engine -----------------------------------

def _env() -> dict:
    return dict(os.environ, PATH=f"{BIN}{os.pathsep}{os.environ['PATH']}")


def _release(c: Course, root: Path) -> Path:
    """An nbgrader course folder for ``c``: its assignments generated by ``nbgrader generate_assignment``, and
    two students: "solver" hands in the source notebooks (solutions in), "blank" the release unchanged."""
    shutil.copytree(c.source_dir, root / "source")
    (root / "nbgrader_config.py").write_text(f"c = get_config()\nc.CourseDirectory.course_id = {c.slug!r}\n")
    for a in c.assignments:  # one after another: they share the course's gradebook.db
        run = subprocess.run([str(BIN / "nbgrader"), "generate_assignment", a.name, "--force"], cwd=root,
                             env=_env(), capture_output=True, text=True, timeout=300)
        assert run.returncode == 0, f"{c.slug}/{a.name}: {run.stderr[-2000:]}"
        shutil.copytree(root / "source" / a.name, root / "submitted" / "solver" / a.name)  # data files too
        shutil.copytree(root / "release" / a.name, root / "submitted" / "blank" / a.name)
    return root


@pytest.fixture(scope="module")
def released(request, tmp_path_factory):
    """{slug: Future of its course folder}. Courses are generated two at a time in the background (each in its
    own folder and gradebook) while the tests grade the ones already done: nbgrader's ~2 s start-up per
    assignment would otherwise dominate this module's run time."""
    wanted = [item.callspec.params["slug"] for item in request.session.items
              if item.originalname == "test_solutions_earn_full_marks_and_the_blank_release_nothing"]
    with ThreadPoolExecutor(max_workers=2) as pool:
        yield {slug: pool.submit(_release, CATALOGUE[slug], tmp_path_factory.mktemp(slug)) for slug in wanted}


@pytest.fixture
def closed_pools():
    yield
    from grading.engine import close_pools

    close_pools()  # each course has its own folder: do not keep its worker pool for the next one


@pytest.mark.skipif(os.geteuid() != 0, reason="the grading sandbox switches to an unprivileged uid: run as root")
@pytest.mark.parametrize("slug", SLUGS)
def test_solutions_earn_full_marks_and_the_blank_release_nothing(slug, released, closed_pools):
    from grading import autograde

    c = CATALOGUE[slug]
    root = released[slug].result()
    for a in c.assignments:
        assert not any("BEGIN HIDDEN TESTS" in p.read_text(encoding="utf-8")
                       for p in (root / "release" / a.name).glob("*.ipynb"))
        results = {r.student: r for r in autograde(root, a.name, ["solver", "blank"], workers=2)}
        solver, blank = results["solver"], results["blank"]
        auto, manual = _points(c, a.name, "code"), _points(c, a.name, "markdown")
        failed = [(cell.cell, cell.error) for nb in solver.notebooks for cell in nb.cells if cell.test and not cell.passed]
        assert solver.status == "graded", (a.name, solver.message)
        assert solver.score == auto, (a.name, failed)  # every autograded point; the written answers wait for a person
        assert solver.max_score == auto + manual
        assert blank.status == "graded" and blank.score < solver.score and blank.score == 0, (a.name, blank)


# --- lessons ------------------------------------------------------------------------------------------

LESSONS = [(slug, name) for slug in SLUGS for name in CATALOGUE[slug].lessons]


@pytest.mark.parametrize(("slug", "lesson"), LESSONS, ids=[f"{s}/{n}" for s, n in LESSONS])
def test_lessons_run_without_error(slug, lesson, tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", _env()["PATH"])  # the kernel spec runs "python": the venv's
    folder = tmp_path / "lessons"
    shutil.copytree(CATALOGUE[slug].lessons_dir, folder)
    nb = nbformat.read(folder / lesson, as_version=4)
    NotebookClient(nb, timeout=30, kernel_name="python3", resources={"metadata": {"path": str(folder)}}).execute()
    errors = [o for cell in nb.cells if cell.cell_type == "code" for o in cell.outputs if o.output_type == "error"]
    assert not errors


# --- money: equally right formulas earn the same points ------------------------------------------------

SHOP_FORMULAS = {  # the exact take-home pay is 418.675: half a fen, where binary floats round either way
    "textbook": "销售额(订单) * (1 - 扣点) - 运费",
    "minus_fee": "销售额(订单) - 销售额(订单) * 扣点 - 运费",
    "percent": "销售额(订单) * (100 - 扣点 * 100) / 100 - 运费",
}


@pytest.mark.skipif(os.geteuid() != 0, reason="the grading sandbox switches to an unprivileged uid: run as root")
def test_equally_right_money_formulas_earn_the_same_points(tmp_path, closed_pools):
    """new-forms/shop question 3: each formula a worker might write, rounded to fen as the task says, earns both
    points (the test once compared with == 418.67, and `销售额 - 销售额 × 扣点 - 运费` rounds to 418.68)."""
    from grading import autograde

    c = CATALOGUE["new-forms"]
    root = tmp_path / "course"
    shutil.copytree(c.source_dir, root / "source")
    (root / "nbgrader_config.py").write_text("c = get_config()\nc.CourseDirectory.course_id = 'new-forms'\n")
    run = subprocess.run([str(BIN / "nbgrader"), "generate_assignment", "shop", "--force"], cwd=root, env=_env(),
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-2000:]
    takes = set()
    for student, formula in SHOP_FORMULAS.items():
        shutil.copytree(root / "source" / "shop", root / "submitted" / student / "shop")
        path = root / "submitted" / student / "shop" / "shop.ipynb"
        nb = nbformat.read(path, as_version=4)
        answer = next(cell for cell in nb.cells if _nbgrader(cell).get("grade_id") == "answer10")
        answer.source = ("def 到手收入(订单, 扣点):\n    运费 = sum(行[\"运费\"] for 行 in 有效订单(订单))\n"
                         f"    return round({formula}, 2)\n")
        nbformat.write(nb, path)
        s, k, f = 456.5, 0.05, 15.0  # the week's numbers: the formulas really do round apart
        takes.add(round(eval(formula.replace("销售额(订单)", "s").replace("扣点", "k").replace("运费", "f")), 2))
    assert takes == {418.67, 418.68}
    results = autograde(root, "shop", sorted(SHOP_FORMULAS), workers=1)
    for r in results:
        q3 = [cell for nb in r.notebooks for cell in nb.cells if cell.cell == "test11"]
        assert r.status == "graded" and q3 and q3[0].passed and q3[0].points == 2.0, (r.student, q3)


def test_the_first_lesson_teaches_rounding_money_half_up(tmp_path, monkeypatch):
    """round() is not 四舍五入 on binary floats (round(2.675, 2) == 2.67): lesson 01 says so and shows Decimal."""
    monkeypatch.setenv("PATH", _env()["PATH"])
    folder = tmp_path / "lessons"
    shutil.copytree(CATALOGUE["office-data"].lessons_dir, folder)
    nb = nbformat.read(folder / "01-basics.ipynb", as_version=4)
    text = "\n".join(cell.source for cell in nb.cells)
    assert "ROUND_HALF_UP" in text and "round(2.675, 2)" in text and "四舍五入保留" not in text
    NotebookClient(nb, timeout=30, kernel_name="python3", resources={"metadata": {"path": str(folder)}}).execute()
    shown = "".join(o.get("text", "") for cell in nb.cells
                    if cell.cell_type == "code" and "ROUND_HALF_UP" in cell.source for o in cell.outputs)
    assert shown.split() == ["2.67", "2.68"]


def test_the_published_table_shows_no_group_under_five(monkeypatch):
    """cadres/tables: lesson 02 teaches that a group under 5 is not published; the assignment's own answer must not
    publish one either (it printed 销售部's 4 people)."""
    folder = CATALOGUE["cadres"].source_dir / "tables-plus"  # the code part is the optional 进阶 one (issue 19)
    monkeypatch.chdir(folder)
    nb = nbformat.read(folder / "tables-plus.ipynb", as_version=4)
    ns: dict = {}
    for cell in nb.cells:
        if cell.cell_type == "code" and (_nbgrader(cell).get("solution") or _nbgrader(cell).get("grade_id") == "setup02"):
            exec(cell.source.replace("### BEGIN SOLUTION", "").replace("### END SOLUTION", ""), ns)
    table = ns["发布表"](ns["按单位统计"](ns["名单"]))
    for unit, (staff, women, share) in table.items():
        shown = [n for n in (staff, women, staff - women if women != "*" else "*") if n != "*"]
        assert all(n >= 5 for n in shown), (unit, staff, women, share)


def test_the_rights_course_teaches_what_the_law_says():
    """The points a union's legal officer checked: provinces add to the national 98 days; a contract ending during
    pregnancy runs on (劳动合同法 第四十五条, 妇女权益保障法 第四十八条) but 第三十九条 still applies; harassment
    duties with their articles; the Annex with its numbers; the lesson's practice cell gives away no quiz answer."""
    quizzes = quiz_items("rights")
    assert "158" in quizzes["rights/q1"].explanation and "全国统一" in quizzes["rights/q1"].explanation
    for article in ("第四十五条", "第四十八条", "第三十九条"):
        assert article in quizzes["rights/q13"].explanation
    for article in ("《妇女权益保障法》第二十三条", "第二十五条", "《民法典》第一千零一十条"):
        assert article in quizzes["rights/q14"].citation
    assert "20公斤" in quizzes["rights/q15"].explanation and "25公斤" in quizzes["rights/q15"].explanation
    lesson = nbformat.read(CATALOGUE["rights"].lessons_dir / "01-key-rules.ipynb", as_version=4)
    text = "\n".join(cell.source for cell in lesson.cells)
    for point in ("158 天", "第四十五条", "第四十八条", "第三十九条", "20 公斤", "25 公斤", "第二十三条", "第二十五条",
                  "第一千零一十条", "经期", "孕期", "哺乳期"):
        assert point in text, point
    quiz_names = {line.split("=")[0].strip() for _, nb in _notebooks(CATALOGUE["rights"]) for cell in nb.cells
                  if cell.source.startswith("# 测验 ") for line in cell.source.splitlines() if line.startswith("答案_")}
    practice = [cell for cell in lesson.cells if cell.cell_type == "code" and "答案_" in cell.source]
    assert practice and not any(name in cell.source for cell in practice for name in quiz_names)


def test_new_forms_counts_working_time_and_pay_as_the_guidelines_do(tmp_path, monkeypatch):
    """Lesson 01 counts waiting the platform requires as work (the 2024 guideline's 第四条), compares pay after
    necessary work costs with the hourly minimum (人社部发〔2021〕56号); the hours assignment flags the week's 50.5 h
    with no rest day, computed from its own data."""
    lesson = nbformat.read(CATALOGUE["new-forms"].lessons_dir / "01-time-and-money.ipynb", as_version=4)
    text = "\n".join(cell.source for cell in lesson.cells)
    for point in ("第四条", "人社部发〔2021〕56号", "扣除必要的劳动成本", "必要成本"):
        assert point in text, point
    monkeypatch.setenv("PATH", _env()["PATH"])
    folder = tmp_path / "hours"
    shutil.copytree(CATALOGUE["new-forms"].source_dir / "hours", folder)
    nb = nbformat.read(folder / "hours.ipynb", as_version=4)
    assert "50.5 小时" in "\n".join(cell.source for cell in nb.cells)
    NotebookClient(nb, timeout=60, kernel_name="python3", resources={"metadata": {"path": str(folder)}}).execute()
    printed = "".join(o.get("text", "") for cell in nb.cells if cell.cell_type == "code" for o in cell.outputs)
    assert "一周上线 7 天，在线 50.5 小时" in printed


def test_a_quiz_format_check_never_praises_a_wrong_answer():
    """A rights quiz's visible check only looks at the answer's form: it must not say 很好 to a wrong letter."""
    for _, nb in _notebooks(CATALOGUE["rights"]):
        for cell in nb.cells:
            if _nbgrader(cell).get("grade") and cell.cell_type == "code":
                visible = cell.source.split("### BEGIN HIDDEN TESTS")[0] + cell.source.split("### END HIDDEN TESTS")[-1]
                assert "很好" not in visible and "格式正确" in visible, cell.source


def test_chinese_charts_draw_no_boxes(tmp_path, monkeypatch):
    """The chart lesson's Chinese labels find a font (matplotlib ≥ 3.11 reads Noto CJK SC out of Debian's .ttc):
    a missing glyph shows as a box, and matplotlib warns about it."""
    import matplotlib

    assert tuple(int(p) for p in matplotlib.__version__.split(".")[:2]) >= (3, 11)
    monkeypatch.setenv("PATH", _env()["PATH"])
    folder = tmp_path / "lessons"
    shutil.copytree(CATALOGUE["charts"].lessons_dir, folder)
    nb = nbformat.read(folder / "01-first-chart.ipynb", as_version=4)
    NotebookClient(nb, timeout=60, kernel_name="python3", resources={"metadata": {"path": str(folder)}}).execute()
    printed = "".join(o.get("text", "") for cell in nb.cells if cell.cell_type == "code" for o in cell.outputs)
    assert "missing from font" not in printed and "findfont" not in printed
    assert any("image/png" in o.get("data", {}) for cell in nb.cells if cell.cell_type == "code" for o in cell.outputs)
