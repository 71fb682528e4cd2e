"""Backing up and restoring a platform: both databases and the data folder (courses' gradebooks and sources,
competitions, secrets) in one archive an admin can keep, check and restore.

SQLite files are copied with SQLite's online backup API, never as plain files: the databases run in WAL mode,
so a copied file may lack the last commits (they sit in ``-wal``) or catch a page mid-write. PostgreSQL databases
are dumped with ``pg_dump`` and restored with ``pg_restore``. The archive holds a manifest with every file's
sha256; a restore checks them all before it touches anything, and keeps what it replaces beside it.
Workers' home folders (their own notebooks) are the system's to back up, not this archive's. The archive and the
folder it is written in are for root alone (0600, and the umask of hub/store/data_folder.py), and a restored data folder
is sealed again as that module describes.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from hub.refusals import Refused
from hub.settings import JinguoConfig, competitions_root

FORMAT = 1
MANIFEST = "manifest.json"
SQLITE_SUFFIXES = (".sqlite", ".db")
# SQLite's side files (the backup API copies their content), and pid files: a restored jupyterhub-proxy.pid would
# make the hub stop whatever process has that number now
SKIP_SUFFIXES = ("-wal", "-shm", "-journal", ".pid")


class BackupError(Refused):
    """A backup or restore that cannot be done; says why in Chinese and English. Only the CLI raises these, so
    status and code are fixed and the many raises stay short."""

    def __init__(self, zh: str, en: str):
        super().__init__(500, "backup_failed", zh, en)


@dataclass(frozen=True)
class Restored:
    revision: str | None
    created_at: str
    kept_at: Path | None  # where the data folder it replaced was moved, if there was one


def _sqlite_path(url: str) -> Path | None:
    return Path(url.removeprefix("sqlite:///")) if url.startswith("sqlite:///") else None


def _libpq_url(url: str) -> str:
    """pg_dump speaks libpq: postgresql+psycopg://... → postgresql://..."""
    scheme, rest = url.split("://", 1)
    return f"{scheme.split('+')[0]}://{rest}"


def _copy_sqlite(src: Path, dest: Path) -> None:
    source = sqlite3.connect(f"file:{src}?mode=ro", uri=True)
    try:
        target = sqlite3.connect(dest)
        with target:
            source.backup(target)
        target.close()
    finally:
        source.close()


def _run(cmd: list[str], what: str) -> None:
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=3600)
    except FileNotFoundError:
        raise BackupError(f"找不到 {cmd[0]}（请安装 PostgreSQL 客户端：apt-get install postgresql-client）",
                          f"{cmd[0]} not found (install the PostgreSQL client: apt-get install postgresql-client)")
    if done.returncode != 0:
        raise BackupError(f"{what}失败：{done.stderr.strip()[-500:]}", f"{what} failed: {done.stderr.strip()[-500:]}")


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _databases(platform: JinguoConfig) -> dict[str, str]:
    return {"platform": platform.db_url, "hub": platform.hub_db_url}


def _stage(platform: JinguoConfig, stage: Path) -> dict:
    """Copy everything into ``stage``; returns the manifest's database part."""
    from hub.store.db import current_revision

    data = Path(platform.data_dir)
    live = {p.resolve() for p in (_sqlite_path(u) for u in _databases(platform).values()) if p is not None}
    dbs = {}
    for name, url in _databases(platform).items():
        path = _sqlite_path(url)
        if path is not None:
            if not path.exists():
                raise BackupError(f"找不到数据库文件 {path}", f"database file {path} not found")
            _copy_sqlite(path, stage / f"{name}.sqlite")
            dbs[name] = {"kind": "sqlite", "file": f"{name}.sqlite"}
        else:
            _run(["pg_dump", "--format=custom", "--no-owner", "--file", str(stage / f"{name}.pgdump"),
                  _libpq_url(url)], "导出数据库 / pg_dump ")
            dbs[name] = {"kind": "postgresql", "file": f"{name}.pgdump"}
    files = stage / "data"
    for src in sorted(data.rglob("*")) if data.exists() else []:
        rel = src.relative_to(data)
        if src.resolve() in live or src.name.endswith(SKIP_SUFFIXES) or src.is_symlink():
            continue
        dest = files / rel
        if src.is_dir():
            dest.mkdir(parents=True, exist_ok=True)
            continue
        dest.parent.mkdir(parents=True, exist_ok=True)
        if src.suffix in SQLITE_SUFFIXES and _is_sqlite(src):
            _copy_sqlite(src, dest)  # a gradebook formgrader may be writing right now
        else:
            shutil.copy2(src, dest)
    return {"databases": dbs, "platform_revision": current_revision(platform.db_url)}


def _is_sqlite(path: Path) -> bool:
    with path.open("rb") as f:
        return f.read(16) == b"SQLite format 3\x00"


