"""组织者报表 / the organizer's reports page: the participation and coverage tables (by region, industry, employment
form, union unit, and per month) for a chosen period and region, their charts, and the same report as xlsx or PDF.

Everything is hub/reports' — the tables, the charts, the files (the CLI ``jinguo report`` writes the same ones);
this module only reads the form, and draws charts and files off the web loop. An export is audited.
"""
from __future__ import annotations

import io
from datetime import datetime, timezone
from urllib.parse import urlencode

from tornado.ioloop import IOLoop

from hub.store.audit import audit
from hub.reports import ReportError, ReportScope, Table, build_tables, chart_svg, parse_scope, write_pdf, write_xlsx
from hub.store.seed import choices
from hub.web.base import XLSX, BaseHandler, requires
from hub.scopes import ORGANIZE

ORGANIZE = ORGANIZE
CHARTED = {"region": 0, "monthly": 4}  # chart name → index in hub.reports.TABLE_BUILDERS
MIME = {"xlsx": XLSX, "pdf": "application/pdf"}


class ReportHandler(BaseHandler):
    def form(self) -> dict[str, str]:
        return {k: self.get_argument(k, "").strip() for k in ("from", "to", "region")}

    def scope(self) -> ReportScope:
        f = self.form()
        return parse_scope(self.db, f["from"], f["to"], f["region"])

    def tables(self, scope: ReportScope) -> list[Table]:
        return build_tables(self.db, scope)


class ReportsPage(ReportHandler):
    """GET reports/?from=&to=&region=: the tables and charts; a bad form is shown again with what is wrong."""

    @requires(ORGANIZE)
    async def get(self) -> None:
        form = self.form()
        try:
            scope, error = parse_scope(self.db, form["from"], form["to"], form["region"]), None
        except ReportError as exc:
            scope, error = ReportScope(), (exc.zh, exc.en)
            self.set_status(400)
        query = urlencode({k: v for k, v in form.items() if v})
        self.render_page("reports.html", form=form, error=error, scope=scope, tables=self.tables(scope),
                         regions=choices(self.db)["regions"], query=f"?{query}" if query else "", charted=CHARTED)


class ChartImage(ReportHandler):
    """GET reports/chart-(region|monthly).svg: a chart drawn by hub.reports, as the PDF draws it."""

    @requires(ORGANIZE)
    async def get(self, name: str) -> None:
        table = self.tables(self.scope())[CHARTED[name]]
        svg = await IOLoop.current().run_in_executor(None, chart_svg, table)
        self.set_header("Content-Type", "image/svg+xml")
        self.set_header("Cache-Control", "no-store")
        self.finish(svg)


class ReportExport(ReportHandler):
    """GET reports/export.(xlsx|pdf): the report file for the form's period and region (audited)."""

    @requires(ORGANIZE)
    async def get(self, kind: str) -> None:
        scope = self.scope()
        tables = self.tables(scope)
        audit(self.db, self.current_user["name"], "report.export", "report", kind, after={
            "from": scope.date_from and scope.date_from.isoformat(), "to": scope.date_to and scope.date_to.isoformat(),
            "region": scope.region})
        self.db.commit()

        def draw() -> bytes:
            buf = io.BytesIO()
            (write_xlsx if kind == "xlsx" else write_pdf)(tables, buf, scope)
            return buf.getvalue()

        data = await IOLoop.current().run_in_executor(None, draw)
        stamp = datetime.now(timezone.utc).strftime("%Y%m%d")
        self.send_download(f"jinguo-report-{stamp}.{kind}", data, MIME[kind])


ROUTES = [
    (r"reports/?", ReportsPage),
    (r"reports/chart-(region|monthly)\.svg", ChartImage),
    (r"reports/export\.(xlsx|pdf)", ReportExport),
]
