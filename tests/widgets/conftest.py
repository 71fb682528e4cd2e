"""Widget tests run against a real HTTP server: the stand-in platform in fake_platform.py."""
from __future__ import annotations

from datetime import timedelta

import pytest

from widgets.client import PlatformClient

from .fake_platform import FakePlatform, demo_data


@pytest.fixture(scope="session")
def platform_server():
    p = FakePlatform().start()
    yield p
    p.stop()


@pytest.fixture
def platform(platform_server, monkeypatch, tmp_path):
    """Fresh demo data; the kernel-like environment points the widgets at it; cwd is an empty folder."""
    p = platform_server
    p.skew, p.daily_limit, p.max_bytes = timedelta(0), 3, 2_000_000
    p.ends_with, p.timeout_score = "graded", 2.0
    p.submissions.clear()
    p.requests.clear()
    p.bodies.clear()
    demo_data(p)
    monkeypatch.setenv("JINGUO_API_URL", p.url)
    monkeypatch.setenv("JUPYTERHUB_API_TOKEN", p.token)
    for var in ("JINGUO_NOTEBOOK_PATH", "JPY_SESSION_NAME"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.chdir(tmp_path)
    return p


@pytest.fixture
def offline(monkeypatch, tmp_path):
    """A kernel with no platform configured (as when grading)."""
    for var in ("JINGUO_API_URL", "JUPYTERHUB_API_TOKEN", "JINGUO_NOTEBOOK_PATH", "JPY_SESSION_NAME"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def client(platform) -> PlatformClient:
    return PlatformClient(api_url=platform.url, token=platform.token)
