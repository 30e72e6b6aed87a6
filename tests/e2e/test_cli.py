"""The ``qstation`` client commands against real servers over loopback."""

from __future__ import annotations

import contextlib
import json
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from qstation.cli.main import cli
from tests.e2e.test_sdk import bell
from tests.support.servers import free_port

pytestmark = pytest.mark.timeout(120)
ADMIN_PASSWORD = "admin-pass-1"
BELL_QASM = """OPENQASM 2.0;
include "qelib1.inc";
qreg q[2];
creg c[2];
h q[0];
cx q[0], q[1];
measure q -> c;
"""


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for var in (
        "IQM_TOKEN",
        "IQM_TOKENS_FILE",
        "IQM_AUTH_SERVER",
        "IQM_AUTH_USERNAME",
        "IQM_AUTH_PASSWORD",
        "IQM_SERVER_URL",
        "IQM_QUANTUM_COMPUTER",
    ):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))


def run(*args: str, code: int = 0, stdin: str | None = None) -> Result:
    result = CliRunner().invoke(cli, list(args), input=stdin)
    assert result.exit_code == code, (result.output, result.exception)
    return result


def test_qc_commands(server_url: str) -> None:
    listing = run("qc", "list", "--server", server_url).output
    assert "lattice-20" in listing and "star-5" in listing
    shown = run("qc", "show", "--server", server_url, "--qc", "lattice-20").output
    assert "lattice-20: 20 qubits" in shown
    assert "T1 µs" in shown and "QB20" in shown and "QB1 - QB2" in shown


def test_jobs_commands(server_url: str, tmp_path: Path) -> None:
    qasm = tmp_path / "bell.qasm"
    qasm.write_text(BELL_QASM)
    base = ("--server", server_url, "--qc", "lattice-20")
    out = run(
        "jobs", "submit", str(qasm), *base, "--shots", "500", "--wait", "--timeout", "90"
    ).output
    job_id = out.splitlines()[0]
    uuid.UUID(job_id)
    assert "completed" in out and "circuit 0 (c_0,c_1):" in out
    request = {"circuits": [bell().model_dump()], "shots": 200}
    as_json = tmp_path / "bell.json"
    as_json.write_text(json.dumps(request))
    second = run("jobs", "submit", str(as_json), *base).output.strip()
    waited = run("jobs", "wait", second, *base, "--timeout", "60").output
    assert "completed" in waited and "circuit 0 (m):" in waited
    assert second in run("jobs", "list", *base).output
    shown = run("jobs", "show", second, *base).output
    assert "iqm-server: created" in shown
    assert "completed" in run("jobs", "cancel", second, *base).output
    assert "deleted" in run("jobs", "delete", second, *base).output
    missing = run("jobs", "show", second, *base, code=4)
    assert "not found" in missing.output


def test_bad_input_exit_codes(server_url: str, tmp_path: Path) -> None:
    bad = tmp_path / "bad.qasm"
    bad.write_text("OPENQASM 2.0; qreg q[1]; ccx q[0], q[0], q[0];")
    result = run("jobs", "submit", str(bad), "--server", server_url, "--qc", "lattice-20", code=2)
    assert "not valid OpenQASM 2" in result.output or "unsupported gate" in result.output


@contextlib.contextmanager
def auth_server(data: Path) -> Iterator[str]:
    """The real app with auth on, served by uvicorn on loopback from a thread."""
    import uvicorn

    from qstation.server.app import create_app
    from qstation.server.config import Settings
    from qstation.store import migrate

    settings = Settings(data_dir=data, qc=["lattice-20"], auth=True, admin_password=ADMIN_PASSWORD)
    migrate.upgrade(settings.resolved_database_url())
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(settings), host="127.0.0.1", port=port, log_level="warning", access_log=False
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def test_auth_users_and_tokens(tmp_path: Path) -> None:
    with auth_server(tmp_path / "data") as url:
        wrong = run(
            "auth", "login", "--server", url, "--username", "admin", "--password", "nope", code=3
        )
        assert "invalid username or password" in wrong.output
        out = run(
            "auth", "login", "--server", url, "--username", "admin", "--password", ADMIN_PASSWORD
        ).output
        tokens_file = tmp_path / "config" / "qstation" / "tokens.json"
        assert str(tokens_file) in out and tokens_file.exists()
        status = run("auth", "status").output  # the server URL comes from the tokens file
        assert "as admin (admin)" in status and "access token: valid for" in status
        run("users", "add", "alice", "--password", "alice-pass-1")
        assert "alice" in run("users", "list").output
        created = run("tokens", "create", "--user", "alice", "--label", "ci")
        token = created.stdout.strip().splitlines()[-1]
        listed = run("jobs", "list", "--server", url, "--token", token)
        assert "STATUS" in listed.output
        tokens = run("tokens", "list", "--all").output
        assert "alice" in tokens and "api" in tokens and "ci" in tokens
        token_id = next(line.split()[0] for line in tokens.splitlines() if " ci " in line)
        run("tokens", "revoke", token_id)
        revoked = run("jobs", "list", "--server", url, "--token", token, code=3)
        assert "revoked" in revoked.output
        forbidden = run("users", "list", "--server", url, "--token", _alice_token(url), code=3)
        assert "admin" in forbidden.output
        run("users", "remove", "alice")
        assert "alice" not in run("users", "list").output
        assert "logged out" in run("auth", "logout").output
        assert not tokens_file.exists()
        assert "does not exist" in run("auth", "status", code=3).output


