"""Candidates from outside the platform (a 五一劳动奖章 list holds men and women nominated elsewhere), read from the
xlsx or csv an organizer uploads. Union offices often export GBK: csv is read as UTF-8 or GB18030. Every problem is
named by row and column; a file with any problem imports nothing."""
from __future__ import annotations

import csv
import io
from pathlib import Path

from competitions.nominations.quota import Candidate
from competitions.problems import Problem, ProblemsError

# column → accepted headers (Chinese first); required columns first
COLUMNS = {
    "name": ("姓名", "name"),
    "gender": ("性别", "gender"),
    "unit": ("工作单位", "单位", "unit"),
    "region": ("地区", "region"),
    "merit": ("评分", "业绩分", "merit", "score"),
    "achievement": ("主要事迹", "事迹", "achievement"),
}
REQUIRED = ("name", "gender", "unit", "merit")
GENDERS = {"女": "female", "女性": "female", "female": "female", "f": "female",
           "男": "male", "男性": "male", "male": "male", "m": "male"}


# Every problem of a candidates file; nothing from it is imported. A Problem's column (its path) is the header as
# written, or the column letter when there is none (the file's name for the file as a whole); its row (line) is as
# the spreadsheet numbers it (the header is row 1).
CandidateFileError = ProblemsError


def _at(row: int | None, column: str, zh: str, en: str) -> Problem:
    return Problem(column, zh, en, row)


def _letter(index: int) -> str:
    out = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        out = chr(65 + rem) + out
    return out


def _rows(data: bytes, filename: str) -> list[list[str]]:
    if filename.lower().endswith(".xlsx"):
        import openpyxl

        try:
            book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises several kinds for "not an xlsx"
            raise CandidateFileError([_at(None, filename, f"无法读取 xlsx 文件（{type(exc).__name__}）",
                                              f"cannot read the xlsx file ({type(exc).__name__})")])
        sheet = book.worksheets[0]
        return [["" if v is None else str(v).strip() for v in row] for row in sheet.iter_rows(values_only=True)]
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise CandidateFileError([_at(None, filename, "文件编码无法识别，请另存为 UTF-8 或 GBK 的 csv",
                                          "unknown text encoding: save the csv as UTF-8 or GBK")])
    return [[cell.strip() for cell in row] for row in csv.reader(io.StringIO(text))]


def read_candidates(data: bytes, filename: str, id_prefix: str = "ext") -> list[Candidate]:
    """The candidates of an uploaded file, or CandidateFileError listing every problem (row, column, zh, en)."""
    rows = _rows(data, filename)
    if not rows or not any(rows[0]):
        raise CandidateFileError([_at(1, "", "文件为空或没有表头", "the file is empty or has no header row")])
    header = rows[0]
    where: dict[str, int] = {}
    for index, title in enumerate(header):
        for key, names in COLUMNS.items():
            if title.lower() in names and key not in where:
                where[key] = index
    missing = [k for k in REQUIRED if k not in where]
    if missing:
        raise CandidateFileError([_at(1, COLUMNS[k][0], f"缺少“{COLUMNS[k][0]}”列（表头应包含：姓名、性别、工作单位、评分）",
                                          f"missing column '{COLUMNS[k][-1]}' (the header needs name, gender, unit, merit)")
                            for k in missing])
    problems: list[Problem] = []
    seen: dict[tuple[str, str], int] = {}
    out: list[Candidate] = []

    def col(key: str) -> str:
        return header[where[key]] or _letter(where[key])

    for number, row in enumerate(rows[1:], start=2):
        if not any(row):
            continue
        cell = {k: (row[i] if i < len(row) else "") for k, i in where.items()}
        if not cell["name"]:
            problems.append(_at(number, col("name"), "姓名不能为空", "name is empty"))
        gender = GENDERS.get(cell["gender"].lower())
        if gender is None:
            problems.append(_at(number, col("gender"), f"性别应为“女”或“男”，而不是“{cell['gender']}”",
                                          f"gender must be 女 or 男, not {cell['gender']!r}"))
        try:
            merit = float(cell["merit"])
        except ValueError:
            merit = 0.0
            problems.append(_at(number, col("merit"), f"评分应为数字，而不是“{cell['merit']}”",
                                          f"merit must be a number, not {cell['merit']!r}"))
        key = (cell["name"], cell["unit"])
        if cell["name"] and key in seen:
            problems.append(_at(number, col("name"), f"与第 {seen[key]} 行重复（同一单位同名）",
                                          f"duplicate of row {seen[key]} (same name and unit)"))
        seen.setdefault(key, number)
        if gender is not None and cell["name"]:
            out.append(Candidate(f"{id_prefix}:{number}", cell["name"], gender, cell["unit"], cell.get("region", ""),
                                 merit))
    if problems:
        raise CandidateFileError(problems)
    if not out:
        raise CandidateFileError([_at(None, filename, "文件中没有候选人", "the file holds no candidates")])
    return out


def read_achievements(data: bytes, filename: str, id_prefix: str = "ext") -> dict[str, str]:
    """The 主要事迹 (achievement) column by candidate id, for a file ``read_candidates`` accepted: the public notice
    shows it, the selection does not need it. Empty when the file has no such column."""
    rows = _rows(data, filename)
    header = [title.lower() for title in rows[0]] if rows else []
    column = next((i for i, title in enumerate(header) if title in COLUMNS["achievement"]), None)
    if column is None:
        return {}
    return {f"{id_prefix}:{number}": row[column] for number, row in enumerate(rows[1:], start=2)
            if any(row) and column < len(row) and row[column]}


def read_candidates_file(path: str | Path) -> list[Candidate]:
    path = Path(path)
    return read_candidates(path.read_bytes(), path.name)
