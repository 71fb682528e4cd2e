"""Everything jupyterhub_config.py sets, in one place the CLI and the tests share."""
from __future__ import annotations

import logging
import os
import shutil
import sys
from pathlib import Path

from hub.scopes import CUSTOM_SCOPES, OAUTH_CLIENT_SCOPES, SERVER_TOKEN_SCOPES, SERVICE, roles
from hub.settings import JinguoConfig, demo_mode
from hub.store.data_folder import seal_data_dir, set_process_umask
from hub.jupyterhub.idle_culling import add_culler
from hub.jupyterhub.proxy import ProxyLimits

TEMPLATES = Path(__file__).parent / "templates"



class MemberCount:
    """The platform's members by status, for the note on JupyterHub's admin page (hub/jupyterhub/templates/admin.html).

    JupyterHub calls every callable template variable on every page it renders; the count is read only when a page
    prints it (only the admin page does), and a database that cannot answer leaves the note without numbers."""

    def __init__(self, db_url: str):
        self.db_url = db_url
        self._counts: dict[str, int] | None = None

    def _load(self) -> dict[str, int]:
        if self._counts is None:
            from sqlalchemy import func, select

            from hub.store.db import session_scope
            from hub.store.orm import Member

            with session_scope(self.db_url) as s:
                self._counts = {str(getattr(status, "value", status)): n for status, n in
                                s.execute(select(Member.status, func.count()).group_by(Member.status))}
        return self._counts

    def __bool__(self) -> bool:
        try:
            self._load()
        except Exception:  # noqa: BLE001 — the note still shows, without numbers
            return False
        return True

    @property
    def approved(self) -> int:
        return self._load().get("approved", 0)

    @property
    def pending(self) -> int:
        return self._load().get("pending", 0)


def install_lab_settings() -> None:
    """JupyterLab defaults for every worker: Chinese UI, widget state saved in notebooks, and nbgrader's lab
    extension in Chinese (a translated copy, hub/jupyterhub/singleuser/nbgrader_lab_zh.py, which every server loads first)."""
    from hub.jupyterhub.singleuser import nbgrader_lab_zh

    target = Path(sys.prefix) / "share" / "jupyter" / "lab" / "settings" / "overrides.json"
    source = Path(__file__).resolve().parents[1] / "data" / "lab" / "overrides.json"
    old = os.umask(0o022)  # in the environment every worker's server reads, not in the data folder
    try:
        if not target.exists() or target.read_bytes() != source.read_bytes():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)
        try:
            nbgrader_lab_zh.build()
        except OSError as exc:  # a read-only environment: the hub still starts, nbgrader's tab stays English
            logging.getLogger(__name__).warning("nbgrader 作业面板的中文版未能生成 / could not build the Chinese copy "
                                                "of nbgrader's lab extension: %s", exc)
    finally:
        os.umask(old)


def configure(c) -> JinguoConfig:
    set_process_umask()  # also when started as `jupyterhub -f jupyterhub_config.py`: the hub, its service, its proxy
    platform = JinguoConfig(config=c)
    data = seal_data_dir(platform.ensure_data_dir())
    install_lab_settings()

    c.JupyterHub.ip = platform.ip
    c.JupyterHub.port = platform.port
    c.JupyterHub.hub_ip = "127.0.0.1"
    c.JupyterHub.hub_port = platform.hub_port
    c.JupyterHub.db_url = platform.hub_db_url
    if platform.hub_db_url.startswith("sqlite:///"):  # instructors' accounts pass through data_dir: keep it private
        hub_db = Path(platform.hub_db_url.removeprefix("sqlite:///"))
        hub_db.touch(mode=0o600, exist_ok=True)
        hub_db.chmod(0o600)
    c.JupyterHub.cookie_secret_file = str(data / "jupyterhub_cookie_secret")
    c.JupyterHub.template_paths = [str(TEMPLATES)]
    c.JupyterHub.template_vars = {"jinguo_demo_mode": demo_mode(),
                                  "jinguo_service": f"/services/{SERVICE}/",
                                  # called per page; a fresh, lazy count each time (read only by admin.html)
                                  "jinguo_member_count": lambda _user: MemberCount(platform.db_url)}
    c.JupyterHub.default_url = f"/services/{SERVICE}/"
    c.JupyterHub.authenticator_class = "hub.jupyterhub.auth.JinguoAuthenticator"
    c.JupyterHub.spawner_class = "hub.jupyterhub.spawner.JinguoSpawner"
    c.JupyterHub.custom_scopes = CUSTOM_SCOPES
    c.JupyterHub.load_roles = roles()
    c.JupyterHub.proxy_class = "jupyterhub.proxy.ConfigurableHTTPProxy"
    # the proxy with room for a crowd: Tornado's 10 requests in flight failed 30 of 50 servers started at once
    c.ConfigurableHTTPProxy.command = [sys.executable, "-m", "hub.jupyterhub.proxy", *ProxyLimits(config=c).args()]
    c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{platform.port + 2}"
    c.ConfigurableHTTPProxy.pid_file = str(data / "jupyterhub-proxy.pid")
    # Both pid files are how `jinguo serve` recovers from a crashed hub (hub/cli/main.py): the hub's says whether a hub
    # still runs here; the proxy's lets JupyterHub stop the proxy a dead hub left. The platform service writes its
    # own (hub/web/lifecycle.py).
    c.JupyterHub.pid_file = str(data / "jupyterhub.pid")
    c.JupyterHub.cleanup_servers = True
    c.Authenticator.admin_users.add("admin")  # the bootstrap administrator
    c.Spawner.server_token_scopes = list(SERVER_TOKEN_SCOPES)
    c.JupyterHub.services = [{
        "name": SERVICE,
        "display": False,
        "url": f"http://127.0.0.1:{platform.service_port}",
        "command": [sys.executable, "-m", "hub.web"],
        "oauth_no_confirm": True,
        "oauth_client_allowed_scopes": list(OAUTH_CLIENT_SCOPES),
        # every JINGUO_* setting of the hub's own environment reaches the service (e.g. JINGUO_SURVEY_MIN_GROUP)
        "environment": {**{k: v for k, v in os.environ.items() if k.startswith("JINGUO_")},
                        "JINGUO_DB_URL": platform.db_url, "JINGUO_DATA_DIR": platform.data_dir,
                        "JINGUO_PORT": str(platform.port), "JINGUO_SERVICE_PORT": str(platform.service_port),
                        "JINGUO_PUBLIC_URL": platform.public_url, "JINGUO_UNIX_PREFIX": platform.unix_prefix},
        "cwd": str(Path(__file__).resolve().parents[2]),
    }]
    add_culler(c, platform.cull_idle_timeout, platform.cull_every)  # idle servers stop after an hour (configurable)
    return platform
