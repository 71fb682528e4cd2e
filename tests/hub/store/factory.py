"""A platform database of one's own for a test: SQLite in the test's folder, migrated to the newest revision (the
same Alembic path a deployment upgrades by) and seeded with the reference data (regions, industries, units)."""
from __future__ import annotations

from pathlib import Path

from hub.store import db
from hub.store.seed import seed_reference


def reference_db(folder: Path, name: str = "platform.sqlite") -> str:
    """The URL of a new, migrated database holding only the reference data."""
    url = f"sqlite:///{folder / name}"
    db.upgrade(url)
    with db.session_scope(url) as s:
        seed_reference(s)
    return url
