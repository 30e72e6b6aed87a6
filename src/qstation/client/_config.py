"""Connection settings: server URL rules, environment variables and the User-Agent.

Environment variables (read when a client is created, not at import):

=================================== ==================================================
``IQM_SERVER_URL``                  server URL when none is passed
``IQM_QUANTUM_COMPUTER``            quantum computer alias when none is passed
``IQM_CLIENT_REQUESTS_TIMEOUT``     per-request timeout in seconds (default 120)
``IQM_CLIENT_SECONDS_BETWEEN_CALLS`` polling interval in seconds (default 1) when the
                                    server offers no long-poll
=================================== ==================================================
"""

from __future__ import annotations

import os
import platform
import warnings
from importlib.metadata import PackageNotFoundError, version
from urllib.parse import urlsplit

from qstation.client._errors import ClientConfigurationError

DEFAULT_TIMEOUT = 120.0
DEFAULT_POLL_INTERVAL = 1.0
LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})


def env(name: str) -> str | None:
    """An environment variable; empty counts as unset."""
    value = os.environ.get(name, "").strip()
    return value or None


def env_float(name: str, default: float) -> float:
    """A positive number from the environment.

    Raises:
        ClientConfigurationError: the variable is set but not a positive number.
    """
    raw = env(name)
    if raw is None:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ClientConfigurationError(f"{name}={raw!r} is not a number") from None
    if value <= 0:
        raise ClientConfigurationError(f"{name} must be positive, got {raw!r}")
    return value


def request_timeout(given: float | None) -> float:
    """The per-request timeout: the argument, else ``IQM_CLIENT_REQUESTS_TIMEOUT``, else 120 s."""
    return given if given is not None else env_float("IQM_CLIENT_REQUESTS_TIMEOUT", DEFAULT_TIMEOUT)


def poll_interval(given: float | None) -> float:
    """Seconds between status polls: the argument, else ``IQM_CLIENT_SECONDS_BETWEEN_CALLS``."""
    if given is not None:
        return given
    return env_float("IQM_CLIENT_SECONDS_BETWEEN_CALLS", DEFAULT_POLL_INTERVAL)


def require_secure(url: str, what: str) -> None:
    """Refuse plain ``http`` anywhere but loopback, where credentials would travel in clear.

    Raises:
        ClientConfigurationError: not ASCII, not http(s), or http off loopback.
    """
    if not url.isascii():
        raise ClientConfigurationError(f"{what} {url!r} must be ASCII (use punycode for IDNs)")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ClientConfigurationError(f"{what} {url!r} must be an http(s) URL with a host")
    if parts.scheme == "http" and parts.hostname not in LOOPBACK_HOSTS:
        raise ClientConfigurationError(
            f"{what} {url!r} uses http off loopback; use https (http is allowed only for "
            f"{', '.join(sorted(LOOPBACK_HOSTS))})"
        )


def normalize_url(url: str, quantum_computer: str | None) -> tuple[str, str | None, bool]:
    """Check a server URL and split it into ``(root, quantum_computer, use_timeslot)``.

    The API lives at the root of the URL. For compatibility with old IQM URLs, a last path
    segment names the quantum computer (``https://host/garnet``) and a ``:timeslot`` suffix
    asks for the timeslot queue; both emit a ``DeprecationWarning``.

    Raises:
        ClientConfigurationError: a malformed or insecure URL, or a quantum computer given
            both in the URL and as an argument.
    """
    require_secure(url, "server URL")
    parts = urlsplit(url)
    host = parts.hostname or ""
    if host.startswith("cocos."):
        raise ClientConfigurationError(f"{url!r} is an obsolete Resonance URL; use the server URL")
    path = parts.path
    for api in ("/api/v1", "/api"):  # an API path pasted from the docs: the root is meant
        if path.rstrip("/").endswith(api):
            path = path.rstrip("/").removesuffix(api)
            fixed = f"{parts.scheme}://{parts.netloc}{path}"
            warnings.warn(
                f"the server URL is the root, without {api!r}: using {fixed!r}",
                UserWarning, stacklevel=3,
            )
            break
    segments = path.split("/")
    last, prefix = segments[-1], "/".join(s for s in segments[:-1] if s)
    timeslot = last.endswith(":timeslot")
    if timeslot:
        last = last.removesuffix(":timeslot")
    if last:
        if quantum_computer is not None and quantum_computer != last:
            raise ClientConfigurationError(
                f"the URL names quantum computer {last!r} but quantum_computer={quantum_computer!r}"
            )
        warnings.warn(
            f"naming the quantum computer in the URL is deprecated; pass quantum_computer={last!r}",
            DeprecationWarning, stacklevel=3,
        )
        quantum_computer = last
    if timeslot:
        warnings.warn("the ':timeslot' URL suffix is deprecated; pass use_timeslot=True",
                      DeprecationWarning, stacklevel=3)
    netloc = f"[{host}]" if ":" in host else host.lower()
    if parts.port is not None:
        netloc += f":{parts.port}"
    root = f"{parts.scheme}://{netloc}" + (f"/{prefix}" if prefix else "")
    return root, quantum_computer, timeslot


def _package_version() -> str:
    try:
        return version("qstation")
    except PackageNotFoundError:  # running from a source tree
        return "0+unknown"


def user_agent(client_class: str, signature: str | None) -> str:
    """``<platform>, python <x.y.z>, <class> qstation <version>[, <signature>]``."""
    agent = (
        f"{platform.platform(terse=True)}, python {platform.python_version()}, "
        f"{client_class} qstation {_package_version()}"
    )
    return f"{agent}, {signature}" if signature else agent
