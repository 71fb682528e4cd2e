"""A notebook server that cannot start gives the worker a readable Chinese page, not a stack trace."""
from __future__ import annotations

import time

import pytest

from hub.testing import start_hub, stop_hub

BROKEN = """
exec(open({default!r}).read())
c.JinguoSpawner.cmd = ["/bin/false"]
c.JinguoSpawner.http_timeout = 8
"""


@pytest.fixture()
def broken_hub(tmp_path):
    from hub.settings import PROJECT_DIR

    cfg = tmp_path / "broken_config.py"
    cfg.write_text(BROKEN.format(default=str(PROJECT_DIR / "jupyterhub_config.py")))
    h = start_hub(tmp_path / "h", config=str(cfg))
    yield h
    stop_hub(h)


def test_failed_spawn_shows_a_readable_page(broken_hub):
    s = broken_hub.session("worker08")
    s.get(f"{broken_hub.url}/hub/spawn")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        r = s.get(f"{broken_hub.url}/hub/spawn-pending/worker08")
        r.encoding = "utf-8"  # the hub's pages declare it in <meta>, not in the header
        if "没能启动" in r.text:
            break
        time.sleep(0.5)
    assert "没能启动" in r.text and "联系工会管理员" in r.text and "重新启动" in r.text, r.text[-2000:]
    assert "Traceback" not in r.text
