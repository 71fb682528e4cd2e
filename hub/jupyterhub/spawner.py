"""Workers' notebook servers: one Unix account each when the hub is root, a labelled demo mode otherwise."""
from __future__ import annotations

import asyncio
import os
import pwd
import shutil
import subprocess
import sys
import threading
from pathlib import Path

from jupyterhub.spawner import LocalProcessSpawner
from traitlets import Bool, Instance, Unicode, default

from hub.jupyterhub import unix_groups as course_access
from hub.settings import JinguoConfig, course_folder, demo_mode
from hub.store.db import session_scope


GRADING_FOLDER = "批改"  # in an instructor's home: links to the course folders she teaches (formgrader's roots)
# useradd, groupadd and usermod lock /etc/passwd and /etc/group and give up when another holds the lock: the hub's
# starts, now run in threads side by side (JinguoSpawner.start), change accounts one at a time
ACCOUNTS_LOCK = threading.Lock()


class SpawnError(RuntimeError):
    """Shown to the worker on the spawn page, so it says what happened in words."""


def check_reachable(path: Path) -> None:
    """Workers' accounts must reach the server program and their home: every folder above needs o+x."""
    for folder in reversed(path.parents):
        if not folder.stat().st_mode & 0o001:
            raise SpawnError(
                f"目录 {folder} 不允许工人账户访问，请管理员执行 chmod o+x {folder} "
                f"或把平台安装到 /opt 下 / the folder {folder} is not reachable by workers' accounts")


