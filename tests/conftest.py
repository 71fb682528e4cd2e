"""Fixtures shared by every area: a real JupyterHub with the Jinguo service, on free ports."""
from __future__ import annotations

import contextlib
import os
import re
from pathlib import Path

import pytest

from hub.testing import DEMO_PASSWORD, Hub, start_hub, stop_hub, xsrf  # noqa: F401 (re-exported to tests)
from hub.settings import venv_bin_on_path

venv_bin_on_path()  # nbgrader runs alembic from PATH, also when pytest is started without `make test`

PROJECT = Path(__file__).resolve().parent.parent
ARTIFACTS = PROJECT / "test-artifacts"


@pytest.fixture(scope="session")
def hub(tmp_path_factory) -> Hub:
    """One real hub (demo data seeded) shared by the tests that only read or add new people."""
    with running_hub(tmp_path_factory.mktemp("hub")) as h:
        yield h


@contextlib.contextmanager
def running_hub(folder: Path):
    """A hub started in this folder, its Unix names in the environment while it runs, stopped afterwards."""
    h = start_hub(folder)
    with unix_names_of(h):
        yield h
    stop_hub(h)


@contextlib.contextmanager
def unix_names_of(h: Hub):
    """Tests that publish courses or make accounts in this process must use the hub's Unix names, not the default
    "jg-" ones: else they create the machine's real course groups, and the hub's accounts are not in them."""
    saved = {k: os.environ.get(k) for k in ("JINGUO_UNIX_PREFIX", "JINGUO_HOME_ROOT")}
    os.environ.update({k: h.env[k] for k in saved})
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


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


def platform_client(hub: Hub, username: str):
    """The widgets' HTTP client with a fresh API token of hers: the platform as her notebook reaches it."""
    from widgets.client import PlatformClient

    return PlatformClient(api_url=f"{hub.url}/services/jinguo/api", token=hub.api_token(username))


def browser_login(browser, hub: Hub, username: str, **context):
    """A browser context of her own, logged in through the hub's login page: (context, page)."""
    ctx = browser.new_context(locale="zh-CN", **context)
    page = ctx.new_page()
    page.set_default_timeout(30_000)
    page.goto(f"{hub.url}/hub/login")
    page.fill("#username_input", username)
    page.fill("#password_input", DEMO_PASSWORD)
    page.click("#login_submit")
    page.wait_for_url(re.compile(r"/services/jinguo/"))
    return ctx, page


def shot(page, artifacts: Path, folder: str, name: str) -> None:
    """A full-page screenshot kept as a test artefact under ``folder``."""
    (artifacts / folder).mkdir(exist_ok=True)
    page.screenshot(path=str(artifacts / folder / f"{name}.png"), full_page=True)


# Cheap session fixtures that hold no state a test could change: any process may have its own.
STATELESS_SESSION_FIXTURES = {"artifacts", "browser", "tmp_path_factory", "worker_id", "testrun_uid"}


@pytest.hookimpl(tryfirst=True)  # before xdist reads the groups (it renames each item by its group then)
def pytest_collection_modifyitems(config, items):
    """`make test` runs in several pytest-xdist processes with ``--dist loadgroup``; this puts the tests in groups
    that each run in one process, in file order. A test file is a group (its module fixtures are set up once), except
    that every test using one of our stateful session fixtures (the shared demo hub, the lab's published courses, the
    widgets' stand-in platform) joins that fixture's group: those tests add people, publish and enrol on one shared
    hub, and some rely on what an earlier file in the serial order already did there."""
    for item in items:
        shared = sorted(
            f"{defs[-1].baseid or 'tests'}::{name}"
            for name, defs in item._fixtureinfo.name2fixturedefs.items()
            if defs and defs[-1].scope == "session" and name not in STATELESS_SESSION_FIXTURES
            and (defs[-1].baseid or "").startswith("tests"))
        group = "+".join(shared) if shared else item.nodeid.split("::", 1)[0]
        item.add_marker(pytest.mark.xdist_group(group))
