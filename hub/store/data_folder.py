"""Who may read what in the platform's data folder: nothing there is readable by a worker's own Unix account.

As root every worker's notebook server (and her JupyterLab terminal) runs as her own account, so the walls of the
data folder are Unix permissions. The model:

========================================  =======================  ===========================================
what                                      owner : group            modes
========================================  =======================  ===========================================
the data folder                           root : root              0711 — accounts pass through to courses/,
                                                                   never list it
``jinguo.sqlite``, ``jupyterhub.sqlite``,  root : root              0600 (SQLite's -wal/-shm copy the mode)
``secret_key``, cookie secret, pid files
``competitions/``                         root : root              0700 — no account but root enters it
``competitions/<slug>/`` (source/ with    root : root              dirs 0700, files 0600 (seal_competition_folder
the hidden tests, gradebook, submitted/,                           below)
autograded/, feedback/, grading ledger)
``courses/``                              root : root              0711 — instructors pass through
``courses/<slug>/``                       root : <course group>    dirs 2770, files 0660 (hub.jupyterhub.unix_groups):
                                                                   only the course's instructors are in it
backups, reports (``jinguo db backup``,   root : root              0600 files, 0700 / 0770 folders
``jinguo report``)
========================================  =======================  ===========================================

Nothing of hers lives here: what must reach her server (released files, her feedback, lesson notebooks) goes
through the platform's exchange API (hub/web/api/exchange.py) and is written into her home, owned by her.

Permissions set once are not enough: the hub, the platform service, every ``jinguo`` command and the grading
workers they start write files later (new submissions, autograded notebooks, feedback, the ledger, gradebook
journals), so each of these long-lived processes starts with ``set_process_umask()``. As root the umask is 0o007:
what root writes is group root (no worker is in it) except inside a course folder, whose setgid group is its
instructors', who must write there (formgrader). Not as root (demo mode) it is 0o077.
"""
from __future__ import annotations

import os
import stat
from pathlib import Path

from hub.settings import COMPETITIONS, COURSES, competition_folder, competitions_root, running_as_root

ROOT_UMASK = 0o007  # group-writable for course groups (setgid course folders); group root holds no worker
DEMO_UMASK = 0o077  # not root: the hub's own account, whose group may be shared on the machine
DATA_DIR_MODE = 0o711  # pass through (instructors to courses/<slug>), never list
COURSES_MODE = 0o711
COMPETITIONS_MODE = 0o700
PASSABLE = {COURSES: COURSES_MODE}  # top-level folders others may pass through; everything else keeps no o bits


as_root = running_as_root  # asked once per process (hub/settings.py)


def process_umask() -> int:
    return ROOT_UMASK if as_root() else DEMO_UMASK


def set_process_umask() -> int:
    """Set this process's umask (inherited by what it starts: the hub's service and proxy, grading workers);
    returns the previous one."""
    return os.umask(process_umask())


def _chmod(path: Path, mode: int) -> None:
    if stat.S_IMODE(path.lstat().st_mode) != mode:
        os.chmod(path, mode)


def seal_data_dir(data_dir: str | Path) -> Path:
    """Make the data folder and its top level follow the model (idempotent and cheap: only the top level is
    looked at; course and competition folders are sealed by their own modules). Creates ``courses/`` and
    ``competitions/`` so that a later ``mkdir -p`` of a task folder lands inside a closed folder."""
    data = Path(data_dir)
    data.mkdir(parents=True, exist_ok=True)
    _chmod(data, DATA_DIR_MODE if as_root() else 0o700)
    for name, mode in ((COURSES, COURSES_MODE), (COMPETITIONS, COMPETITIONS_MODE)):
        folder = data / name
        folder.mkdir(exist_ok=True)
        if as_root() and (folder.lstat().st_uid, folder.lstat().st_gid) != (0, 0):
            os.lchown(folder, 0, 0)
        _chmod(folder, mode if as_root() else 0o700)
    for entry in data.iterdir():
        st = entry.lstat()
        if stat.S_ISLNK(st.st_mode) or entry.name in PASSABLE or entry.name == COMPETITIONS:
            continue
        # databases, secrets, pid files, anything an admin left here: nobody but the owner (and group root)
        _chmod(entry, stat.S_IMODE(st.st_mode) & ~0o007 & (0o770 if stat.S_ISDIR(st.st_mode) else 0o660))
    return data


def seal_competition_folder(data_dir: str | Path, slug: str) -> None:
    """``competitions/`` and this competition's folder to root alone, recursively (idempotent). The organizer put
    the task folder in place with whatever owner and umask her shell had; nothing in it may stay readable by a
    worker's account. Links are left as they are (never followed: a link's mode is not its target's)."""
    top = competitions_root(data_dir)
    top.mkdir(parents=True, exist_ok=True)
    for path in [top, *_tree(competition_folder(data_dir, slug))]:
        st = path.lstat()
        if stat.S_ISLNK(st.st_mode):
            continue
        if as_root() and (st.st_uid, st.st_gid) != (0, 0):
            os.lchown(path, 0, 0)
        if stat.S_ISDIR(st.st_mode):
            mode = COMPETITIONS_MODE
        else:  # the owner's x bit kept; nobody else
            mode = 0o600 | (st.st_mode & 0o100)
        if stat.S_IMODE(st.st_mode) != mode:
            os.chmod(path, mode)


def _tree(root: Path) -> list[Path]:
    if not root.is_dir() or root.is_symlink():
        return []
    return [root, *root.rglob("*")]
