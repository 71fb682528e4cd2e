"""Importing outside candidates: UTF-8 and GBK csv, xlsx; every problem named by row and column; all or nothing."""
from __future__ import annotations

import io

import openpyxl
import pytest

from competitions.nominations.imports import CandidateFileError, read_candidates

GOOD = "姓名,性别,工作单位,地区,评分,主要事迹\n张伟,男,杭州钢铁厂,杭州,91,技术革新\n刘芳,女,宁波纺织厂,宁波,88.5,带徒传艺\n\n"


def xlsx(rows: list[list]) -> bytes:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk"])
def test_csv_in_utf8_and_gbk(encoding):
    people = read_candidates(GOOD.encode(encoding), "名单.csv")
    assert [(p.name, p.gender, p.unit, p.region, p.merit) for p in people] == [
        ("张伟", "male", "杭州钢铁厂", "杭州", 91.0), ("刘芳", "female", "宁波纺织厂", "宁波", 88.5)]
    assert people[0].id == "ext:2"


def test_xlsx_with_english_headers():
    data = xlsx([["name", "gender", "unit", "merit"], ["王敏", "F", "温州电厂", 77], ["李强", "男", "温州电厂", 80]])
    people = read_candidates(data, "list.xlsx")
    assert [(p.name, p.gender, p.merit) for p in people] == [("王敏", "female", 77.0), ("李强", "male", 80.0)]


def test_every_problem_is_named_and_nothing_is_imported():
    bad = ("姓名,性别,工作单位,评分\n张伟,男,杭州钢铁厂,91\n,女,宁波纺织厂,80\n李娜,未知,宁波纺织厂,七十\n"
           "张伟,男,杭州钢铁厂,60\n")
    with pytest.raises(CandidateFileError) as err:
        read_candidates(bad.encode("gbk"), "名单.csv")
    found = {(p.row, p.column, p.zh.split("，")[0].split("（")[0]) for p in err.value.problems}
    assert found == {(3, "姓名", "姓名不能为空"), (4, "性别", "性别应为“女”或“男”"), (4, "评分", "评分应为数字"),
                     (5, "姓名", "与第 2 行重复")}
    assert all(p.en for p in err.value.problems)


def test_wrong_columns_and_wrong_files():
    with pytest.raises(CandidateFileError) as err:
        read_candidates("名字,性别,单位,分数\n张伟,男,厂,1\n".encode(), "x.csv")
    assert {p.column for p in err.value.problems} == {"姓名", "评分"} and all(p.row == 1 for p in err.value.problems)
    with pytest.raises(CandidateFileError) as err:
        read_candidates(b"\xff\xfe\x00\x81\x30\x81", "x.csv")
    assert "编码" in err.value.problems[0].zh
    with pytest.raises(CandidateFileError) as err:
        read_candidates(b"not a zip", "x.xlsx")
    assert "xlsx" in err.value.problems[0].zh
    with pytest.raises(CandidateFileError):
        read_candidates("姓名,性别,工作单位,评分\n".encode(), "x.csv")
