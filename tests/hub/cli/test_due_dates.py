"""`jinguo course release --due` reads a time without a zone as Beijing time, as the courses page does: one rule,
one parsing function (courses/clock.py), said in --help. Before, the CLI took such a time as UTC (8 hours later)."""
from __future__ import annotations

import contextlib
import io
from datetime import datetime, timedelta, timezone

import pytest

from courses.clock import parse_beijing
from hub.cli.course import parse_due
from hub.cli.main import build_parser


def test_a_due_date_without_a_zone_is_beijing_time():
    assert parse_due("2026-12-31T23:59") == datetime(2026, 12, 31, 15, 59, tzinfo=timezone.utc)
    assert parse_due("2026-12-31 23:59") == datetime(2026, 12, 31, 15, 59, tzinfo=timezone.utc)
    assert parse_due("2026-12-31").utcoffset() == timedelta(hours=8)


def test_a_written_zone_is_kept():
    assert parse_due("2026-12-31T23:59+00:00") == datetime(2026, 12, 31, 23, 59, tzinfo=timezone.utc)
    assert parse_due("2026-12-31T23:59Z") == datetime(2026, 12, 31, 23, 59, tzinfo=timezone.utc)
    assert parse_due("2026-12-31T23:59+08:00") == datetime(2026, 12, 31, 15, 59, tzinfo=timezone.utc)


def test_the_cli_uses_the_one_rule():
    for text in ("2026-12-31T23:59", "2026-06-01 08:00", "2026-06-01T08:00+05:00"):
        assert parse_due(text) == parse_beijing(text)
    with pytest.raises(ValueError):
        parse_due("31/12/2026")


def test_release_help_says_beijing_time():
    out = io.StringIO()
    with contextlib.redirect_stdout(out), pytest.raises(SystemExit):
        build_parser().parse_args(["course", "release", "--help"])
    text = " ".join(out.getvalue().split())
    assert "北京时间" in text and "Beijing time" in text and "UTC" not in text
