"""The hub's proxy: configurable-http-proxy (its Python port), with room for a crowd.

The Python port forwards every request with Tornado's AsyncHTTPClient, which by default keeps at most 10 requests
in flight and queues the rest, failing a queued one after 20 s with "503 Timeout in request queue". Every page, API
call and file of every worker's JupyterLab passes through it: when 50 competitors started their servers at once
(bench/spawn.py --storm 50; the hub answers a start only when the server is up or after 10 s), 30 of the 50 got 503.
``python -m hub.jupyterhub.proxy --max-clients N ARGS`` runs the same proxy with N requests in flight.
"""
from __future__ import annotations

import sys

from traitlets import Integer
from traitlets.config import Configurable


class ProxyLimits(Configurable):
    max_clients = Integer(
        500, min=10,
        help="Requests the hub's proxy forwards at the same time (Tornado's default is 10, and the rest wait in a "
        "queue, failing with 503 after 20 s). Each worker's JupyterLab asks for tens of files when it opens.",
    ).tag(config=True)


def main() -> None:
    args = sys.argv[1:]
    max_clients = 10
    for arg in list(args):
        if arg.startswith("--max-clients="):
            max_clients = int(arg.split("=", 1)[1])
            args.remove(arg)
    from configurable_http_proxy.cli import main as proxy_main
    from tornado.httpclient import AsyncHTTPClient

    AsyncHTTPClient.configure(None, max_clients=max_clients)
    sys.argv = ["configurable-http-proxy", *args]
    proxy_main()


if __name__ == "__main__":
    main()
