"""`jinguo db backup` and `jinguo db restore` as an admin runs them: a backup of the running demo hub (its last
commit still in SQLite's WAL) restored into a new place holds the same members, audit trail, course gradebooks and
secrets; a restore over a platform with data needs --force and keeps the old data; a damaged or foreign archive
is refused before anything is touched; the platform database on PostgreSQL goes through pg_dump and pg_restore."""
from __future__ import annotations

import io
import os
import subprocess
import tarfile
from pathlib import Path

import sqlalchemy as sa

from hub.testing import VENV_BIN
from tests.hub.store.test_migrations import _pg_url


def jinguo(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(VENV_BIN / "jinguo"), *args], env=env, capture_output=True, text=True, timeout=300)


def rows(url: str, query: str) -> list[tuple]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as c:
            return [tuple(r) for r in c.execute(sa.text(query))]
    finally:
        engine.dispose()


def place(tmp: Path, name: str) -> dict:
    """The environment of a second platform whose data folder is tmp/name."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("JINGUO_")}
    return {**env, "JINGUO_DATA_DIR": str(tmp / name), "PATH": f"{VENV_BIN}{os.pathsep}{env.get('PATH', '')}"}


def archive_of(result: subprocess.CompletedProcess) -> Path:
    assert result.returncode == 0, result.stderr
    return Path(result.stdout.split("backup written: ", 1)[1].split(" (", 1)[0])


def test_a_backup_of_the_running_hub_restores_whole_elsewhere(hub, tmp_path):
    assert hub.jinguo("course", "publish", "office-data").returncode == 0  # a gradebook in the data folder
    last = hub.jinguo("user", "approve", "worker02", "--reason", "备份前最后一次操作")  # committed, maybe only in WAL
    assert last.returncode == 0, last.stderr
    audit = rows(hub.db_url, "select id, actor, action, reason from audit_log order by id")
    members = rows(hub.db_url, "select username, real_name, status from members order by username")

    archive = archive_of(hub.jinguo("db", "backup", "--out", str(tmp_path / "backups")))
    assert archive.name.startswith("jinguo-backup-") and oct(archive.stat().st_mode & 0o777) == "0o600"

    env = place(tmp_path, "restored")
    done = jinguo(env, "db", "restore", str(archive))
    assert done.returncode == 0 and "已恢复" in done.stdout, done.stderr
    data = tmp_path / "restored"
    url = f"sqlite:///{data / 'jinguo.sqlite'}"
    assert rows(url, "select username, real_name, status from members order by username") == members
    assert rows(url, f"select id, actor, action, reason from audit_log where id <= {audit[-1][0]} order by id") == audit
    assert rows(f"sqlite:///{data / 'courses/office-data/gradebook.db'}", "select name from assignment order by name") \
        == rows(f"sqlite:///{hub.data_dir / 'courses/office-data/gradebook.db'}", "select name from assignment order by name")
    assert (data / "jupyterhub_cookie_secret").read_bytes() == (hub.data_dir / "jupyterhub_cookie_secret").read_bytes()
    assert not list(data.glob("*.pid"))  # a stale proxy pid would make the restored hub stop some other process
    assert rows(f"sqlite:///{data / 'jupyterhub.sqlite'}", "select count(*) from users")[0][0] > 0

    again = jinguo(env, "db", "restore", str(archive))  # the new place has members now
    assert again.returncode == 1 and "--force" in again.stderr and "已有平台数据" in again.stderr
    forced = jinguo(env, "db", "restore", str(archive), "--force")
    assert forced.returncode == 0, forced.stderr
    kept = [p for p in tmp_path.iterdir() if p.name.startswith("restored.before-restore-")]
    assert len(kept) == 1 and (kept[0] / "jinguo.sqlite").exists()  # what it replaced is still there


def test_a_damaged_or_foreign_archive_is_refused_before_anything_is_touched(hub, tmp_path):
    archive = archive_of(hub.jinguo("db", "backup", "--out", str(tmp_path)))
    with tarfile.open(archive, "r:gz") as tar:
        members = [(m, tar.extractfile(m).read() if m.isfile() else None) for m in tar.getmembers()]
    damaged = tmp_path / "damaged.tar.gz"
    with tarfile.open(damaged, "w:gz") as tar:
        for m, data in members:
            if m.name == "data/jupyterhub_cookie_secret":
                data = b"tampered"
                m.size = len(data)
            tar.addfile(m, io.BytesIO(data) if data is not None else None)
    evil = tmp_path / "evil.tar.gz"
    with tarfile.open(evil, "w:gz") as tar:
        link = tarfile.TarInfo("data/escape")
        link.type, link.linkname = tarfile.SYMTYPE, "/etc"
        tar.addfile(link)
    env = place(tmp_path, "target")
    for bad, zh in ((damaged, "备份已损坏"), (evil, "不安全"), (tmp_path / "nothing.tar.gz", "找不到备份文件")):
        r = jinguo(env, "db", "restore", str(bad))
        assert r.returncode == 1 and zh in r.stderr, (bad, r.stderr)
    assert not (tmp_path / "target" / "jinguo.sqlite").exists()  # nothing restored from a bad archive


def test_postgresql_platform_database_through_pg_dump_and_pg_restore(tmp_path):
    engine, name = _pg_url()
    url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    env = {**place(tmp_path, "pg"), "JINGUO_DB_URL": url}
    try:
        assert jinguo(env, "db", "upgrade").returncode == 0
        added = jinguo(env, "user", "add", "liming", "--real-name", "黎明", "--unit", "zj-hz-textile",
                       "--region", "zhejiang", "--industry", "manufacturing", "--employment-form", "full_time",
                       "--password", "jinguo-backup-2026")
        assert added.returncode == 0, added.stderr
        hub_sqlite = tmp_path / "pg" / "jupyterhub.sqlite"
        sa.create_engine(f"sqlite:///{hub_sqlite}").connect().close()  # the hub's own database, empty here
        archive = archive_of(jinguo(env, "db", "backup", "--out", str(tmp_path)))
        with tarfile.open(archive) as tar:
            assert "platform.pgdump" in tar.getnames()
        rows(url, "select 1")  # then the member is lost from the live database
        engine_url = sa.create_engine(url)
        with engine_url.begin() as c:
            c.execute(sa.text("delete from members where username = 'liming'"))
        engine_url.dispose()
        restored = jinguo(env, "db", "restore", str(archive))
        assert restored.returncode == 0, restored.stderr
        assert rows(url, "select real_name from members where username = 'liming'") == [("黎明",)]
    finally:
        with engine.connect() as c:
            c.execute(sa.text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
