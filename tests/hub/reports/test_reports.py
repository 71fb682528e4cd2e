"""`jinguo report` as an organizer runs it: the numbers in the xlsx, the Chinese PDF, and refusals that write nothing.

A small, hand-counted database (two regions, five approved members and one pending) makes every expected number
checkable by reading `seed` below.
"""
from __future__ import annotations

import os
import re
import secrets
import shutil
import subprocess
import sys
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import openpyxl
import pytest
import sqlalchemy as sa
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from hub.store import db
from hub.cli.main import main
from hub.store.orm import (Competition, Course, EmploymentForm, Enrolment, Industry, Member, MemberStatus, OrgUnit, Region,
                     Role, Submission)
from hub.store.seed import seed_reference
from tests.hub.store.factory import reference_db
from hub.reports import ReportScope, build_tables
from hub.reports.render import HEADER_ROW, REPORT_TITLE

JINGUO = str(Path(sys.executable).parent / "jinguo")
PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
ARTIFACTS = Path("/tmp/jinguo-artifacts")
CHINESE = re.compile(r"[\u4e00-\u9fff]")


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=timezone.utc)


def ids(s: Session, model, *codes: str) -> list[int]:
    found = dict(s.execute(select(model.code, model.id).where(model.code.in_(codes))).all())
    return [found[c] for c in codes]


def seed(url: str) -> None:
    """zhejiang: z1, z2 (women), z3 (a man), z4 (pending: never counted); beijing: b1 (instructor), b2 (gender?)."""
    db.upgrade(url)
    with db.session_scope(url) as s:
        seed_reference(s)
        zj, bj = ids(s, Region, "zhejiang", "beijing")
        zj_unit, bj_unit = ids(s, OrgUnit, "zj-hz-textile", "bj-haidian-soft")
        manufacturing, it = ids(s, Industry, "manufacturing", "it")
        full_time, rider = ids(s, EmploymentForm, "full_time", "delivery_rider")

        def member(name, region, unit, industry, form, created, gender="female", role=Role.learner,
                   status=MemberStatus.approved):
            m = Member(username=name, real_name=name, gender=gender, role=role, status=status, org_unit_id=unit,
                       region_id=region, industry_id=industry, employment_form_id=form, created_at=utc(created))
            s.add(m)
            return m

        z1 = member("z1", zj, zj_unit, manufacturing, full_time, "2026-01-10T02:00")
        z2 = member("z2", zj, zj_unit, manufacturing, rider, "2026-02-05T02:00")
        z3 = member("z3", zj, zj_unit, manufacturing, full_time, "2026-03-01T02:00", gender="male")
        z4 = member("z4", zj, zj_unit, manufacturing, full_time, "2026-01-11T02:00", status=MemberStatus.pending)
        b1 = member("b1", bj, bj_unit, it, full_time, "2026-01-20T02:00", role=Role.instructor)
        b2 = member("b2", bj, bj_unit, it, full_time, "2026-04-02T02:00", gender="unknown")
        c1, c2 = Course(slug="python-basics", title="Python 入门"), Course(slug="excel", title="表格")
        race = Competition(slug="race", title="数字技能竞赛", spec_yaml="slug: race\n", status="open")
        s.add_all([c1, c2, race])
        s.flush()

        def enrol(m, course, at, completed=None):
            s.add(Enrolment(member_id=m.id, course_id=course.id, enrolled_at=utc(at),
                            completed_at=utc(completed) if completed else None))

        # z1 completes at 00:30 Beijing time on 1 February: a February completion, not a January one.
        enrol(z1, c1, "2026-01-15T02:00", completed="2026-01-31T16:30")
        enrol(z1, c2, "2026-03-05T02:00")
        enrol(z2, c1, "2026-02-10T02:00")
        enrol(b1, c1, "2026-01-25T02:00", completed="2026-02-20T02:00")
        enrol(z4, c1, "2026-01-16T02:00", completed="2026-01-20T02:00")

        def submit(m, at, competition=None):
            s.add(Submission(member_id=m.id, competition_id=competition.id if competition else None, task="t1",
                             filename="a.ipynb", notebook=b"{}", sha256="0" * 64, size=2, received_at=utc(at)))

        submit(z2, "2026-02-15T02:00", race)
        submit(z2, "2026-02-16T02:00", race)
        submit(z3, "2026-03-10T02:00", race)
        submit(b2, "2026-04-05T02:00")  # a course assignment: a submission, but not competing
        submit(z4, "2026-02-15T02:00", race)


