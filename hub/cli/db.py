"""``jinguo db upgrade|downgrade|backup|restore``: the platform database's migrations, and backups of the whole
platform (both databases and the data folder; hub/store/backup.py)."""
from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    db = sub.add_parser("db", help="数据库迁移、备份与恢复 / database migrations, backup and restore")
    actions = db.add_subparsers(dest="db_action", metavar="ACTION", required=True)
    for name, zh, default in (("upgrade", "升级到某一版本（默认最新）", "head"), ("downgrade", "回退（默认一步）", "-1")):
        a = actions.add_parser(name, help=f"{zh} / {name}")
        a.add_argument("revision", nargs="?", default=default, help=f"目标版本 / target revision (default {default})")
        a.set_defaults(func=cmd_migrate)
    b = actions.add_parser("backup", help="备份两个数据库和数据目录 / back up both databases and the data folder")
    b.add_argument("--out", default="backups", help="备份文件放在哪个目录（默认 backups/）/ folder for the archive")
    b.set_defaults(func=cmd_backup)
    r = actions.add_parser("restore", help="从备份恢复（先停止 hub）/ restore a backup (stop the hub first)")
    r.add_argument("archive", help="备份文件 jinguo-backup-*.tar.gz / the backup archive")
    r.add_argument("--force", action="store_true",
                   help="替换已有的平台数据（原数据改名保留）/ replace existing data (kept, renamed)")
    r.set_defaults(func=cmd_restore)


def _platform(args: argparse.Namespace):
    from hub.cli.platform import load_platform

    platform = load_platform(args.config)
    platform.ensure_data_dir()
    return platform


def cmd_migrate(args: argparse.Namespace) -> int:
    from hub.store import db
    from hub.store.seed import seed_reference

    platform = _platform(args)
    if args.db_action == "upgrade":
        db.upgrade(platform.db_url, args.revision)
        with db.session_scope(platform.db_url) as s:
            seed_reference(s)
    else:
        db.downgrade(platform.db_url, args.revision)
    print(f"数据库版本 / database revision: {db.current_revision(platform.db_url)}")
    return 0


def cmd_backup(args: argparse.Namespace) -> int:
    from hub.store.backup import backup

    path = backup(_platform(args), args.out)
    print(f"备份完成 / backup written: {path} ({path.stat().st_size / 1e6:.1f} MB)")
    print("请把它复制到另一台机器或存储上保存；其中有个人信息和密钥，注意保密。"
          " / Copy it to another machine or storage; it holds personal data and secrets.")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    from hub.store import db
    from hub.store.backup import restore

    platform = _platform(args)
    done = restore(platform, args.archive, force=args.force)
    db.upgrade(platform.db_url)  # a backup from an older version is brought up to this one's schema
    print(f"已恢复 {done.created_at} 的备份 / restored the backup of {done.created_at}; "
          f"数据库版本 / database revision: {db.current_revision(platform.db_url)}")
    if done.kept_at:
        print(f"原来的数据目录保留在 / the data folder it replaced is kept at: {done.kept_at}")
    return 0
