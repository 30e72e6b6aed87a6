"""Virtual environments of the official IQM clients, built once and cached between runs.

Each supported ``iqm-client`` version gets its own environment under
``${QSTATION_CONFORMANCE_CACHE:-~/.cache/qstation/conformance}/iqm-<version>``, installed from
the package index with ``uv`` when it is on ``PATH`` and with ``python -m venv`` + ``pip``
otherwise. A stamp file records a hash of the requirement list and the interpreter; when either
changes the environment is rebuilt. The vendor clients never enter the project's own venv.

Nothing here imports the vendor packages: the conformance scripts run *inside* these
environments as subprocesses.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

#: The iqm-client releases the server promises to work with.
CLIENT_VERSIONS: tuple[str, ...] = ("35.0.3", "36.0.0")

#: Bump to force every cached environment to be rebuilt.
_LAYOUT = 1
_STAMP = ".qstation-conformance.json"
_INSTALL_TIMEOUT_S = 1800


#: IQM's open benchmark suite with qiskit-experiments (and the official client they bring).
SUITE_VENV = "iqm-benchmarks-3.0.0"
# ibm-platform-services pinned to a release with a wheel (older ones fail to build).
SUITE_REQUIREMENTS = [
    "iqm-benchmarks==3.0.0",
    "ibm-platform-services==0.66.1",
    "qiskit-experiments==0.14.2",
]

class VenvUnavailable(RuntimeError):
    """The environment cannot be built here because the package index is unreachable."""


@dataclass(frozen=True)
class ClientVenv:
    """A ready environment of one official client version."""

    version: str
    path: Path

    @property
    def python(self) -> Path:
        """The environment's interpreter."""
        return self.path / "bin" / "python"


def requirements(version: str) -> list[str]:
    """What is installed for ``iqm-client==version``: the client with its Qiskit and Cirq extras."""
    return [f"iqm-client[qiskit,cirq]=={version}"]


def cache_root() -> Path:
    """Where the environments live (``QSTATION_CONFORMANCE_CACHE`` overrides the default)."""
    configured = os.environ.get("QSTATION_CONFORMANCE_CACHE")
    if configured:
        return Path(configured).expanduser()
    return Path.home() / ".cache" / "qstation" / "conformance"


def _base_python() -> str:
    """The interpreter the environments are built from: the one behind the running venv."""
    base = getattr(sys, "_base_executable", None) or sys.executable
    return str(base)


def _key(reqs: list[str]) -> str:
    spec = {
        "layout": _LAYOUT,
        "requirements": sorted(reqs),
        "python": list(sys.version_info[:3]),
        "implementation": sys.implementation.name,
    }
    return hashlib.sha256(json.dumps(spec, sort_keys=True).encode()).hexdigest()[:20]


def _is_current(path: Path, key: str) -> bool:
    stamp = path / _STAMP
    if not stamp.is_file() or not (path / "bin" / "python").exists():
        return False
    try:
        return bool(json.loads(stamp.read_text()).get("key") == key)
    except (OSError, ValueError):
        return False


@contextlib.contextmanager
def _locked(lock_path: Path) -> Iterator[None]:
    """An exclusive lock, so parallel test runs do not build the same environment twice."""
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_path, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _index_hosts() -> list[tuple[str, int]]:
    urls = [
        os.environ.get("UV_DEFAULT_INDEX") or os.environ.get("UV_INDEX_URL")
        or os.environ.get("PIP_INDEX_URL") or "https://pypi.org/simple",
    ]
    hosts = []
    for url in urls:
        parsed = urlparse(url)
        if parsed.scheme in ("http", "https") and parsed.hostname:
            default_port = 443 if parsed.scheme == "https" else 80
            hosts.append((parsed.hostname, parsed.port or default_port))
    return hosts


def index_reachable(timeout: float = 5.0) -> bool:
    """Whether the package index answers a TCP connection (proxies count as reachable)."""
    if any(os.environ.get(v) for v in ("HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy")):
        return True
    for host, port in _index_hosts():
        try:
            with socket.create_connection((host, port), timeout=timeout):
                return True
        except OSError:
            continue
    return False


def _run(cmd: list[str], log: Path) -> None:
    with open(log, "ab") as out:
        out.write(f"\n$ {' '.join(cmd)}\n".encode())
        out.flush()
        subprocess.run(cmd, stdout=out, stderr=subprocess.STDOUT, check=True,
                       timeout=_INSTALL_TIMEOUT_S)


def _install(path: Path, reqs: list[str], log: Path, *, offline: bool) -> None:
    uv = shutil.which("uv")
    python = str(path / "bin" / "python")
    if uv:
        _run([uv, "venv", "--quiet", "--python", _base_python(), str(path)], log)
        _run([uv, "pip", "install", "--python", python, *(["--offline"] if offline else []),
              *reqs], log)
    else:
        _run([_base_python(), "-m", "venv", str(path)], log)
        _run([python, "-m", "pip", "install", "--quiet", "--upgrade", "pip"], log)
        _run([python, "-m", "pip", "install", "--quiet", *(["--no-index"] if offline else []),
              *reqs], log)


def ensure_venv(version: str) -> ClientVenv:
    """The cached environment of ``iqm-client==version``, built first if missing or stale.

    Raises:
        VenvUnavailable: it is not cached and the package index cannot be reached.
        subprocess.CalledProcessError: the install failed although the index is reachable.
    """
    return ClientVenv(version, ensure_named_venv(f"iqm-{version}", requirements(version)))


def ensure_named_venv(name: str, reqs: list[str]) -> Path:
    """The cached environment ``name`` holding ``reqs`` (built first if missing or stale).

    Other vendor packages (IQM's benchmark suite, qiskit-experiments) get their environments
    here too, under the same cache, lock and stamp rules as the clients'.
    """
    key = _key(reqs)
    root = cache_root()
    path = root / name
    if _is_current(path, key):
        return path
    with _locked(root / f".{name}.lock"):
        if _is_current(path, key):  # another process built it while we waited
            return path
        online = index_reachable()
        log = root / f"{name}.build.log"
        log.write_text(f"building {path} for {reqs} (key {key}) at {time.ctime()}\n")
        if path.exists():
            shutil.rmtree(path)
        try:
            _install(path, reqs, log, offline=not online)
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as err:
            shutil.rmtree(path, ignore_errors=True)
            if not online:
                raise VenvUnavailable(
                    f"cannot build the {name} environment: the package index is "
                    f"unreachable (no network?) and the local caches lack {reqs}; see {log}"
                ) from err
            raise
        (path / _STAMP).write_text(json.dumps({"key": key, "requirements": reqs}))
    return path


def build_log(version: str) -> Path:
    """The log of the last build of ``version``'s environment."""
    return named_build_log(f"iqm-{version}")


def named_build_log(name: str) -> Path:
    """The log of the last build of environment ``name``."""
    return cache_root() / f"{name}.build.log"
