"""The nbgrader Exchange classes call the platform through the widgets' HTTP client (widgets/client.py), the one
client in her server: the same token and URL discovery, the same reading of refusals, against a real HTTP server
(the widgets' stand-in platform). Before, they had their own requests code, which took a proxy's HTML page or a
hub's login redirect for the platform refusing her ("平台拒绝了请求 / HTTP 404")."""
from __future__ import annotations

import socket

import pytest
from nbgrader.exchange.abc import ExchangeError

from hub.lab.exchange.base import PlatformExchange, PlatformRefused
from tests.widgets.fake_platform import FakePlatform, demo_data
from widgets.client import PlatformClient


@pytest.fixture(scope="module")
def platform():
    p = FakePlatform().start()
    demo_data(p)
    yield p
    p.stop()


def test_the_exchange_uses_the_widgets_client_with_her_token(platform, monkeypatch):
    monkeypatch.setenv("JINGUO_API_URL", platform.url)
    monkeypatch.setenv("JUPYTERHUB_API_TOKEN", platform.token)
    ex = PlatformExchange(request_timeout=42)
    assert isinstance(ex.client, PlatformClient) and ex.client.read_timeout == 42
    assert (ex.client.api_url, ex.client.token) == (platform.url, platform.token)
    assert ex.api("GET", "/me")["real_name"] == "王芳"
    assert platform.requests[-1] == ("GET", "/services/jinguo/api/me", f"token {platform.token}")


def test_a_refusal_keeps_its_status_code_and_words(platform):
    with pytest.raises(PlatformRefused) as e:
        PlatformExchange(api_url=platform.url, token="stolen").api("GET", "/me")
    assert e.value.status == 403 and " / " in str(e.value) and "登录" in str(e.value)


def test_a_page_that_is_not_the_platform_is_not_a_refusal(platform):
    ex = PlatformExchange(api_url=platform.url.replace("/services/jinguo/api", "/elsewhere"), token=platform.token)
    with pytest.raises(ExchangeError) as e:
        ex.api("GET", "/me")
    assert not isinstance(e.value, PlatformRefused) and "平台暂时不可用" in str(e.value), e.value


def test_nothing_listening_says_so_in_her_words():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(ExchangeError) as e:
        PlatformExchange(api_url=f"http://127.0.0.1:{port}/api", token="t").api("GET", "/me")
    assert "暂时连不上平台" in str(e.value)
