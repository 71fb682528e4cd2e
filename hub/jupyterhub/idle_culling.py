"""Idle culling: jupyterhub-idle-culler as a managed hub service, with only the rights its docs prescribe.

A worker's JupyterLab holds ~150 MB until it stops; hundreds of idle ones fill a machine. The culler asks the hub
for servers whose last activity (reported by the server itself, or through the proxy) is older than the timeout
and stops them; her files stay, and her next start brings the server back. The one-machine default runs it too
(``JinguoConfig.cull_idle_timeout``, one hour); on Kubernetes the chart's own ``cull.*`` values start it instead.
"""
from __future__ import annotations

import sys

CULLER = "jupyterhub-idle-culler"
# https://github.com/jupyterhub/jupyterhub-idle-culler#permissions ("admin:users" only with --cull-users: we never
# delete accounts, only stop servers)
CULLER_SCOPES = ["list:users", "read:users:activity", "read:servers", "delete:servers"]


def culler_role() -> dict:
    return {"name": CULLER, "description": "停止闲置的笔记本服务器 / stops idle notebook servers",
            "scopes": list(CULLER_SCOPES), "services": [CULLER]}


def culler_service(timeout: int, every: int) -> dict:
    """The managed service: the hub starts it with its own API URL and token (JUPYTERHUB_API_URL/_TOKEN)."""
    return {"name": CULLER, "display": False,
            "command": [sys.executable, "-m", "jupyterhub_idle_culler", f"--timeout={timeout}",
                        f"--cull-every={every}", "--cull-admin-users=true"]}


def add_culler(c, timeout: int, every: int) -> None:
    """Append the culler's service and role to what the config already has (nothing when timeout is 0)."""
    if timeout <= 0:
        return
    c.JupyterHub.services = [s for s in c.JupyterHub.services if s.get("name") != CULLER] + [
        culler_service(timeout, every)]
    c.JupyterHub.load_roles = [r for r in c.JupyterHub.load_roles if r.get("name") != CULLER] + [culler_role()]