def _alice_token(url: str) -> str:
    from qstation.client.auth import login

    return login(url, "alice", "alice-pass-1").access_token


class _Stream:
    def __init__(self, tty: bool) -> None:
        self.lines: list[str] = []
        self.tty = tty

    def write(self, text: str) -> None:
        self.lines.append(text)

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return self.tty


def _job_data(job: str, status: str, **fields: Any) -> Any:
    from qstation.schemas.iqm_v1 import JobData

    return JobData.model_validate({"id": job, "status": status, **fields})


def test_progress_display_plain_lines() -> None:
    from qstation.cli._common import Progress

    stream, job = _Stream(tty=False), str(uuid.uuid4())
    why = {"source": "iqm-server", "message": "a timeslot holds lattice-20 until 10:00"}
    running = {"progress": {"circuits": {"value": 1, "max_value": 3}}}
    with Progress(job, stream=stream) as progress:
        progress.update(_job_data(job, "waiting", queue_position=2, messages=[why]))
        progress.update(_job_data(job, "waiting", queue_position=2, messages=[why]))
        progress.update(_job_data(job, "processing", execution=running))
        progress.update(_job_data(job, "completed"))
    text = "".join(stream.lines)
    assert text.count("waiting, position 2 in queue (a timeslot holds lattice-20") == 1
    assert "processing, 1/3 circuits" in text and "completed" in text
    assert " s]" in text  # the time spent


def test_progress_marks_a_failure_as_a_failure() -> None:
    from qstation.cli._common import Progress

    stream, job = _Stream(tty=True), str(uuid.uuid4())
    with Progress(job, stream=stream) as progress:
        progress.update(_job_data(job, "failed"))
    assert "✗" in stream.lines[-1] and "✓" not in "".join(stream.lines)
    stream = _Stream(tty=True)
    with Progress(job, stream=stream) as progress:
        progress.update(_job_data(job, "completed"))
    assert "✓" in stream.lines[-1]


def test_usage_command(server_url: str) -> None:
    result = run("usage", "--server", server_url, "--qc", "lattice-20")
    assert "QPU S TOTAL" in result.output
    assert "limits: queued jobs" in result.output


def test_cut_counts_say_so_and_all_lists_them(server_url: str, tmp_path: Path) -> None:
    qasm = tmp_path / "uniform.qasm"
    qasm.write_text(
        'OPENQASM 2.0;\ninclude "qelib1.inc";\nqreg q[5];\ncreg c[5];\nh q;\nmeasure q -> c;\n'
    )
    base = ("--server", server_url, "--qc", "lattice-20")
    out = run("jobs", "submit", str(qasm), *base, "--shots", "2000", "--wait").output
    job_id = out.splitlines()[0]
    line = next(x for x in out.splitlines() if x.startswith("circuit 0"))
    assert line.count(":") == 16 + 1 and "more outcomes" in line and "--all" in line
    everything = run("jobs", "show", job_id, *base, "--all").output
    line = next(x for x in everything.splitlines() if x.startswith("circuit 0"))
    assert "more outcomes" not in line and line.count(":") > 17


def test_cli_hints_name_the_cli_flag(server_url: str) -> None:
    out = run("qc", "show", "--server", server_url, code=2).output
    assert "--qc" in out and "quantum_computer=" not in out