@pytest.fixture
def platform(tmp_path, monkeypatch) -> Path:
    """A seeded SQLite platform database found the way every sub-command finds it (JINGUO_* environment)."""
    data = tmp_path / "data"
    data.mkdir()
    monkeypatch.setenv("JINGUO_DATA_DIR", str(data))
    monkeypatch.delenv("JINGUO_DB_URL", raising=False)
    seed(f"sqlite:///{data / 'jinguo.sqlite'}")
    return data


def run(capsys, *args: str) -> tuple[int, str, str]:
    try:
        code = main(["report", *args])
    except SystemExit as exc:  # argparse refusals
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


def sheet_rows(path: Path, sheet: str) -> dict[str, list]:
    """Data rows of one sheet keyed by their first cell."""
    ws = openpyxl.load_workbook(path)[sheet]
    return {row[0]: list(row[1:]) for row in ws.iter_rows(min_row=HEADER_ROW + 1, values_only=True)}


def test_xlsx_holds_the_hand_counted_numbers(platform, tmp_path, capsys):
    out = tmp_path / "报表.xlsx"
    code, stdout, err = run(capsys, "--out", str(out))
    assert code == 0, err
    assert "已生成报表" in stdout
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["按区域", "按行业", "按用工形式", "按基层工会", "月度趋势"]
    ws = wb["按区域"]
    assert REPORT_TITLE in ws["A1"].value and "全部区域" in ws["A2"].value and "生成于" in ws["A2"].value
    assert "定稿的推荐名单" in ws["A3"].value  # the note says which lists "nominated" counts
    assert ws.cell(HEADER_ROW, 2).value == "注册会员 registered" and ws.cell(HEADER_ROW, 2).font.bold
    assert ws.freeze_panes == f"A{HEADER_ROW + 1}"
    assert ws.column_dimensions["A"].width >= 8
    # registered, enrolled, completed, competed, nominated, cadres trained, share of women
    regions = sheet_rows(out, "按区域")
    assert regions["浙江省"] == [3, 2, 1, 2, 0, 0, pytest.approx(2 / 3)]
    assert regions["北京市"] == [2, 1, 1, 0, 0, 1, 1.0]  # b2's gender is unknown: 1 woman of 1 known
    assert regions["广东省"][:4] == [0, 0, 0, 0] and regions["广东省"][6] == "—"
    assert regions["合计 total"] == [5, 3, 2, 2, 0, 1, 0.75]
    assert ws.cell(HEADER_ROW + 1, 8).number_format == "0.0%"
    assert sheet_rows(out, "按行业")["制造业"][:4] == [3, 2, 1, 2]
    forms = sheet_rows(out, "按用工形式")
    assert forms["全日制用工"][:4] == [4, 2, 2, 1] and forms["新就业形态·网约配送员（外卖骑手）"][:4] == [1, 1, 0, 1]
    units = sheet_rows(out, "按基层工会")
    assert list(units) == ["杭州某纺织有限公司工会", "某软件科技有限公司工会", "合计 total"]
    months = sheet_rows(out, "月度趋势")  # new members, enrolments, submissions
    assert months == {"2026-01": [2, 2, 0], "2026-02": [1, 1, 2], "2026-03": [1, 1, 1], "2026-04": [1, 0, 1]}


