"""The venue's proxy comes from the environment (HTTP(S)_PROXY, NO_PROXY), read once per session."""

from __future__ import annotations

import pytest

from common.clob.client import EnvProxy, env_proxy

VENUE = "https://clob.polymarket.com"
PROXY_VARS = ("HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "http_proxy", "https_proxy", "no_proxy", "ALL_PROXY",
              "all_proxy")  # fmt: skip


@pytest.fixture(autouse=True)
def no_proxy_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in PROXY_VARS:
        monkeypatch.delenv(name, raising=False)


def test_without_proxy_variables_requests_go_direct() -> None:
    assert env_proxy(VENUE) == EnvProxy()


def test_the_https_proxy_is_used_for_the_venue_with_its_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://user:pw@proxy.internal:3128")
    proxy = env_proxy(VENUE)
    assert proxy.url == "http://proxy.internal:3128"
    assert proxy.auth is not None and (proxy.auth.login, proxy.auth.password) == ("user", "pw")


def test_a_host_no_proxy_covers_goes_direct(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.internal:3128")
    monkeypatch.setenv("NO_PROXY", "localhost,.polymarket.com")
    assert env_proxy(VENUE) == EnvProxy()
    assert env_proxy("http://127.0.0.1:8080") == EnvProxy()
