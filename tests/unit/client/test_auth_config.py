"""Choosing the authentication strategy: three ways, mutually exclusive."""

from __future__ import annotations

import pytest

from qstation.client import (
    ClientConfigurationError,
    IQMClient,
    PasswordSessionAuth,
    StaticTokenAuth,
    TokensFileAuth,
)
from qstation.client._auth import resolve_auth

ROOT = "http://localhost:8000"
ENV = ("IQM_TOKEN", "IQM_TOKENS_FILE", "IQM_AUTH_SERVER", "IQM_AUTH_USERNAME",
       "IQM_AUTH_PASSWORD")


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ENV:
        monkeypatch.delenv(var, raising=False)


def test_each_way_alone() -> None:
    assert resolve_auth(ROOT) is None
    assert isinstance(resolve_auth(ROOT, token="t"), StaticTokenAuth)
    assert isinstance(resolve_auth(ROOT, tokens_file="/tmp/x.json"), TokensFileAuth)
    auth = resolve_auth(ROOT, username="u", password="p")
    assert isinstance(auth, PasswordSessionAuth)
    assert auth.auth_server_url == ROOT  # the server itself, by default


def test_each_way_from_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IQM_TOKEN", "t")
    assert isinstance(resolve_auth(ROOT), StaticTokenAuth)
    monkeypatch.delenv("IQM_TOKEN")
    monkeypatch.setenv("IQM_AUTH_SERVER", "https://auth.example")
    monkeypatch.setenv("IQM_AUTH_USERNAME", "u")
    monkeypatch.setenv("IQM_AUTH_PASSWORD", "p")
    auth = resolve_auth(ROOT)
    assert isinstance(auth, PasswordSessionAuth)
    assert auth.auth_server_url == "https://auth.example"


def test_two_ways_at_once_is_refused() -> None:
    with pytest.raises(ClientConfigurationError, match="more than one way"):
        resolve_auth(ROOT, token="t", tokens_file="/tmp/x.json")
    with pytest.raises(ClientConfigurationError, match="mutually exclusive"):
        IQMClient(ROOT, token="t", username="u", password="p")


def test_argument_and_env_for_the_same_value(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IQM_TOKEN", "a")
    with pytest.raises(ClientConfigurationError, match=r"both as an argument and as .*IQM_TOKEN"):
        resolve_auth(ROOT, token="b")


def test_argument_way_and_env_way(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IQM_TOKENS_FILE", "/tmp/x.json")
    with pytest.raises(ClientConfigurationError, match="more than one way"):
        resolve_auth(ROOT, token="b")


def test_password_values_mixed_between_args_and_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IQM_AUTH_PASSWORD", "p")
    with pytest.raises(ClientConfigurationError, match="not mixed"):
        resolve_auth(ROOT, username="u")


def test_incomplete_password_set() -> None:
    with pytest.raises(ClientConfigurationError, match="both a username and a password"):
        resolve_auth(ROOT, username="u")


def test_auth_server_must_be_secure() -> None:
    with pytest.raises(ClientConfigurationError, match="https"):
        resolve_auth(ROOT, auth_server_url="http://auth.example", username="u", password="p")


def test_empty_env_counts_as_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IQM_TOKEN", "")
    assert isinstance(resolve_auth(ROOT, token="b"), StaticTokenAuth)
