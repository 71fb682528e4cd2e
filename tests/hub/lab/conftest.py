"""A hub with two published courses (office-data: sums open, filters overdue; rights: maternity), learners
enrolled, and each learner's own API token, as her notebook server holds it."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest
import requests

from hub.testing import Hub
from tests.hub.lab.courses import enrol, publish

ENROLLED = ("worker01", "worker02", "worker03", "worker04", "worker05")


@pytest.fixture(scope="session")
def courses(hub: Hub) -> Hub:
    now = datetime.now(timezone.utc)
    publish(hub, "office-data", {"sums": now + timedelta(days=7), "filters": now - timedelta(days=1)})
    publish(hub, "rights", {"maternity": None})
    for slug in ("office-data", "rights"):
        enrol(hub, slug, ENROLLED)
    return hub


_tokens: dict[str, str] = {}


def token_of(hub: Hub, username: str) -> str:
    """A fresh API token of hers (the hub's own token API, as her server's token works)."""
    if username not in _tokens:
        _tokens[username] = hub.api_token(username, "exchange test")
    return _tokens[username]


class Her:
    """The exchange API as her server calls it: her token, JSON in and out."""

    def __init__(self, hub: Hub, username: str):
        self.hub, self.name = hub, username
        self.api_url = f"{hub.url}/services/jinguo/api"
        self.token = token_of(hub, username)

    def call(self, method: str, path: str, **kw) -> requests.Response:
        return requests.request(method, self.api_url + path, headers={"Authorization": f"token {self.token}"},
                                timeout=60, **kw)

    def submit(self, course: str, assignment: str, notebooks: dict) -> requests.Response:
        return self.call("POST", f"/exchange/courses/{course}/assignments/{assignment}/submissions",
                         json={"notebooks": notebooks})

    def wait_graded(self, sid: int, timeout: float = 120) -> dict:
        import time

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            data = self.call("GET", f"/exchange/submissions/{sid}").json()
            if data["status"] not in ("received", "queued", "grading", "retrying"):
                return data
            time.sleep(0.3)
        raise AssertionError(f"submission {sid} not graded in {timeout} s")


@pytest.fixture
def her(courses):
    return lambda name: Her(courses, name)


def dumps(nb) -> dict:
    return json.loads(json.dumps(nb))
