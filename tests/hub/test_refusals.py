"""One refusal type (issue 17): a room's Refused is answered in one place by the web (API: status + JSON body; page:
the error page in Chinese and English) and in one place by the CLI (its words on stderr, its exit code); and no
other class in hub/ carries the zh / en fields of a refusal.

The web half runs real Tornado handlers of hub/web/base.py in this process (the request path is Tornado's and ours:
nothing of the hub is needed to raise a refusal); the room code raising is the room's own.
"""
from __future__ import annotations

import ast
import asyncio
import json
import threading
from datetime import datetime, timezone
from pathlib import Path

import pytest
from tornado import httpclient, web

from hub.cli.main import main
from hub.refusals import Refused
from hub.reports.tables import parse_scope
from hub.submissions.receive import notebook_bytes
from hub.web.base import APIHandler, BaseHandler

HUB = Path(__file__).resolve().parents[2] / "hub"
RETRY = datetime(2026, 12, 5, 8, 0, tzinfo=timezone.utc)


class RoomInAPI(APIHandler):
    async def get(self) -> None:
        notebook_bytes({"nbformat": 3, "cells": []})  # hub/submissions/receive.py refuses it


class RetryInAPI(APIHandler):
    async def get(self) -> None:
        raise Refused(429, "daily_limit", "今天的次数用完了", "No submissions left today", retry_at=RETRY)


class CrashInAPI(APIHandler):
    async def get(self) -> None:
        raise KeyError("not a refusal")


class RoomInPage(BaseHandler):
    async def get(self) -> None:
        parse_scope(None, "2026-02-30", "", "")  # hub/reports/tables.py refuses the day before reading anything


def _fetch_all(paths: list[str], monkeypatch) -> dict[str, httpclient.HTTPResponse]:
    """GET each path from a Tornado app of these handlers; in a thread of its own (Playwright may own this one's
    loop)."""
    monkeypatch.setenv("JUPYTERHUB_API_TOKEN", "unused")  # HubAuth reads it; nobody is logged in here
    out: dict[str, httpclient.HTTPResponse] = {}

    async def run() -> None:
        app = web.Application([("/api/room", RoomInAPI), ("/api/retry", RetryInAPI), ("/api/crash", CrashInAPI),
                               ("/page", RoomInPage)], prefix="/", hub_prefix="/hub/", demo_mode=True,
                              db_url="sqlite://", cookie_secret="test")
        server = app.listen(0, "127.0.0.1")
        port = next(iter(server._sockets.values())).getsockname()[1]
        client = httpclient.AsyncHTTPClient()
        try:
            for path in paths:
                out[path] = await client.fetch(f"http://127.0.0.1:{port}{path}", raise_error=False,
                                               request_timeout=20)
        finally:
            server.stop()

    thread = threading.Thread(target=lambda: asyncio.run(run()))
    thread.start()
    thread.join(60)
    return out


def test_a_rooms_refusal_in_an_api_handler_is_its_status_and_the_json_body(monkeypatch):
    got = _fetch_all(["/api/room", "/api/retry", "/api/crash"], monkeypatch)
    room = got["/api/room"]
    assert room.code == 409 and room.headers["Content-Type"] == "application/json"
    assert json.loads(room.body) == {"error": {"code": "invalid_notebook", "zh": "这不是一个笔记本文件（需要 nbformat 4）",
                                               "en": "Not an nbformat 4 notebook", "retry_at": None}}
    retry = got["/api/retry"]
    assert retry.code == 429
    assert json.loads(retry.body)["error"] == {"code": "daily_limit", "zh": "今天的次数用完了",
                                               "en": "No submissions left today", "retry_at": RETRY.isoformat()}
    crash = got["/api/crash"]  # not a refusal: the generic words, never the exception's text
    assert crash.code == 500
    assert json.loads(crash.body)["error"]["code"] == "server_error" and b"not a refusal" not in crash.body


def test_a_rooms_refusal_on_a_page_is_the_error_page_in_chinese_and_english(monkeypatch):
    page = _fetch_all(["/page"], monkeypatch)["/page"]
    assert page.code == 400 and page.headers["Content-Type"].startswith("text/html")
    text = page.body.decode()
    assert "400：起始日期应为 YYYY-MM-DD 的有效日期" in text
    assert "from must be a real day as YYYY-MM-DD" in text


def test_to_json_is_the_apis_error_shape():
    assert Refused(403, "forbidden", "不行", "No").to_json() == {
        "error": {"code": "forbidden", "zh": "不行", "en": "No", "retry_at": None}}
    field_only = Refused(400, "bad_phone", "手机号格式不对", "phone number is not valid", field="phone")
    assert field_only.field == "phone" and "field" not in field_only.to_json()["error"]  # the form's, not the API's
    assert str(field_only) == "手机号格式不对 / phone number is not valid"


