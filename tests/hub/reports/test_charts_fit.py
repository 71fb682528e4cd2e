"""The charts and the PDF say what they mean and stay where they belong, measured the way they are drawn:

- a survey question whose counts are all hidden (small groups) says 人数不足，不显示 instead of an empty frame with a
  −0.06…0.06 axis;
- the course progress chart's legend covers no bar (matplotlib's renderer gives both boxes);
- every word of the PDF report lies inside its page (pdftotext -bbox), the first page's long footnote included.

Each chart is caught as it is saved (Figure.savefig), so the tests measure exactly what the page serves.
"""
from __future__ import annotations

import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from matplotlib.figure import Figure

from competitions.surveys.results import Response, aggregate
from competitions.surveys.spec import load_survey
from hub.courses import charts as course_charts
from hub.surveys import exports as survey_exports
from hub.reports.render import write_pdf
from hub.reports.tables import NOMINATED_NOTE, ReportScope, Table

ARTIFACTS = Path(__file__).resolve().parents[3] / "test-artifacts" / "charts"


@pytest.fixture
def saved_figures(monkeypatch):
    """Every Figure saved while the test runs, after it was drawn (so its boxes are the drawn ones)."""
    seen: list[Figure] = []
    real = Figure.savefig

    def savefig(self, *args, **kwargs):
        real(self, *args, **kwargs)
        seen.append(self)

    monkeypatch.setattr(Figure, "savefig", savefig)
    return seen


def _keep(name: str, data: bytes) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / name).write_bytes(data)


SURVEY = """slug: canteen
title: 食堂满意度
min_group_size: 5
questions:
  - {id: q1, kind: single, text: 您对食堂满意吗？, options: [满意, 一般, 不满意]}
  - {id: q2, kind: rating, text: 给食堂打个分}
"""


def test_survey_chart_with_every_count_hidden_says_too_few(saved_figures):
    spec = load_survey(SURVEY)
    answers = [{"q1": "满意", "q2": 5}, {"q1": "一般", "q2": 4}, {"q1": "不满意", "q2": 2}]
    res = aggregate(spec, [Response(a, {}) for a in answers], 5)
    assert all(c is None for q in res.questions for c in q.counts)  # three answers, every count under five
    png = survey_exports.chart_png(spec, res)
    _keep("survey-too-few.png", png)
    (fig,) = saved_figures
    texts = [t.get_text() for ax in fig.axes for t in ax.texts] + [t.get_text() for t in fig.texts]
    assert sum("人数不足，不显示" in t for t in texts) == len(res.questions), texts
    for ax in fig.axes:  # no empty frame: no visible axis with a made-up scale
        assert not ax.axison or ax.get_xlim()[1] > 0.5, ax.get_xlim()
        assert not ax.patches, "bars drawn for hidden counts"


def test_progress_chart_legend_covers_no_bar(saved_figures):
    groups = [("杭州市", 40, 35, 30, 28), ("宁波市", 12, 10, 9, 7), ("温州市", 30, 29, 28, 27),
              ("新就业形态劳动者", 38, 36, 34, 33)]  # long bars in every row, as a busy course has
    _keep("progress.png", course_charts.chart_png("按地区 / by region", groups))
    (fig,) = saved_figures
    renderer = fig.canvas.get_renderer()
    legends = list(fig.legends) + [ax.get_legend() for ax in fig.axes if ax.get_legend()]
    assert legends
    bars = [p.get_window_extent(renderer) for ax in fig.axes for p in ax.patches if p.get_width() > 0]
    assert bars
    for legend in legends:
        box = legend.get_window_extent(renderer)
        covered = [b for b in bars if b.overlaps(box)]
        assert not covered, f"legend {box} covers {len(covered)} bars"
        assert fig.bbox.contains(box.x0, box.y0) and fig.bbox.contains(box.x1, box.y1)  # and is on the picture


def _words_off_page(pdf: Path) -> list[tuple[int, str]]:
    html = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    root = ET.fromstring(html.replace('xmlns="http://www.w3.org/1999/xhtml"', ""))
    off = []
    for n, page in enumerate(root.iter("page"), 1):
        width, height = float(page.get("width")), float(page.get("height"))
        for word in page.iter("word"):
            x0, y0, x1, y1 = (float(word.get(k)) for k in ("xMin", "yMin", "xMax", "yMax"))
            if x0 < 0 or y0 < 0 or x1 > width + 0.5 or y1 > height + 0.5:
                off.append((n, word.text))
    return off


def test_every_word_of_the_pdf_report_is_on_its_page(tmp_path):
    if not shutil.which("pdftotext"):
        pytest.fail("pdftotext missing: install Debian's poppler-utils")
    rows = [[f"地区{i} region {i}", 10 + i, 8, 6, 4, 2, 1, 0.5] for i in range(30)]
    columns = ["区域 region", "注册 registered", "报名 enrolled", "结业 completed", "参赛 competed",
               "被推荐 nominated", "培训骨干 cadres", "女性占比 women"]
    long_note = ("统计口径：按会员注册时填写的区域和行业归类，离职、调动后的会员仍按注册时的单位统计，"
                 "与工会年报的口径不同 / members are counted by the region and industry given at sign-up")
    tables = [Table("按区域", "by region", columns, rows, notes=[NOMINATED_NOTE, long_note], chart="bars",
                    chart_columns=(1, 2, 3, 4), percent_columns=(7,)),
              Table("按行业", "by industry", columns, rows[:5], notes=[NOMINATED_NOTE], chart="bars",
                    chart_columns=(1, 2, 3, 4), percent_columns=(7,))]
    out = tmp_path / "report.pdf"
    write_pdf(tables, out, ReportScope())
    subprocess.run(["pdftoppm", "-r", "60", "-png", "-f", "1", "-l", "1", str(out), str(tmp_path / "page")],
                   check=True, capture_output=True)
    _keep("report-page1.png", next(tmp_path.glob("page*.png")).read_bytes())
    assert _words_off_page(out) == []
    first = subprocess.run(["pdftotext", "-f", "1", "-l", "1", str(out), "-"], capture_output=True, text=True,
                           check=True).stdout.replace("\n", "")
    assert "期间内定稿的推荐名单上的会员" in first and "lists made final in the period" in first  # all of it there
