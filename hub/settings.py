"""Settings shared by the hub glue, the platform service and the CLI.

Every knob is a traitlets trait with a help string; deployments override them in
jupyterhub_config.py (``c.JinguoConfig.db_url = ...``), in jinguo_config.py (read by the service and the CLI
through ``load_config``, the one loader both use) or through environment variables. Besides the knobs, this
module says once what every part would otherwise work out for itself: whether this process runs in demo mode
(``demo_mode``) and where a course's or a competition's nbgrader folder lies in the data folder
(``course_folder``, ``competition_folder``). Beijing time is ``courses.clock.BEIJING`` (grading/ and
competitions/ need it too and may not import hub/).
"""
from __future__ import annotations

import functools
import logging
import os
import secrets
import sys
from pathlib import Path

from traitlets import Integer, Unicode, default
from traitlets.config import Config, Configurable, PyFileConfigLoader

PROJECT_DIR = Path(__file__).resolve().parent.parent
COURSES = "courses"  # data_dir/courses/<slug>: a course's nbgrader folder (its group may pass through courses/)
COMPETITIONS = "competitions"  # data_dir/competitions/<slug>: a competition's nbgrader folder (root only)
_log = logging.getLogger("jinguo.settings")


@functools.cache
def running_as_root() -> bool:
    """Whether this process runs as root, asked once per process: as root the hub makes one Unix account per
    worker and a group per course, and seals the data folder; otherwise it runs in demo mode."""
    return os.geteuid() == 0


def demo_mode() -> bool:
    """Single-account demo mode: not root, so every worker's server runs as the hub's own account (labelled as such
    on every page). Not a knob: root decides it, and a root hub in demo mode would run workers' code as root."""
    return not running_as_root()


def courses_root(data_dir: str | Path) -> Path:
    return Path(data_dir) / COURSES


def competitions_root(data_dir: str | Path) -> Path:
    return Path(data_dir) / COMPETITIONS


def course_folder(data_dir: str | Path, slug: str) -> Path:
    """A course's nbgrader folder (source/, release/, gradebook.db, its nbgrader_config.py)."""
    return courses_root(data_dir) / slug


def competition_folder(data_dir: str | Path, slug: str) -> Path:
    """A competition's nbgrader folder (source/ with the hidden tests, release/, gradebook.db)."""
    return competitions_root(data_dir) / slug


def config_file() -> Path:
    """jinguo_config.py: the file JINGUO_CONFIG names, else the one in the project folder."""
    return Path(os.environ.get("JINGUO_CONFIG") or PROJECT_DIR / "jinguo_config.py")


def load_config(*extra: str | Path | None, path: str | Path | None = None,
                log: logging.Logger | None = None) -> Config:
    """The one config loader of the service and the CLI: jinguo_config.py (``path``, else ``config_file()``; when
    it exists: a warning when a file was named that does not), then each file in ``extra`` on top (the CLI's
    ``--config``). Every Configurable built with this config, or with a parent holding it, sees its section."""
    cfg = Config()
    path = Path(path) if path else config_file()
    if path.is_file():
        cfg.merge(_load_py(path))
    elif path != PROJECT_DIR / "jinguo_config.py":  # named (JINGUO_CONFIG, --config_file) but not there
        (log or _log).warning("找不到配置文件 %s / config file %s not found", path, path)
    for more in extra:
        if more:
            cfg.merge(_load_py(Path(more)))
    return cfg


def _load_py(path: Path) -> Config:
    path = path.resolve()
    return PyFileConfigLoader(path.name, str(path.parent)).load_config()


def venv_bin_on_path() -> None:
    """Put this environment's bin folder first on PATH: nbgrader runs ``alembic`` (and we run ``nbgrader``) from
    PATH, and ``.venv/bin/jinguo`` or a hub service may be started without the venv activated."""
    bindir = str(Path(sys.executable).parent)
    if os.environ.get("PATH", "").split(os.pathsep)[0] != bindir:
        os.environ["PATH"] = bindir + os.pathsep + os.environ.get("PATH", "")


