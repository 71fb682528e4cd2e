"""The hub's proxy has room for a crowd (issue 20): Tornado's client in the Python configurable-http-proxy forwards
10 requests at once and gives up on any after 20 s; at the start of a competition 30 of 50 server starts got
'503 Timeout in request queue'. The hub runs it through hub/jupyterhub/proxy.py with ProxyLimits."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

PROBE = """
from hub.jupyterhub.proxy import ProxyLimits, configure_client
rest = configure_client([*ProxyLimits().args(), "--port=8000", "--api-port=8001"])
from tornado.httpclient import AsyncHTTPClient
client = AsyncHTTPClient()
print(client.max_clients, client.defaults["request_timeout"], rest)
"""


def test_the_proxys_client_forwards_hundreds_at_once_and_waits_long():
    r = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr[-2000:]
    assert r.stdout.split(" ", 2)[:2] == ["500", "600"]
    assert "'--port=8000', '--api-port=8001'" in r.stdout  # the proxy's own arguments reach it unchanged


def test_the_hub_starts_its_proxy_with_the_limits(hub):
    pid = int((hub.data_dir / "jupyterhub-proxy.pid").read_text())
    argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    assert b"hub.jupyterhub.proxy" in argv and b"--max-clients=500" in argv and b"--request-timeout=600" in argv
