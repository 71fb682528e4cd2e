"""The courses page's due date and `jinguo course release --due` follow one rule (courses/clock.py): a time without
a zone is Beijing time; a written zone is kept (the form used to overwrite any zone with Beijing's)."""
from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

from hub.cli.course import parse_due
from hub.web.pages.courses import CoursesPage

TEMPLATE = Path(__file__).resolve().parents[3] / "hub" / "web" / "templates" / "courses.html"


def test_form_and_cli_read_the_same_text_as_the_same_time():
    for text in ("2026-12-31T23:59", "2030-06-30T18:00", "2026-12-31T23:59+00:00", "2026-12-31"):
        assert CoursesPage._due(text) == parse_due(text), text
    assert CoursesPage._due("2030-06-30T18:00") == datetime(2030, 6, 30, 10, 0, tzinfo=timezone.utc)
    assert CoursesPage._due("") is None


def test_a_zone_typed_into_the_form_is_not_overwritten():
    assert CoursesPage._due("2026-12-31T23:59+00:00") == datetime(2026, 12, 31, 23, 59, tzinfo=timezone.utc)


def test_the_form_says_beijing_time():
    text = TEMPLATE.read_text(encoding="utf-8")
    field = next(line for line in text.splitlines() if 'name="due"' in line)
    assert "北京时间" in field and "Beijing time" in field
