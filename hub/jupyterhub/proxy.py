"""The hub's proxy: configurable-http-proxy (its Python port), with room for a crowd.

The Python port forwards every request with Tornado's AsyncHTTPClient, which by default keeps at most 10 requests
in flight and queues the rest, failing a queued one after 20 s with "503 Timeout in request queue". Every page, API
call and file of every worker's JupyterLab passes through it: when 50 competitors started their servers at once
(bench/spawn.py --storm 50; the hub answers a start only when the server is up or after 10 s), 30 of the 50 got 503.
It also gives up on any request the hub or a server takes more than 20 s to answer (Tornado's default; the
JavaScript proxy has no such limit): the spawn page's progress stream while 50 servers start, or nbgrader's Validate
of a long notebook. ``python -m hub.jupyterhub.proxy --max-clients N --request-timeout S ARGS`` runs the same proxy
with N requests in flight, each allowed S seconds.
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
    request_timeout = Integer(
        600, min=20,
        help="Seconds the hub's proxy waits for an answer from the hub or a worker's server (Tornado's default: 20).",
    ).tag(config=True)

    def args(self) -> list[str]:
        return [f"--max-clients={self.max_clients}", f"--request-timeout={self.request_timeout}"]


def configure_client(args: list[str]) -> list[str]:
    """Set Tornado's client for our two options; the proxy's own arguments are returned."""
    from tornado.httpclient import AsyncHTTPClient

    ours, rest = {"--max-clients": 10, "--request-timeout": 20}, []
    for arg in args:
        name, _, value = arg.partition("=")
        if name in ours:
            ours[name] = int(value)
        else:
            rest.append(arg)
    # the proxy leaves request_timeout unset (None) unless --proxy-timeout is given: then the client's default holds
    AsyncHTTPClient.configure(None, max_clients=ours["--max-clients"],
                              defaults={"request_timeout": ours["--request-timeout"]})
    return rest


def main() -> None:
    args = configure_client(sys.argv[1:])
    from configurable_http_proxy.cli import main as proxy_main

    sys.argv = ["configurable-http-proxy", *args]
    proxy_main()


if __name__ == "__main__":
    main()
