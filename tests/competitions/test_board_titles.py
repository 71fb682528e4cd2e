"""Board keys and their titles are made in one place (competitions/divisions.py): the competition page's board
picker, the leaderboard API and the results workbook all say the competition file's own overall title and
地区分榜·浙江省. Before, the workbook and the page each wrote 总榜 themselves, whatever the file called it."""
from __future__ import annotations

import io
from datetime import datetime, timedelta, timezone

from openpyxl import load_workbook

import competitions as core
from competitions.divisions import FIELD_TITLES, SPLIT_FIELDS, board_title, board_titles
from competitions.spec import OVERALL
from hub.competitions.admin import results_xlsx
from hub.competitions.boards import REFERENCE_OF

NOW = datetime(2026, 5, 1, 9, tzinfo=timezone.utc)
SPEC = core.load_competition(f"""slug: titles-cup
title: 榜单名称测试赛
phases:
  - key: prelim
    title: 初赛
    opens_at: {(NOW - timedelta(days=2)).isoformat()}
    closes_at: {(NOW - timedelta(days=1)).isoformat()}
    tasks: [{{assignment: t1, title: 求和, max_score: 10}}]
divisions:
  - {{key: region, title: 地区分榜, split_by: region}}
board:
  overall_title: 全省总榜
""")
NAMES = {"region": {"zhejiang": "浙江省"}}


def test_titles_overall_first_with_the_files_own_overall_title():
    assert board_titles(SPEC, ["region:zhejiang", OVERALL], NAMES) == [(OVERALL, "全省总榜"),
                                                                        ("region:zhejiang", "地区分榜·浙江省")]
    assert board_titles(SPEC, [], NAMES) == [(OVERALL, "全省总榜")]
    assert board_title(SPEC, "gone:away", NAMES) == "gone:away"  # a board the file no longer names


def test_every_split_field_has_a_title_and_a_reference_table():
    assert set(SPLIT_FIELDS) == set(FIELD_TITLES) == set(REFERENCE_OF)


def test_the_results_workbook_names_its_sheets_as_the_board_does():
    member = core.Member(id=1, real_name="王芳", units=("u1",), unit_name="一工会", region="zhejiang",
                         industry="it", employment_form="full_time")
    lb = core.Leaderboard(SPEC, "prelim", kind="private", members={1: member},
                          records=[core.ScoreRecord(1, "t1", "prelim", 5.0, 5.0, NOW - timedelta(days=1))])
    wb = load_workbook(io.BytesIO(results_xlsx(lb, SPEC, {}, "榜单名称测试赛 · 初赛", NAMES)))
    assert wb.sheetnames == [title for _key, title in board_titles(SPEC, lb.divisions(), NAMES)]
    assert wb.sheetnames[0] == "全省总榜"
