"""问卷调查 / questionnaires (issue 7)"""
from __future__ import annotations

ROUTES: list = []