def test_region_and_period_change_the_numbers(platform, tmp_path, capsys):
    zj = tmp_path / "zj.xlsx"
    assert run(capsys, "--out", str(zj), "--region", "zhejiang")[0] == 0
    regions = sheet_rows(zj, "按区域")
    assert list(regions) == ["浙江省", "合计 total"] and regions["合计 total"][:4] == [3, 2, 1, 2]
    assert sheet_rows(zj, "按行业")["合计 total"][:4] == [3, 2, 1, 2]
    assert list(sheet_rows(zj, "按基层工会")) == ["杭州某纺织有限公司工会", "合计 total"]
    assert "浙江省" in openpyxl.load_workbook(zj)["按区域"]["A2"].value
    by_name = tmp_path / "zj-by-name.xlsx"
    assert run(capsys, "--out", str(by_name), "--region", "浙江省")[0] == 0
    assert sheet_rows(by_name, "按区域") == regions

    feb = tmp_path / "feb.xlsx"
    assert run(capsys, "--out", str(feb), "--from", "2026-02-01", "--to", "2026-02-28")[0] == 0
    regions = sheet_rows(feb, "按区域")
    # Signed up by the end of February: z1, z2, b1. In February: z2 enrolled; z1 (00:30 Beijing time) and b1
    # completed; z2 competed; b1 is an instructor who completed: a cadre trained.
    assert regions["浙江省"][:6] == [2, 1, 1, 1, 0, 0]
    assert regions["北京市"][:6] == [1, 0, 1, 0, 0, 1]
    assert sheet_rows(feb, "月度趋势") == {"2026-02": [1, 1, 2]}

    jan = tmp_path / "jan.xlsx"
    assert run(capsys, "--out", str(jan), "--to", "2026-01-31")[0] == 0
    assert sheet_rows(jan, "按区域")["浙江省"][:4] == [1, 1, 0, 0]  # z1's completion fell on 1 February