def test_a_refusal_in_the_cli_is_its_words_on_stderr_and_its_exit_code(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("JINGUO_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("JINGUO_DB_URL", raising=False)
    assert main(["course", "publish", "no-such-course"]) == 1  # hub/courses/publish.py: UnknownCourse
    err = capsys.readouterr().err
    assert "错误 / error: 课程目录中没有这门课程：no-such-course / no course 'no-such-course' in the catalogue" in err
    assert "Traceback" not in err
    assert main(["report", "--out", str(tmp_path / "r.txt")]) == 2  # ReportError: a report's options, exit 2
    assert "错误 / error: 不支持的文件类型 .txt，请用 .xlsx 或 .pdf / unsupported file type .txt" in capsys.readouterr().err


def _classes() -> dict[str, tuple[Path, ast.ClassDef]]:
    found = {}
    for path in sorted(HUB.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef):
                found.setdefault(node.name, (path, node))
    return found


def _base_names(node: ast.ClassDef) -> list[str]:
    return [b.id if isinstance(b, ast.Name) else b.attr if isinstance(b, ast.Attribute) else "" for b in node.bases]


def _refused_family(classes: dict[str, tuple[Path, ast.ClassDef]]) -> set[str]:
    family, grew = {"Refused"}, True
    while grew:
        grew = False
        for name, (_, node) in classes.items():
            if name not in family and set(_base_names(node)) & family:
                family.add(name)
                grew = True
    return family


def test_no_class_but_refused_carries_a_refusals_zh_and_en_fields():
    """A class of hub/ that stores ``self.zh`` / ``self.en``, or an exception whose constructor takes zh and en, is
    Refused or declared under it."""
    classes = _classes()
    family = _refused_family(classes)
    offenders = []
    for name, (path, node) in classes.items():
        stores = {t.attr for f in ast.walk(node) if isinstance(f, ast.Assign) for tgt in f.targets
                  for t in (tgt.elts if isinstance(tgt, ast.Tuple) else [tgt])
                  if isinstance(t, ast.Attribute) and isinstance(t.value, ast.Name) and t.value.id == "self"}
        init = next((f for f in node.body if isinstance(f, ast.FunctionDef) and f.name == "__init__"), None)
        takes = {a.arg for a in init.args.args} if init else set()
        is_exception = any(b.endswith(("Error", "Exception", "Refused")) for b in _base_names(node))
        if {"zh", "en"} <= stores and name != "Refused":
            offenders.append(f"{path.relative_to(HUB.parent)}: {name} stores zh/en itself")
        elif is_exception and {"zh", "en"} <= takes and name not in family:
            offenders.append(f"{path.relative_to(HUB.parent)}: {name} is not a Refused")
    assert not offenders, offenders
    for expected in ("StudioRefused", "NominationRefused", "SurveyRefused", "MemberError", "ReportError",
                     "UnknownCourse", "UnknownAssignment", "BackupError", "DemoStopped"):
        assert expected in family, expected


@pytest.mark.parametrize("folder", ["pages", "api"])
def test_no_handler_translates_a_rooms_refusal_by_hand(folder):
    """hub/web/base.py answers every Refused: an ``except <a Refused>:`` that raises a Refused again is the old
    hand translation."""
    family = _refused_family(_classes())
    by_hand = []
    for path in sorted((HUB / "web" / folder).glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.ExceptHandler) or node.type is None:
                continue
            caught = {n.attr if isinstance(n, ast.Attribute) else getattr(n, "id", "") for n in ast.walk(node.type)}
            raises = [r for r in ast.walk(node) if isinstance(r, ast.Raise)]
            if caught & family and raises:
                by_hand.append(f"{path.name}:{node.lineno}")
    assert not by_hand, by_hand


def test_every_refusal_is_built_with_status_code_zh_en_and_detail_by_name():
    """``Refused(status, code, zh, en, **detail)``: a fifth positional argument (the old Refusal's retry_at) would be
    a TypeError, answered as a 500 instead of the refusal."""
    family = _refused_family(_classes()) | {"Refusal"}
    wrong = []
    for path in sorted(HUB.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and not any(isinstance(a, ast.Starred) for a in node.args):
                name = getattr(node.func, "id", None) or getattr(node.func, "attr", "")
                built_from_words = name in ("UnknownCourse", "UnknownAssignment", "BackupError", "DemoStopped")
                if name in family and not built_from_words and len(node.args) != 4:
                    wrong.append(f"{path.relative_to(HUB.parent)}:{node.lineno}")
    assert not wrong, wrong
