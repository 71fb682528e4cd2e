"""The organizer's reports page on the real hub: organizers only (a worker gets 403 on the page, the charts and the
downloads), the tables for a period and region, a bad date refused in Chinese and English, and the downloads: an
xlsx openpyxl opens with the same sheets as ``jinguo report`` writes, a PDF, and charts as SVG. Exports are audited."""
from __future__ import annotations

import io

import openpyxl
from sqlalchemy import select

from hub.store.db import session_scope
from hub.store.orm import AuditLog

PAGE = "/services/jinguo/reports/"


def test_reports_page_is_for_organizers_and_its_xlsx_opens(hub):
    worker = hub.session("worker01")
    for path in ("", "export.xlsx", "export.pdf", "chart-region.svg"):
        assert worker.get(hub.url + PAGE + path, allow_redirects=False).status_code == 403, path

    org = hub.session("organizer")
    page = org.get(hub.url + PAGE, params={"from": "2020-01-01", "region": "zhejiang"})
    assert page.status_code == 200
    for text in ("按区域", "按行业", "按用工形式", "按基层工会", "月度趋势", "被推荐", "浙江省", "export.xlsx?from=2020-01-01"):
        assert text in page.text, text
    assert "广东省" not in page.text.split('id="table-0"', 1)[1].split("</table>", 1)[0]  # the region's rows only
    bad = org.get(hub.url + PAGE, params={"from": "2026-02-30"})
    assert bad.status_code == 400 and "有效日期" in bad.text and "real day" in bad.text
    assert org.get(hub.url + PAGE + "export.xlsx", params={"region": "火星"}).status_code == 400

    xlsx = org.get(hub.url + PAGE + "export.xlsx", params={"region": "zhejiang"})
    assert xlsx.status_code == 200 and "attachment" in xlsx.headers["Content-Disposition"]
    book = openpyxl.load_workbook(io.BytesIO(xlsx.content))
    assert book.sheetnames == ["按区域", "按行业", "按用工形式", "按基层工会", "月度趋势"]
    regions = {row[0]: row[1:] for row in book["按区域"].iter_rows(min_row=5, values_only=True)}
    assert list(regions) == ["浙江省", "合计 total"] and regions["浙江省"][0] >= 7  # demo Zhejiang workers + staff
    pdf = org.get(hub.url + PAGE + "export.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    svg = org.get(hub.url + PAGE + "chart-monthly.svg")
    assert svg.status_code == 200 and svg.headers["Content-Type"].startswith("image/svg+xml") and b"<svg" in svg.content
    with session_scope(hub.db_url) as s:
        exports = s.scalars(select(AuditLog.target_id).where(AuditLog.action == "report.export",
                                                            AuditLog.actor == "organizer")).all()
    assert {"xlsx", "pdf"} <= set(exports)
