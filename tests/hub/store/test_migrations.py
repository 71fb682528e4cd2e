"""Alembic migrations from an empty database, one step down and up again, on SQLite and PostgreSQL."""
from __future__ import annotations

import secrets

import pytest
import sqlalchemy as sa
from alembic.script import ScriptDirectory

from hub.store import db
from hub.store.orm import AuditLog

PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def _pg_url():
    try:
        engine = sa.create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
        with engine.connect() as c:
            name = f"jinguo_test_{secrets.token_hex(4)}"
            c.execute(sa.text(f"CREATE DATABASE {name}"))
    except sa.exc.OperationalError as exc:
        pytest.skip(f"PostgreSQL at 127.0.0.1:5432 not reachable: {exc.orig}")
    return engine, name


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_db(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'm.sqlite'}"
        return
    engine, name = _pg_url()
    yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    db.engine_for.cache_clear()
    db._sessionmaker.cache_clear()
    with engine.connect() as c:
        c.execute(sa.text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))


def tables(url: str) -> set[str]:
    return set(sa.inspect(db.engine_for(url)).get_table_names())


def test_upgrade_from_empty_then_down_one_step_and_up(empty_db):
    db.upgrade(empty_db)
    assert db.current_revision(empty_db) == db.head_revision()
    assert {"members", "org_units", "submissions", "grades", "audit_log", "competitions"} <= tables(empty_db)

    # one step down lands on the head's parent, whichever migration is newest
    parent = ScriptDirectory.from_config(db.alembic_config(empty_db)).get_revision(db.head_revision()).down_revision
    db.downgrade(empty_db, "-1")
    assert db.current_revision(empty_db) == parent

    db.downgrade(empty_db, "0002")
    assert "nomination_rounds" not in tables(empty_db) and "submissions" in tables(empty_db)
    db.downgrade(empty_db, "0001")
    assert "submissions" not in tables(empty_db) and "members" in tables(empty_db)

    db.upgrade(empty_db)
    assert {"submissions", "nomination_rounds", "nomination_entries"} <= tables(empty_db)


def test_audit_log_is_append_only_in_the_database_itself(empty_db):
    db.upgrade(empty_db)
    engine = db.engine_for(empty_db)
    with engine.begin() as c:
        c.execute(sa.insert(AuditLog).values(actor="organizer", action="x", target_type="t", target_id="1",
                                             reason="test"))
    for stmt in (sa.update(AuditLog).values(reason="changed"), sa.delete(AuditLog)):
        with pytest.raises(sa.exc.DBAPIError, match="append-only"):
            with engine.begin() as c:
                c.execute(stmt)
    with engine.connect() as c:
        assert c.execute(sa.select(AuditLog.reason)).scalars().all() == ["test"]
