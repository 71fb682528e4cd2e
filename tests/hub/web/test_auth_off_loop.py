"""The service asks the hub who is calling without holding up everyone else (hub/web/base.py LoopHubOAuth).

jupyterhub's HubAuth, asked the synchronous way, blocks the service's web loop until the hub answers. In a rush
(issue 20) the hub is busy and a thousand tokens are new to the service's cache: while one competitor's token was
being checked, nobody else's hand-in or board look was answered. Here the hub is frozen (SIGSTOP) while a
competitor with a token new to the service asks for her page of the platform; another competitor, whose token the
service already knows, must get her answer meanwhile — and the first one hers once the hub wakes up."""
from __future__ import annotations

import os
import signal
import threading
import time

import requests

API = "/services/jinguo/api/me"


def test_a_slow_token_check_does_not_hold_up_the_others(hub):
    known, new = hub.api_token("worker05", note="known"), hub.api_token("worker06", note="new")
    url = f"{hub.url}{API}"
    first = requests.get(url, headers={"Authorization": f"token {known}"}, timeout=60)
    assert first.status_code == 200 and first.json()["name"] == "worker05"  # now in the service's cache

    done: dict[str, tuple[float, int]] = {}

    def ask(name: str, token: str, timeout: float = 120) -> None:
        r = requests.get(url, headers={"Authorization": f"token {token}"}, timeout=timeout)
        done[name] = (time.monotonic(), r.status_code)

    os.kill(hub.proc.pid, signal.SIGSTOP)  # the hub cannot answer the service's check of the new token
    try:
        waiting = threading.Thread(target=ask, args=("new", new))
        waiting.start()
        time.sleep(1.0)  # her request is with the service, whose check of her token waits for the hub
        ask("known", known, timeout=30)  # before: no answer at all (the loop waited for the frozen hub)
        assert "new" not in done, "the hub was frozen, yet the new token's check came back"
        assert done["known"][1] == 200, done
    finally:
        os.kill(hub.proc.pid, signal.SIGCONT)
    waiting.join(timeout=120)
    assert done["new"][1] == 200, done  # checked once the hub woke (well within HubAuth's 20 s request timeout)
