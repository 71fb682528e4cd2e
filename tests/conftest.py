"""Fixtures shared by every area: a real JupyterHub with the Jinguo service, on free ports."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

from hub.testing import DEMO_PASSWORD, Hub, start_hub, stop_hub, xsrf  # noqa: F401 (re-exported to tests)

PROJECT = Path(__file__).resolve().parent.parent
ARTIFACTS = PROJECT / "test-artifacts"


@pytest.fixture(scope="session")
def hub(tmp_path_factory) -> Hub:
    """One real hub (demo data seeded) shared by the tests that only read or add new people."""
    h = start_hub(tmp_path_factory.mktemp("hub"))
    yield h
    stop_hub(h)


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium driven by Playwright (no browser download)."""
    if not Path("/usr/bin/chromium").exists():
        pytest.fail("Chromium missing: run `make install` (it installs Debian's chromium package)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--no-first-run", "--disable-sync"])
        yield b
        b.close()
