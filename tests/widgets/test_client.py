"""The HTTP client against a real server: auth header, the error shape, and every way of being offline."""
from __future__ import annotations

import socket

import pytest

from widgets.client import PlatformClient, PlatformError, PlatformUnavailable


def test_sends_her_token_and_reads_json(client, platform):
    me = client.me()
    assert me["real_name"] == "王芳"
    assert platform.requests[-1] == ("GET", "/services/jinguo/api/me", f"token {platform.token}")


def test_defaults_come_from_the_kernel_environment(platform):
    c = PlatformClient()
    assert (c.api_url, c.token) == (platform.url, platform.token)
    assert c.me()["name"] == platform.user


def test_error_shape_becomes_an_exception_with_chinese_english_and_retry_time(client, platform):
    platform.daily_limit = 0
    with pytest.raises(PlatformError) as e:
        client.submit("spring", "task1", {"nbformat": 4, "cells": [], "metadata": {}, "nbformat_minor": 5})
    err = e.value
    assert (err.status, err.code, err.zh, err.en) == (429, "limit_daily", "今日提交次数已用完",
                                                       "Daily submission limit reached")
    assert err.retry_at is not None and err.retry_at.utcoffset().total_seconds() == 8 * 3600
    assert (err.retry_at.hour, err.retry_at.minute) == (0, 0)
    assert not isinstance(err, PlatformUnavailable)


def test_wrong_token_is_refused_with_a_reason(platform):
    with pytest.raises(PlatformError) as e:
        PlatformClient(api_url=platform.url, token="stolen").me()
    assert e.value.status == 403 and "登录" in e.value.zh


def test_not_configured_is_a_friendly_unavailable():
    with pytest.raises(PlatformUnavailable) as e:
        PlatformClient(api_url="", token="").me()
    assert "平台" in e.value.zh


def test_nothing_listening_is_unavailable_not_a_crash():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(PlatformUnavailable) as e:
        PlatformClient(api_url=f"http://127.0.0.1:{port}/api", token="t").me()
    assert e.value.zh == "暂时连不上平台，请检查网络后再试。"


def test_a_server_that_never_answers_times_out():
    with socket.socket() as s:  # accepts connections into its backlog, never replies
        s.bind(("127.0.0.1", 0))
        s.listen(1)
        c = PlatformClient(api_url=f"http://127.0.0.1:{s.getsockname()[1]}/api", token="t", read_timeout=0.3)
        with pytest.raises(PlatformUnavailable) as e:
            c.me()
    assert "太慢" in e.value.zh


def test_an_html_page_is_not_mistaken_for_an_answer(platform):
    c = PlatformClient(api_url=platform.url.replace("/services/jinguo/api", "/elsewhere"), token=platform.token)
    with pytest.raises(PlatformUnavailable):
        c.me()
