"""One chart style and one drawing lock for every chart (hub/reports/drawing.py): the reports' charts, the course
progress chart, the survey chart and the certificate all draw through ``drawing()``, and nothing else in hub/
touches matplotlib's process-wide settings."""
from __future__ import annotations

import ast
import threading
import time
from datetime import datetime, timezone
from pathlib import Path
from types import SimpleNamespace

import matplotlib

from competitions.surveys.results import Response, aggregate
from competitions.surveys.spec import load_survey
from hub.courses import certificates, charts as course_charts
from hub.reports.drawing import CJK_FAMILY, DRAW_LOCK, drawing
from hub.reports.render import chart_svg
from hub.reports.tables import Table
from hub.surveys import exports as survey_exports

HUB = Path(__file__).resolve().parents[3] / "hub"
GLOBAL_SETTINGS = {"rc_context", "rcParams", "rc", "use", "rcdefaults"}


def test_only_the_drawing_helper_touches_matplotlibs_global_settings():
    """A chart with a style or a lock of its own is a second style: every matplotlib user goes through drawing()."""
    found = []
    for path in sorted(HUB.rglob("*.py")):
        if path == HUB / "reports" / "drawing.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        rel = path.relative_to(HUB.parent)
        uses_matplotlib = False
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr in GLOBAL_SETTINGS and \
                    isinstance(node.value, ast.Name) and node.value.id in ("matplotlib", "mpl", "plt"):
                found.append(f"{rel}:{node.lineno} matplotlib.{node.attr}")
            if isinstance(node, ast.Constant) and node.value in ("font.family", "font.sans-serif", "pdf.fonttype"):
                found.append(f"{rel}:{node.lineno} its own style ({node.value})")
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("matplotlib") or \
                    isinstance(node, ast.Import) and any(a.name.startswith("matplotlib") for a in node.names):
                uses_matplotlib = True
            if isinstance(node, ast.ImportFrom) and node.module == "matplotlib" and \
                    any(a.name in ("pyplot", "rcParams") for a in node.names):
                found.append(f"{rel}:{node.lineno} imports matplotlib.{node.names[0].name}")
        text = path.read_text(encoding="utf-8")
        if uses_matplotlib and "hub.reports.drawing" not in text and "font_manager" not in text:
            found.append(f"{rel}: draws without hub.reports.drawing")
    assert found == []


def test_inside_drawing_the_one_style_holds_and_is_restored_after():
    before = list(matplotlib.rcParams["font.family"])
    with drawing():
        assert matplotlib.rcParams["font.family"] == [CJK_FAMILY]
        assert matplotlib.rcParams["axes.unicode_minus"] is False
        assert matplotlib.rcParams["pdf.fonttype"] == 42
        assert matplotlib.rcParams["svg.fonttype"] == "path"
    assert list(matplotlib.rcParams["font.family"]) == before


SURVEY = """slug: canteen
title: 食堂满意度
min_group_size: 2
questions:
  - {id: q1, kind: single, text: 您对食堂满意吗？, options: [满意, 一般, 不满意]}
"""


def test_every_chart_waits_for_the_one_lock():
    """While another drawing holds the lock, none of the four kinds of chart starts; they all finish after."""
    spec = load_survey(SURVEY)
    res = aggregate(spec, [Response({"q1": "满意"}, {}), Response({"q1": "满意"}, {}), Response({"q1": "一般"}, {})], 2)
    cert = SimpleNamespace(code="ABCD-EFGH", name="王芳", course_title="办公数据处理", issuer="杭州市总工会",
                           issued_at=datetime(2026, 5, 1, 2, tzinfo=timezone.utc))
    table = Table("按区域", "by region", ["区域 region", "注册 registered"], [["杭州", 3], ["宁波", 2]],
                  chart="bars", chart_columns=(1,))
    draws = {
        "course": lambda: course_charts.chart_png("按地区 / by region", [("杭州市", 4, 3, 2, 1)]),
        "survey": lambda: survey_exports.chart_png(spec, res),
        "report": lambda: chart_svg(table),
        "certificate": lambda: certificates.pdf_bytes(cert, "https://example.org/certificates/ABCD-EFGH"),
    }
    out: dict[str, bytes] = {}
    threads = [threading.Thread(target=lambda k=k, f=f: out.__setitem__(k, f())) for k, f in draws.items()]
    with DRAW_LOCK:
        for t in threads:
            t.start()
        time.sleep(1.0)
        assert out == {}, f"drew while another drawing held the lock: {sorted(out)}"
    for t in threads:
        t.join(120)
    assert out["course"][:4] == b"\x89PNG" and out["survey"][:4] == b"\x89PNG"
    assert b"<svg" in out["report"][:400] and out["certificate"][:5] == b"%PDF-"
