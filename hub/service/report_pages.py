"""组织者报表 / the organizer's dashboard and exports (issue 7)"""
from __future__ import annotations

ROUTES: list = []