class JinguoSpawner(LocalProcessSpawner):
    """LocalProcessSpawner that creates the worker's Unix account on first start.

    As root, a worker named ``alice`` runs as ``jg-alice`` with home ``/home/jinguo/alice`` (mode 0700),
    so no worker can read another's files. Not as root, every server runs as the hub's own account in
    ``var/demo-homes/NAME``: a single-account demo mode, labelled as such on every page.
    """

    platform = Instance(JinguoConfig)

    @default("platform")
    def _platform_default(self) -> JinguoConfig:
        return JinguoConfig(parent=self)

    demo_mode = Bool(help="True when not running as root: all servers share the hub's account.")

    @default("demo_mode")
    def _demo_default(self) -> bool:
        return demo_mode()

    role_config_root = Unicode(
        help="Folder with one Jupyter config folder per role (learner, instructor, ...) and common/ for what "
        "every role shares (nbgrader's exchange through the platform), both on JUPYTER_CONFIG_PATH so learners "
        "see the assignment list and instructors formgrader.",
    ).tag(config=True)

    @default("role_config_root")
    def _role_config_root_default(self) -> str:
        return str(Path(__file__).parent / "singleuser")

    @default("cmd")
    def _cmd_default(self) -> list[str]:
        # jupyterhub-singleuser without the imports a worker's server never uses (hub/jupyterhub/singleuser/lean.py)
        return [sys.executable, "-m", "hub.jupyterhub.singleuser.lean"]

    @default("default_url")
    def _default_url_default(self) -> str:
        return "/lab"

    @default("start_timeout")
    def _start_timeout_default(self) -> int:
        return 120

    @default("http_timeout")
    def _http_timeout_default(self) -> int:
        # from the process started to its answering: ~3 s alone, but when a whole competition starts at once 50
        # servers share the cores, and JupyterHub's 30 s gave up on the last ones (bench/spawn.py --storm 50)
        return 120

    @property
    def unix_name(self) -> str:
        return self.platform.unix_prefix + self.user.name

    @property
    def home(self) -> Path:
        if self.demo_mode:
            return Path(self.platform.data_dir) / "demo-homes" / self.user.name
        return Path(self.platform.home_root) / self.user.name

    def ensure_account(self) -> None:
        """Create the worker's account and private home on first start (idempotent)."""
        home = self.home
        if self.demo_mode:
            home.mkdir(parents=True, exist_ok=True)
            return
        with ACCOUNTS_LOCK:
            self._ensure_unix_account(home)

    def _ensure_unix_account(self, home: Path) -> None:
        Path(self.platform.home_root).mkdir(parents=True, exist_ok=True)
        os.chmod(self.platform.home_root, 0o755)
        try:
            pwd.getpwnam(self.unix_name)
        except KeyError:
            useradd = shutil.which("useradd") or "/usr/sbin/useradd"
            subprocess.run([useradd, "--create-home", "--home-dir", str(home), "--shell", "/usr/sbin/nologin",
                            "--user-group", "--comment", f"Jinguo worker {self.user.name}", self.unix_name],
                           check=True, capture_output=True)
        check_reachable(Path(self.cmd[0]))
        check_reachable(home)
        entry = pwd.getpwnam(self.unix_name)
        home.mkdir(parents=True, exist_ok=True)
        os.chown(home, entry.pw_uid, entry.pw_gid)
        os.chmod(home, 0o700)
        # before the server starts: its supplementary groups are read when it is spawned (formgrader's access)
        with session_scope(self.platform.db_url) as s:
            course_access.sync_member_groups(s, self.platform.data_dir, self.platform.unix_prefix, self.user.name)

    def taught_course(self) -> str | None:
        """Slug of the first course she teaches (published order): her formgrader opens it."""
        taught = self.taught_courses()
        return taught[0] if taught else None

    def taught_courses(self) -> list[str]:
        with session_scope(self.platform.db_url) as s:
            return [c.slug for c in course_access.taught_courses(s, self.user.name)]

    def link_taught_courses(self, slugs: list[str]) -> Path | None:
        """Link each course she teaches into ``~/批改/`` and return the first link, or None.

        nbgrader's formgrader works only on a course folder inside the server's root (her home; the course folders
        are under the platform's data folder): it refuses with "the course directory root is not a subdirectory of
        the notebook server root" and every page fails. A link in her home is inside, and opens the real folder.
        Links to courses she no longer teaches are removed; anything else in the folder is hers and stays."""
        folder = self.home / GRADING_FOLDER
        if not slugs and not folder.is_dir():
            return None
        folder.mkdir(exist_ok=True)
        owner = None if self.demo_mode else pwd.getpwnam(self.unix_name)
        if owner:
            os.chown(folder, owner.pw_uid, owner.pw_gid)
        for entry in folder.iterdir():
            if entry.is_symlink() and entry.name not in slugs:
                entry.unlink()
        for slug in slugs:
            link, target = folder / slug, course_folder(Path(self.platform.data_dir).resolve(), slug)
            if link.is_symlink() and Path(os.readlink(link)) != target:
                link.unlink()
            if not link.is_symlink() and not link.exists():
                link.symlink_to(target, target_is_directory=True)
                if owner:
                    os.lchown(link, owner.pw_uid, owner.pw_gid)
        first = folder / slugs[0] if slugs else None
        return first if first is not None and first.is_symlink() else None

    def role(self) -> str:
        groups = {g.name for g in self.user.groups}
        for role in ("admins", "organizers", "instructors"):
            if role in groups:
                return role.rstrip("s")
        return "learner"

    def make_preexec_fn(self, name):
        if self.demo_mode:
            return None
        become_her = super().make_preexec_fn(self.unix_name)
        if self.role() != "instructor":
            return become_her

        def become_instructor() -> None:
            become_her()
            os.umask(0o002)  # what her formgrader writes in a course folder stays writable by its other instructors

        return become_instructor

    def user_env(self, env):
        env["USER"] = self.unix_name if not self.demo_mode else pwd.getpwuid(os.getuid()).pw_name
        env["HOME"] = str(self.home)
        env["SHELL"] = "/bin/bash"
        return env

    def get_env(self):
        env = super().get_env()
        env["JINGUO_API_URL"] = f"http://127.0.0.1:{self.platform.port}/services/jinguo/api"
        env["JINGUO_DEMO_MODE"] = "1" if self.demo_mode else "0"
        # her role's folder first (it wins), then what every role shares: the nbgrader exchange of the platform
        root = Path(self.role_config_root)
        env["JUPYTER_CONFIG_PATH"] = os.pathsep.join([str(root / self.role()), str(root / "common")])
        taught, course_root = self._courses if self._courses is not None else self.prepare_courses()
        if course_root is not None:  # read by hub/jupyterhub/singleuser/{instructor,admin}/nbgrader_config.py
            env["JINGUO_COURSE_ID"] = taught[0]
            env["JINGUO_COURSE_ROOT"] = str(course_root)
        env["LANG"] = env["LC_ALL"] = "C.UTF-8"
        return env

    _courses: tuple[list[str], Path | None] | None = None  # prepared for get_env by start(), in its thread

    def prepare_courses(self) -> tuple[list[str], Path | None]:
        """The courses she teaches and the first one's link in her home (formgrader's root), or None."""
        taught = self.taught_courses()
        return taught, self.link_taught_courses(taught)

    def prepare(self) -> None:
        self.ensure_account()
        self._courses = self.prepare_courses()

    async def start(self):
        # In a thread: useradd, the course groups and the database reads took the hub's event loop ~0.1 s per start,
        # and when a whole competition starts at once every other request of the hub waited behind them (issue 20).
        self._courses = None
        await asyncio.to_thread(self.prepare)
        self.notebook_dir = str(self.home)
        return await super().start()
