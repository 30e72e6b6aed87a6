"""A tour of the command line's mistakes, as a new user makes them.

Each step runs the real ``qstation`` executable in a fresh folder and checks one line
``error: <what> — <fix>``, the exit code of its class, and that no traceback is printed.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.servers import free_port, serve_process, serve_process_handle

pytestmark = pytest.mark.timeout(300)
QSTATION = str(Path(sys.executable).parent / "qstation")
ADMIN_PASSWORD = "tour-admin-password"


def qstation(*args: str, cwd: Path, code: int, env: dict[str, str] | None = None) -> str:
    """Run ``qstation ARGS``; return stdout + stderr after checking the exit code and style."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("IQM_", "QSTATION_"))}
    proc = subprocess.run(
        [QSTATION, *args],
        cwd=cwd,
        env={**clean, "HOME": str(cwd), **(env or {})},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    out = proc.stdout + proc.stderr
    assert proc.returncode == code, out
    assert "Traceback" not in out and "Exception ignored" not in out, out
    if code:
        errors = [line for line in proc.stderr.splitlines() if line.startswith("error: ")]
        assert len(errors) == 1 and " — " in errors[0], proc.stderr
    return out


def _qasm(folder: Path, n: int) -> Path:
    """An n-qubit GHZ program."""
    lines = ["OPENQASM 2.0;", 'include "qelib1.inc";', f"qreg q[{n}];", f"creg c[{n}];", "h q[0];"]
    lines += [f"cx q[{i}], q[{i + 1}];" for i in range(n - 1)] + ["measure q -> c;"]
    path = folder / f"ghz{n}.qasm"
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture()
def folder(tmp_path: Path) -> Path:
    return tmp_path


def test_unknown_device_lists_the_known_ones(folder: Path) -> None:
    out = qstation("serve", "--qc", "ring-8", "--port", str(free_port()), cwd=folder, code=2)
    assert "unknown device 'ring-8'" in out and "lattice-20" in out
    assert "QSTATION_DEVICE_PATH" in out and "qstation ready" not in out
    assert not (folder / ".qstation").exists()  # nothing created for a server that never ran


def test_busy_port_is_refused_before_serving(folder: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        out = qstation("serve", "--port", str(port), cwd=folder, code=9)
    assert f"port {port} on 127.0.0.1 is already in use" in out and "--port" in out
    assert "qstation ready" not in out and "serving" not in out
    assert not (folder / ".qstation").exists()


def test_unreachable_and_unmigrated_databases(folder: Path) -> None:
    dead = f"postgresql://qstation:secret@127.0.0.1:{free_port()}/qstation"
    out = qstation("worker", "--database-url", dead, cwd=folder, code=8)
    assert "cannot reach the database" in out and "secret" not in out
    missing = f"sqlite:///{folder / 'nowhere.db'}"
    out = qstation("worker", "--database-url", missing, cwd=folder, code=8)
    assert "there is no qstation database" in out and not (folder / "nowhere.db").exists()
    (folder / "empty.db").touch()
    out = qstation(
        "worker", "--database-url", f"sqlite:///{folder / 'empty.db'}", cwd=folder, code=8
    )
    assert "qstation db upgrade" in out


def test_wrong_database_role() -> None:
    base = os.environ.get("QSTATION_TEST_POSTGRES_URL")
    if not base:
        pytest.skip("QSTATION_TEST_POSTGRES_URL is not set")
    from sqlalchemy.engine import make_url

    wrong = make_url(base).set(username="no_such_role", password="x")
    url = wrong.render_as_string(hide_password=False)
    out = qstation("db", "upgrade", "--database-url", url, cwd=Path.cwd(), code=8)
    assert "role 'no_such_role'" in out and "createuser" in out


def test_calibration_outside_the_server_folder_creates_nothing(folder: Path) -> None:
    out = qstation("calibration", "list", "--qc", "lattice-20", cwd=folder, code=8)
    assert "there is no qstation database" in out and "--data-dir" in out
    assert not (folder / ".qstation").exists()


def test_missing_server_is_named(folder: Path) -> None:
    out = qstation(
        "qc", "list", cwd=folder, code=7, env={"QSTATION_DATA_DIR": str(folder / "gone")}
    )
    assert (
        "cannot reach the qstation server at http://127.0.0.1:8000" in out
        or "qstation serve" in out
    )
    record = folder / "data"
    record.mkdir()
    port = free_port()
    (record / "server.json").write_text(json.dumps({"url": f"http://127.0.0.1:{port}"}))
    out = qstation("qc", "list", cwd=folder, code=7, env={"QSTATION_DATA_DIR": str(record)})
    assert f"cannot reach the qstation server at http://127.0.0.1:{port}" in out
    assert "qstation serve" in out


@pytest.fixture(scope="module")
def local(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A folder where `qstation serve --auth` runs: client commands there find it."""
    work = tmp_path_factory.mktemp("tour")
    with serve_process(
        work / ".qstation",
        ("lattice-20", "star-5"),
        "--auth",
        env={"QSTATION_ADMIN_PASSWORD": ADMIN_PASSWORD},
    ):
        yield work


def test_wrong_password_then_the_job_mistakes(local: Path) -> None:
    out = qstation(
        "auth",
        "login",
        "--username",
        "admin",
        "--password",
        "nope",
        "--server",
        json.loads((local / ".qstation" / "server.json").read_text())["url"],
        cwd=local,
        code=3,
    )
    assert "invalid username or password" in out and "check the user name and password" in out
    out = qstation("qc", "list", cwd=local, code=3)  # not logged in yet
    assert "qstation auth login" in out
    url = json.loads((local / ".qstation" / "server.json").read_text())["url"]
    qstation(
        "auth",
        "login",
        "--server",
        url,
        "--username",
        "admin",
        "--password",
        ADMIN_PASSWORD,
        cwd=local,
        code=0,
    )
    for name in ("ci-robot", "ci_robot", "first-last@example.org"):
        qstation("users", "add", name, "--password", "robot-pass-1", cwd=local, code=0)
    out = qstation("users", "add", "-bad", "--password", "robot-pass-1", cwd=local, code=2)
    bad = qstation("users", "add", "bad name", "--password", "robot-pass-1", cwd=local, code=2)
    assert "letters, digits and . _ - @ + =" in bad
    ghz3 = str(_qasm(local, 3))
    out = qstation("jobs", "submit", ghz3, "--qc", "star-5", "--shots", "0", cwd=local, code=2)
    assert "--shots" in out
    wide = str(_qasm(local, 25))
    out = qstation("jobs", "submit", wide, "--qc", "lattice-20", cwd=local, code=2)
    assert "the device has 20 qubits" in out and "--qc" in out
    out = qstation("jobs", "show", str(uuid.uuid4()), "--qc", "lattice-20", cwd=local, code=4)
    assert "not found" in out and "qstation jobs list" in out
    out = qstation("jobs", "submit", ghz3, "--qc", "nope", cwd=local, code=4)
    assert "lattice-20" in out and "star-5" in out  # the hosted ones are listed
    # a 3-qubit GHZ on the star: mapped onto the chip's couplings, it runs
    out = qstation(
        "jobs",
        "submit",
        ghz3,
        "--qc",
        "star-5",
        "--shots",
        "200",
        "--wait",
        "--timeout",
        "120",
        cwd=local,
        code=0,
    )
    assert "completed" in out and "circuit 0 (c_0,c_1,c_2):" in out


def test_serve_and_worker_announce_and_stop_cleanly(tmp_path: Path) -> None:
    with serve_process_handle(tmp_path / "data", ("star-5",)) as (url, proc):
        record = json.loads((tmp_path / "data" / "server.json").read_text())
        assert record["url"] == url
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
    port = url.rsplit(":", 1)[1]
    log = (tmp_path / f"serve-{port}.log").read_text()
    assert log.count("qstation ready on ") == 1 and f":{port}: star-5; database" in log
    assert log.rstrip().endswith("qstation stopped")
    assert "Traceback" not in log and "Exception ignored" not in log
    assert not (tmp_path / "data" / "server.json").exists()
