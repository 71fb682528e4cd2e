"""创新工作室与展示 / studios and showcase (issue 7)"""
from __future__ import annotations

ROUTES: list = []
