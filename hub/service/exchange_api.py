"""nbgrader 交换 / the nbgrader exchange through the service (issue 5)"""
from __future__ import annotations

ROUTES: list = []
