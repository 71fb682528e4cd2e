"""Idle culling: jupyterhub-idle-culler as a managed hub service, with only the rights its docs prescribe.

A worker's JupyterLab holds ~150 MB until it stops; hundreds of idle ones fill a machine. The culler asks the hub
for servers whose last activity (reported by the server itself, or through the proxy) is older than the timeout
and stops them; her files stay, and her next start brings the server back. The one-machine default runs it too
(``JinguoConfig.cull_idle_timeout``, one hour); on Kubernetes the chart's own ``cull.*`` values start it instead.

Why the culler is started through this module. JupyterHub starts a managed service in a session of its own and
stops it (SIGINT) only when the hub itself shuts down cleanly; a hub that is killed (``kill -9``, OOM, a test
hub stopped past its grace period) leaves the culler running for good, re-parented to init, asking a hub that is
gone every few minutes (two such orphans per CI run). So ``python -m hub.jupyterhub.idle_culling`` runs the
upstream culler unchanged, plus a watchdog thread that ends it as soon as its parent (the hub) is gone.
"""
from __future__ import annotations

import os
import sys
import threading
import time

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
            "command": [sys.executable, "-m", "hub.jupyterhub.idle_culling", f"--timeout={timeout}",
                        f"--cull-every={every}", "--cull-admin-users=true"]}


def add_culler(c, timeout: int, every: int) -> None:
    """Append the culler's service and role to what the config already has (nothing when timeout is 0)."""
    if timeout <= 0:
        return
    c.JupyterHub.services = [s for s in c.JupyterHub.services if s.get("name") != CULLER] + [
        culler_service(timeout, every)]
    c.JupyterHub.load_roles = [r for r in c.JupyterHub.load_roles if r.get("name") != CULLER] + [culler_role()]


def exit_with_parent(parent: int, every: float = 1.0) -> None:
    """Leave (at once: the culler holds nothing to save) when the process that started us is gone, i.e. we were
    re-parented. Polling getppid rather than PR_SET_PDEATHSIG: that fires when the parent *thread* that forked us
    ends, and JupyterHub may start services from a worker thread."""
    while os.getppid() == parent:
        time.sleep(every)
    os._exit(0)


def main() -> None:
    threading.Thread(target=exit_with_parent, args=(os.getppid(),), daemon=True, name="exit-with-hub").start()
    from jupyterhub_idle_culler import main as culler_main

    culler_main()


if __name__ == "__main__":
    main()
