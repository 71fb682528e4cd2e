"""课程 / courses: publish, enrol, progress, certificates (issue 5)"""
from __future__ import annotations

ROUTES: list = []
