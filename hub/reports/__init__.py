"""Organizer reports: participation and coverage tables (SQL), written as xlsx or as a PDF with charts.

``build_tables(session, scope)`` computes the tables; ``write_xlsx`` and ``write_pdf`` render them.
"""
from hub.reports.render import REPORT_TITLE, chart_svg, write_pdf, write_xlsx
from hub.reports.tables import (TABLE_BUILDERS, ReportError, ReportScope, Table, build_tables, parse_scope,
                                resolve_region)

__all__ = ["REPORT_TITLE", "TABLE_BUILDERS", "ReportError", "ReportScope", "Table", "build_tables", "chart_svg",
           "parse_scope", "resolve_region", "write_pdf", "write_xlsx"]