class JinguoConfig(Configurable):
    """Where Jinguo keeps its data and how its parts find each other."""

    data_dir = Unicode(
        help="Folder for the SQLite databases, secrets, course folders and exchange. "
        "Env: JINGUO_DATA_DIR. Default: var/ in the project folder.",
    ).tag(config=True)

    @default("data_dir")
    def _data_dir_default(self) -> str:
        return os.environ.get("JINGUO_DATA_DIR") or str(PROJECT_DIR / "var")

    db_url = Unicode(
        help="SQLAlchemy URL of the platform database (members, courses, submissions, audit). "
        "Env: JINGUO_DB_URL. Default: SQLite file jinguo.sqlite in data_dir. "
        "At scale: postgresql+psycopg://user@host/jinguo.",
    ).tag(config=True)

    @default("db_url")
    def _db_url_default(self) -> str:
        return os.environ.get("JINGUO_DB_URL") or f"sqlite:///{Path(self.data_dir) / 'jinguo.sqlite'}"

    hub_db_url = Unicode(
        help="SQLAlchemy URL of JupyterHub's own database. Env: JINGUO_HUB_DB_URL. "
        "Default: SQLite file jupyterhub.sqlite in data_dir.",
    ).tag(config=True)

    @default("hub_db_url")
    def _hub_db_url_default(self) -> str:
        return os.environ.get("JINGUO_HUB_DB_URL") or f"sqlite:///{Path(self.data_dir) / 'jupyterhub.sqlite'}"

    ip = Unicode(
        help="Address the public proxy listens on. Env: JINGUO_IP. Default 127.0.0.1.",
    ).tag(config=True)

    @default("ip")
    def _ip_default(self) -> str:
        return os.environ.get("JINGUO_IP", "127.0.0.1")

    port = Integer(
        help="Port of the public proxy (the address workers open). Env: JINGUO_PORT. Default 8000.",
    ).tag(config=True)

    @default("port")
    def _port_default(self) -> int:
        return int(os.environ.get("JINGUO_PORT", "8000"))

    service_port = Integer(
        help="Loopback port of the platform service behind the hub. Env: JINGUO_SERVICE_PORT. "
        "Default: port + 10.",
    ).tag(config=True)

    @default("service_port")
    def _service_port_default(self) -> int:
        return int(os.environ.get("JINGUO_SERVICE_PORT") or self.port + 10)

    hub_port = Integer(
        help="Loopback port of the hub's own API behind the proxy. Env: JINGUO_HUB_PORT. Default: port + 1.",
    ).tag(config=True)

    @default("hub_port")
    def _hub_port_default(self) -> int:
        return int(os.environ.get("JINGUO_HUB_PORT") or self.port + 1)

    public_url = Unicode(
        help="Public URL of the site, as workers type it (used in certificates and links). "
        "Env: JINGUO_PUBLIC_URL. Default: http://{ip}:{port}.",
    ).tag(config=True)

    @default("public_url")
    def _public_url_default(self) -> str:
        return os.environ.get("JINGUO_PUBLIC_URL") or f"http://{self.ip}:{self.port}"

    secret_key = Unicode(
        help="Secret for signing certificates and verification codes. Env: JINGUO_SECRET_KEY. "
        "Default: a random key kept in data_dir/secret_key (created on first use).",
    ).tag(config=True)

    @default("secret_key")
    def _secret_key_default(self) -> str:
        if os.environ.get("JINGUO_SECRET_KEY"):
            return os.environ["JINGUO_SECRET_KEY"]
        path = Path(self.data_dir) / "secret_key"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as fh:
                fh.write(secrets.token_hex(32))
        return path.read_text().strip()

    home_root = Unicode(
        help="Parent folder of the workers' home folders when the hub runs as root "
        "(one Unix account per worker, each home 0700). Env: JINGUO_HOME_ROOT. Default /home/jinguo.",
    ).tag(config=True)

    @default("home_root")
    def _home_root_default(self) -> str:
        return os.environ.get("JINGUO_HOME_ROOT", "/home/jinguo")

    unix_prefix = Unicode(
        help="Prefix of the Unix account created for each worker, so that no sign-up name "
        "can ever be an existing system account (root, postgres, ...). Env: JINGUO_UNIX_PREFIX. Default jg-.",
    ).tag(config=True)

    @default("unix_prefix")
    def _unix_prefix_default(self) -> str:
        return os.environ.get("JINGUO_UNIX_PREFIX", "jg-")

    service_ip = Unicode(
        help="Address the platform service listens on. Env: JINGUO_SERVICE_IP. Default 127.0.0.1 (behind the hub on "
        "one machine); 0.0.0.0 in its own Kubernetes pod, where the hub, the proxy and workers' servers reach it "
        "through its Service.",
    ).tag(config=True)

    @default("service_ip")
    def _service_ip_default(self) -> str:
        return os.environ.get("JINGUO_SERVICE_IP", "127.0.0.1")

    cull_idle_timeout = Integer(
        help="Seconds a worker's notebook server may sit idle (no activity reported to the hub) before the idle "
        "culler (jupyterhub-idle-culler, a managed hub service) stops it, freeing its memory (~150 MB each); her "
        "files stay. 0 turns culling off. Env: JINGUO_CULL_IDLE_TIMEOUT. Default 3600 (one hour).",
    ).tag(config=True)

    @default("cull_idle_timeout")
    def _cull_idle_timeout_default(self) -> int:
        return int(os.environ.get("JINGUO_CULL_IDLE_TIMEOUT", "3600"))

    cull_every = Integer(
        help="Seconds between two rounds of the idle culler. Env: JINGUO_CULL_EVERY. "
        "Default: a quarter of cull_idle_timeout, at least 1 and at most 300.",
    ).tag(config=True)

    @default("cull_every")
    def _cull_every_default(self) -> int:
        return int(os.environ.get("JINGUO_CULL_EVERY") or max(1, min(300, self.cull_idle_timeout // 4)))

    def ensure_data_dir(self) -> Path:
        path = Path(self.data_dir)
        path.mkdir(parents=True, exist_ok=True)
        return path
