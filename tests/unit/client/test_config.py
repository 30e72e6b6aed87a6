"""URL rules, environment variables and the User-Agent."""

from __future__ import annotations

import re

import pytest

from qstation.client import ClientConfigurationError, IQMServerClient
from qstation.client._config import poll_interval, request_timeout, user_agent

normalize = IQMServerClient.normalize_url


@pytest.mark.parametrize(
    ("url", "root"),
    [
        ("http://127.0.0.1:8000", "http://127.0.0.1:8000"),
        ("http://localhost:8000/", "http://localhost:8000"),
        ("http://[::1]:9000/", "http://[::1]:9000"),
        ("https://Q.Example.org", "https://q.example.org"),
        ("https://h.example:8443/prefix/", "https://h.example:8443/prefix"),
    ],
)
def test_normalize_accepts_root_urls(url: str, root: str) -> None:
    assert normalize(url, None) == (root, None, False)


@pytest.mark.parametrize(
    ("url", "fragment"),
    [
        ("http://10.0.0.1:8000", "https"),
        ("http://example.org", "https"),
        ("ftp://example.org", "http(s)"),
        ("https://exämple.org", "ASCII"),
        ("https://cocos.example.org", "Resonance"),
    ],
)
def test_normalize_rejects(url: str, fragment: str) -> None:
    with pytest.raises(ClientConfigurationError, match=re.escape(fragment)):
        normalize(url, None)


def test_quantum_computer_in_path_is_deprecated_but_understood() -> None:
    with pytest.warns(DeprecationWarning):
        assert normalize("https://h.example/garnet", None) == ("https://h.example", "garnet", False)
    with pytest.warns(DeprecationWarning):
        assert normalize("https://h.example/garnet:timeslot", None)[2] is True
    with pytest.raises(ClientConfigurationError, match="names quantum computer"):
        normalize("https://h.example/garnet", "other")


def test_env_timeouts(monkeypatch: pytest.MonkeyPatch) -> None:
    assert request_timeout(None) == 120.0
    monkeypatch.setenv("IQM_CLIENT_REQUESTS_TIMEOUT", "7.5")
    monkeypatch.setenv("IQM_CLIENT_SECONDS_BETWEEN_CALLS", "0.25")
    assert request_timeout(None) == 7.5
    assert request_timeout(3) == 3
    assert poll_interval(None) == 0.25
    monkeypatch.setenv("IQM_CLIENT_REQUESTS_TIMEOUT", "soon")
    with pytest.raises(ClientConfigurationError, match="not a number"):
        request_timeout(None)


def test_server_url_from_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("IQM_SERVER_URL", raising=False)
    with pytest.raises(ClientConfigurationError, match="IQM_SERVER_URL"):
        IQMServerClient()
    monkeypatch.setenv("IQM_SERVER_URL", "http://localhost:1")
    monkeypatch.setenv("IQM_QUANTUM_COMPUTER", "sim")
    client = IQMServerClient()
    assert (client.root_url, client.quantum_computer) == ("http://localhost:1", "sim")


def test_user_agent_carries_signature() -> None:
    agent = user_agent("IQMServerClient", "my-app/1.0")
    assert "IQMServerClient qstation" in agent
    assert agent.endswith(", my-app/1.0")
    assert "python 3." in agent


@pytest.mark.parametrize("suffix", ["/api", "/api/", "/api/v1"])
def test_an_api_path_is_taken_as_the_server_root(suffix: str) -> None:
    with pytest.warns(UserWarning, match="the server URL is the root"):
        root, qc, _ = normalize("http://127.0.0.1:8000" + suffix, "lattice-20")
    assert (root, qc) == ("http://127.0.0.1:8000", "lattice-20")