def backup(platform: JinguoConfig, out_dir: str | Path, now: datetime | None = None) -> Path:
    """Write ``jinguo-backup-YYYYmmdd-HHMMSS.tar.gz`` into ``out_dir`` (0600: it holds personal data and
    secrets) and return its path. The archive appears whole or not at all."""
    now = now or datetime.now(timezone.utc)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    target = out / f"jinguo-backup-{now:%Y%m%d-%H%M%S}.tar.gz"
    with tempfile.TemporaryDirectory(prefix=".jinguo-backup-", dir=out) as tmp:
        stage = Path(tmp) / "stage"
        stage.mkdir()
        manifest = {"format": FORMAT, "created_at": now.isoformat(), **_stage(platform, stage)}
        manifest["files"] = {str(p.relative_to(stage)): _sha256(p) for p in sorted(stage.rglob("*")) if p.is_file()}
        (stage / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
        partial = Path(tmp) / "archive.tar.gz"
        with tarfile.open(partial, "w:gz") as tar:
            for p in sorted(stage.iterdir()):
                tar.add(p, arcname=p.name)
        os.chmod(partial, 0o600)
        partial.rename(target)
    return target


def read_archive(archive: str | Path, into: Path) -> dict:
    """Unpack and check every file against the manifest; BackupError names the first problem."""
    path = Path(archive)
    if not path.is_file():
        raise BackupError(f"找不到备份文件 {path}", f"backup file {path} not found")
    try:
        with tarfile.open(path, "r:gz") as tar:
            members = tar.getmembers()
            unsafe = [m.name for m in members if not (m.isfile() or m.isdir()) or m.name.startswith("/")
                      or ".." in Path(m.name).parts]
            if unsafe:  # an archive we did not write (links, devices, paths leaving the folder): touch nothing
                raise BackupError(f"备份文件中有不安全的条目：{unsafe[0]}", f"unsafe entry in the archive: {unsafe[0]}")
            tar.extractall(into, members=members)
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise BackupError(f"{path} 不是完整的备份文件（{exc}）", f"{path} is not a whole backup archive ({exc})")
    try:
        manifest = json.loads((into / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise BackupError(f"{path} 中没有有效的 {MANIFEST}", f"{path} has no valid {MANIFEST}")
    if manifest.get("format") != FORMAT:
        raise BackupError(f"不认识的备份格式 {manifest.get('format')!r}", f"unknown backup format {manifest.get('format')!r}")
    for rel, digest in manifest["files"].items():
        file = into / rel
        if not file.is_file() or _sha256(file) != digest:
            raise BackupError(f"备份已损坏：{rel} 与清单不符", f"the backup is damaged: {rel} does not match its manifest")
    return manifest


def _seal(data: Path) -> None:
    """The restored data folder back under the model of hub/store/data_folder.py (the archive may come from a platform
    that predates it): its top level, and every competition folder to root alone. Course folders keep the group
    and modes they were archived with; the spawner gives them to their instructors' group again."""
    from hub.store.data_folder import seal_competition_folder, seal_data_dir

    seal_data_dir(data)
    for folder in sorted(competitions_root(data).iterdir()):
        if folder.is_dir() and not folder.is_symlink():
            seal_competition_folder(data, folder.name)


def _has_members(url: str) -> bool:
    from sqlalchemy import create_engine, inspect, text

    path = _sqlite_path(url)
    if path is not None and not path.exists():
        return False
    engine = create_engine(url)
    try:
        with engine.connect() as c:
            return "members" in inspect(c).get_table_names() and bool(c.execute(text("select count(*) from members")).scalar())
    finally:
        engine.dispose()


def restore(platform: JinguoConfig, archive: str | Path, force: bool = False,
            now: datetime | None = None) -> Restored:
    """Put a backup back: checked whole first; an existing platform with members is replaced only with ``force``,
    and its data folder is then kept beside, renamed, not deleted. Stop the hub first."""
    now = now or datetime.now(timezone.utc)
    data = Path(platform.data_dir)
    if _has_members(platform.db_url) and not force:
        raise BackupError("这里已有平台数据；确认要用备份替换时加 --force（原数据会改名保留）",
                          "this platform already has data; add --force to replace it (the old data is kept, renamed)")
    data.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".jinguo-restore-", dir=data.parent) as tmp:
        unpacked = Path(tmp) / "archive"
        manifest = read_archive(archive, unpacked)
        kept = None
        if data.exists() and not any(data.iterdir()):
            data.rmdir()
        elif data.exists():
            kept = data.with_name(f"{data.name}.before-restore-{now:%Y%m%d-%H%M%S}")
            data.rename(kept)
        (unpacked / "data").rename(data) if (unpacked / "data").exists() else data.mkdir()
        _seal(data)
        for name, url in _databases(platform).items():
            entry = manifest["databases"][name]
            dump = unpacked / entry["file"]
            path = _sqlite_path(url)
            if path is not None:
                if entry["kind"] != "sqlite":
                    raise BackupError(f"备份中的 {name} 数据库是 PostgreSQL 导出，请配置 PostgreSQL 后再恢复",
                                      f"the backup's {name} database is a PostgreSQL dump; restore it into PostgreSQL")
                path.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(dump, path)
                os.chmod(path, 0o600)
            else:
                if entry["kind"] != "postgresql":
                    raise BackupError(f"备份中的 {name} 数据库是 SQLite 文件，不能直接恢复到 PostgreSQL",
                                      f"the backup's {name} database is SQLite; it cannot be restored into PostgreSQL")
                _run(["pg_restore", "--clean", "--if-exists", "--no-owner", "--dbname", _libpq_url(url), str(dump)],
                     "恢复数据库 / pg_restore ")
    return Restored(manifest.get("platform_revision"), manifest["created_at"], kept)