def test_pdf_renders_the_chinese_title_with_an_embedded_cjk_font(platform, tmp_path):
    out = tmp_path / "report.pdf"
    env = dict(os.environ, JINGUO_DATA_DIR=str(platform))
    done = subprocess.run([JINGUO, "report", "--out", str(out), "--from", "2026-01-01", "--region", "zhejiang"],
                          env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "missing from font" not in done.stderr  # matplotlib's warning when it draws a tofu box

    fonts = subprocess.run(["pdffonts", str(out)], capture_output=True, text=True, check=True).stdout
    cjk = [line.split() for line in fonts.splitlines() if "NotoSansCJK" in line]
    assert cjk and all(row[-5] == "yes" for row in cjk), fonts  # columns from the end: emb sub uni object-id
    text = subprocess.run(["pdftotext", "-f", "1", "-l", "1", str(out), "-"], capture_output=True, text=True).stdout
    assert "巾帼数字工坊 参与与覆盖报告" in text  # real characters, not boxes

    subprocess.run(["pdftoppm", "-r", "60", "-png", "-f", "1", "-l", "1", str(out), str(tmp_path / "page")],
                   check=True, capture_output=True)
    png = next(tmp_path.glob("page*.png"))
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shutil.copy(png, ARTIFACTS / "report-page1.png")
    from PIL import Image

    page = Image.open(png).convert("L")
    width, height = page.size
    # The title sits at 80 % of the page height from the bottom, centred.
    title = page.crop((width // 8, int(height * 0.16), width * 7 // 8, int(height * 0.24)))
    blank = page.crop((width // 8, int(height * 0.02), width * 7 // 8, int(height * 0.10)))
    dark = lambda im: sum(im.histogram()[:100])  # noqa: E731  (pixels darker than 100 of 255)
    assert dark(title) > 300, dark(title)
    assert dark(blank) == 0


@pytest.mark.parametrize("args", [
    ["--out", "r.xlsx", "--from", "2026/01/01"],
    ["--out", "r.pdf", "--to", "2026-02-30"],
    ["--out", "r.xlsx", "--from", "2026-03-01", "--to", "2026-02-01"],
    ["--out", "r.docx"],
    ["--out", "r"],
    ["--out", "r.pdf", "--region", "火星"],
    [],
], ids=["slashes", "no-such-day", "from-after-to", "docx", "no-suffix", "unknown-region", "no-out"])
def test_bad_input_exits_2_in_chinese_and_writes_nothing(platform, tmp_path, capsys, monkeypatch, args):
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    monkeypatch.chdir(out_dir)
    code, _, err = run(capsys, *args)
    assert code == 2
    assert CHINESE.search(err), err
    assert list(out_dir.iterdir()) == []


def test_a_failure_while_writing_leaves_no_half_file(platform, tmp_path, capsys, monkeypatch):
    import hub.reports

    def broken(tables, path, scope=None, **kw):
        Path(path).write_bytes(b"PK half a workbook")
        raise OSError("disk full")

    monkeypatch.setattr(hub.reports, "write_xlsx", broken)
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    with pytest.raises(OSError):
        main(["report", "--out", str(out_dir / "r.xlsx")])
    assert list(out_dir.iterdir()) == []


def test_no_database_is_a_refusal_not_a_new_empty_file(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("JINGUO_DATA_DIR", str(tmp_path / "nowhere"))
    monkeypatch.delenv("JINGUO_DB_URL", raising=False)
    code, _, err = run(capsys, "--out", str(tmp_path / "r.xlsx"))
    assert code == 2 and "jinguo db upgrade" in err and not (tmp_path / "nowhere").exists()


@pytest.fixture(params=["sqlite", "postgresql"])
def any_db(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'r.sqlite'}"
        return
    try:
        admin = sa.create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
        name = f"jinguo_report_{secrets.token_hex(4)}"
        with admin.connect() as c:
            c.execute(sa.text(f"CREATE DATABASE {name}"))
    except sa.exc.OperationalError as exc:
        pytest.skip(f"PostgreSQL at 127.0.0.1:5432 not reachable: {exc.orig}")
    url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    yield url
    db.engine_for(url).dispose()
    with admin.connect() as c:
        c.execute(sa.text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))


def test_same_numbers_on_sqlite_and_postgresql(any_db):
    seed(any_db)
    with db.session_scope(any_db) as s:
        tables = build_tables(s, ReportScope(date(2026, 2, 1), date(2026, 2, 28)))
    regions = {r[0]: r[1:7] for r in tables[0].rows}
    assert regions["浙江省"] == [2, 1, 1, 1, 0, 0] and regions["北京市"] == [1, 0, 1, 0, 0, 1]
    assert tables[-1].rows == [["2026-02", 1, 1, 2]]


def test_ten_thousand_members_add_up(tmp_path):
    url = reference_db(tmp_path, "big.sqlite")
    with db.session_scope(url) as s:
        regions, units = s.scalars(select(Region.id)).all(), s.scalars(select(OrgUnit.id)).all()
        industries, forms = s.scalars(select(Industry.id)).all(), s.scalars(select(EmploymentForm.id)).all()
        s.add_all([Course(slug=f"c{i}", title=f"课程{i}") for i in range(3)])
        s.add(Competition(slug="big", title="大赛", spec_yaml="slug: big\n"))
        s.flush()
        courses, race = s.scalars(select(Course.id)).all(), s.scalar(select(Competition.id))
        start = utc("2026-01-01T00:00")
        s.execute(insert(Member), [
            {"username": f"w{i:05d}", "real_name": "女职工", "gender": "female" if i % 5 else "male",
             "role": Role.learner, "status": MemberStatus.approved, "org_unit_id": units[i % len(units)],
             "region_id": regions[i % len(regions)], "industry_id": industries[i % len(industries)],
             "employment_form_id": forms[i % len(forms)], "created_at": start + timedelta(hours=i)}
            for i in range(10_000)])
        members = s.scalars(select(Member.id)).all()
        s.execute(insert(Enrolment), [
            {"member_id": m, "course_id": courses[k], "enrolled_at": start + timedelta(hours=i + k),
             "completed_at": start + timedelta(days=30, hours=i) if (i + k) % 3 == 0 else None}
            for i, m in enumerate(members) for k in range(2)])
        s.execute(insert(Submission), [
            {"member_id": m, "competition_id": race if i % 2 else None, "filename": "a.ipynb", "notebook": b"{}",
             "sha256": "0" * 64, "size": 2, "received_at": start + timedelta(hours=i % 10_000)}
            for i, m in enumerate(members * 3)])
    with db.session_scope(url) as s:
        tables = build_tables(s, ReportScope(date(2026, 1, 1), date(2027, 6, 30)))
    assert tables[0].rows[-1][1] == 10_000
    assert sum(r[3] for r in tables[-1].rows) == 30_000  # submissions per month add up
    # (how long this takes is measured by bench, not asserted here: ~0.2 s on SQLite)
