"""Every fenced code block of README.md and docs/**/*.md runs as written.

Conventions for whoever writes documentation (new files under docs/ are picked up as they are):

* ```bash / ```sh / ```shell / ```zsh blocks run with ``bash -euo pipefail``; in ```console
  blocks only the ``$ `` lines (and their ``\\`` continuations) run, the rest is output.
  ``qstation`` is on ``PATH``.
* ```python blocks run in a subprocess with the test venv's interpreter; a block that imports
  the official IQM client (``iqm.qiskit_iqm``, ``iqm.cirq_iqm``, ``iqm.iqm_client``,
  ``iqm_client``) runs in that client's own environment (tests/conformance/venvs.py), as a
  user's would.
* ```json, ```toml and ```ini blocks must parse. Blocks without a language, or ```text,
  are output samples and diagrams: not run. Any other language fails the test below until
  this file learns it.
* The local server: blocks run in the folder of a real ``qstation serve`` (hosting lattice-20
  and star-5, data in ``./.qstation``, ``QSTATION_DATABASE_URL`` pointing at its database),
  and ``127.0.0.1:8000`` / ``localhost:8000`` in a block mean that server. ``HOME`` is a
  temporary folder, and no ``IQM_*`` variable is set.
* A block whose commands say ``qstation serve`` or ``qstation worker`` really starts that
  service (as written, plus a free port and a fresh data directory), waits until it is ready,
  stops it with SIGTERM and requires a clean exit (tests/docs/service.py).
* ``<!-- docs-test: auth -->`` directly above a fence: the block runs against a second server
  started with ``--auth``, whose admin password is in ``QSTATION_ADMIN_PASSWORD``.
* ``<!-- docs-test: skip — reason -->`` directly above a fence skips the block, with the
  reason (e.g. a host name that stands for the reader's own). Nothing else skips a block.
* The blocks of one file run in order, sharing the servers (a block may use a user or a file
  an earlier block of its file made); the blocks of the auth server share one login.
"""

from __future__ import annotations

import configparser
import json
import os
import re
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.docs.blocks import PYTHON, SHELL, Block, all_blocks
from tests.support.servers import serve_process

pytestmark = pytest.mark.timeout(900)

CHECKED = frozenset({"json", "toml", "ini"})
SAMPLES = frozenset({"", "text", "txt", "output"})
BLOCK_TIMEOUT_S = 300
ADMIN_PASSWORD = "docs-admin-password"
_OFFICIAL = re.compile(
    r"^\s*(from|import)\s+(iqm\.(qiskit_iqm|cirq_iqm|iqm_client)|iqm_client)\b", re.MULTILINE
)
_LOCAL = re.compile(r"\b(127\.0\.0\.1|localhost):8000\b")
_HERE = Path(__file__).resolve().parent
_SHELL_PRELUDE = f"""
qstation() {{
  case "${{1:-}}" in
    serve|worker) "{sys.executable}" "{_HERE / "service.py"}" "$@" ;;
    *) command qstation "$@" ;;
  esac
}}
"""

BLOCKS = all_blocks()


@dataclass
class Place:
    """Where a kind of block runs: the server's folder, its URL, the environment."""

    folder: Path
    url: str
    env: dict[str, str]


def _env(folder: Path, home: Path, extra: dict[str, str]) -> dict[str, str]:
    keep = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("IQM_", "QSTATION_")) or k.startswith("QSTATION_TEST_")
    }
    bin_dir = str(Path(sys.executable).parent)
    db = f"sqlite:///{folder / '.qstation' / 'qstation.db'}"
    return {
        **keep,
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "PATH": f"{bin_dir}:{keep.get('PATH', '')}",
        "QSTATION_DATABASE_URL": db,
        "PYTHONUNBUFFERED": "1",
        **extra,
    }


def _place(tmp: Path, *extra: str, env: dict[str, str] | None = None) -> Iterator[Place]:
    folder, home = tmp / "work", tmp / "home"
    folder.mkdir()
    home.mkdir()
    with serve_process(folder / ".qstation", ("lattice-20", "star-5"), *extra, env=env) as url:
        yield Place(folder, url, _env(folder, home, env or {}))


@pytest.fixture(scope="module")
def plain(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Place]:
    """The server most blocks talk to: no authentication."""
    yield from _place(tmp_path_factory.mktemp("docs-plain"))


@pytest.fixture(scope="module")
def secured(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Place]:
    """The server of ``<!-- docs-test: auth -->`` blocks."""
    yield from _place(
        tmp_path_factory.mktemp("docs-auth"),
        "--auth",
        env={"QSTATION_ADMIN_PASSWORD": ADMIN_PASSWORD},
    )


def _python_for(text: str) -> str:
    if not _OFFICIAL.search(text):
        return sys.executable
    from tests.conformance.venvs import CLIENT_VERSIONS, VenvUnavailable, ensure_venv

    try:
        return str(ensure_venv(CLIENT_VERSIONS[-1]).python)
    except VenvUnavailable as err:  # no package index here: the official client cannot exist
        pytest.skip(f"the official iqm-client cannot be installed here: {err}")


def _run(block: Block, place: Place) -> None:
    text = _LOCAL.sub(place.url.removeprefix("http://"), block.text)
    if block.lang in SHELL:
        script = _LOCAL.sub(place.url.removeprefix("http://"), block.commands())
        cmd = ["bash", "-euo", "pipefail", "-c", _SHELL_PRELUDE + script]
    else:
        cmd = [_python_for(text), "-c", text]
    proc = subprocess.run(
        cmd,
        cwd=place.folder,
        env=place.env,
        capture_output=True,
        text=True,
        timeout=BLOCK_TIMEOUT_S,
        check=False,
    )
    if proc.returncode != 0:
        pytest.fail(
            f"{block.id} ({block.lang}) exited {proc.returncode}\n--- block ---\n"
            f"{block.text}--- stdout ---\n{proc.stdout[-4000:]}\n--- stderr ---\n"
            f"{proc.stderr[-4000:]}",
            pytrace=False,
        )


def _check_syntax(block: Block) -> None:
    if block.lang == "json":
        json.loads(block.text)
    elif block.lang == "toml":
        tomllib.loads(block.text)
    else:  # ini, as systemd units and setup.cfg files are written
        configparser.ConfigParser(strict=False, interpolation=None).read_string(block.text)


@pytest.mark.parametrize(
    "block", [b for b in BLOCKS if b.lang in SHELL | PYTHON | CHECKED], ids=lambda b: b.id
)
def test_block(block: Block, request: pytest.FixtureRequest) -> None:
    """The block runs (or parses) as written."""
    if block.skip:
        pytest.skip(block.skip)
    if block.lang in CHECKED:
        _check_syntax(block)
        return
    _run(block, request.getfixturevalue("secured" if block.auth else "plain"))


def test_every_block_has_a_known_language() -> None:
    """A block in a language this test neither runs nor checks must not pass unseen."""
    unknown = [
        f"{b.id}: ```{b.lang}" for b in BLOCKS if b.lang not in SHELL | PYTHON | CHECKED | SAMPLES
    ]
    assert not unknown, "teach tests/docs/test_docs.py these languages: " + ", ".join(unknown)


def test_the_documents_are_found() -> None:
    """README.md and docs/ are read (a moved file must not leave the test with nothing)."""
    names = {b.path.name for b in BLOCKS}
    assert {"README.md", "sdk.md", "deployment.md"} <= names
