"""`jinguo course ...` (issue 5)."""
from __future__ import annotations


def register(subparsers) -> None:
    pass
