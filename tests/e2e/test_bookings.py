"""Timeslots end to end: admins book windows; only the booked user's timeslot jobs run in
them, the FIFO queue waits meanwhile, and waiting jobs say why they wait."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.e2e.test_permissions import PASSWORDS
from tests.support.circuits import bell, job
from tests.support.qaas import QaasHarness, qaas_app

pytestmark = pytest.mark.timeout(120)
SUBMIT = "/api/v1/jobs/star-5/circuit"


@pytest.fixture()
def world(tmp_path: Any) -> Iterator[tuple[QaasHarness, dict[str, dict[str, str]]]]:
    with qaas_app(tmp_path) as harness:
        tokens = {}
        for role, (username, password) in PASSWORDS.items():
            grant = {"grant_type": "password", "username": username, "password": password}
            reply = harness.http.post("/qstation/v1/auth/token", json=grant).json()
            tokens[role] = {"Authorization": f"Bearer {reply['access_token']}"}
        yield harness, tokens


def _window(start_in: float, length: float, user: str = "alice") -> dict[str, Any]:
    start = datetime.now(UTC) + timedelta(seconds=start_in)
    return {
        "quantum_computer": "star-5",
        "username": user,
        "starts_at": start.isoformat(),
        "ends_at": (start + timedelta(seconds=length)).isoformat(),
    }


def _submit(h: QaasHarness, auth: dict[str, str], timeslot: bool) -> str:
    reply = h.http.post(
        f"{SUBMIT}?use_timeslot={str(timeslot).lower()}",
        json=job(bell("QB1", "QB3"), shots=20),
        headers=auth,
    )
    assert reply.status_code == 200, reply.text
    return str(reply.json()["id"])


def _get(h: QaasHarness, auth: dict[str, str], job_id: str) -> dict[str, Any]:
    data: dict[str, Any] = h.http.get(f"/api/v1/jobs/{job_id}", headers=auth).json()
    return data


def _wait(h: QaasHarness, auth: dict[str, str], job_id: str, timeout: float = 30) -> str:
    reply = h.http.get(
        f"/qstation/v1/jobs/{job_id}/wait", params={"timeout": timeout}, headers=auth
    )
    return str(reply.json()["status"])


def _stays_waiting(h: QaasHarness, auth: dict[str, str], job_id: str, for_s: float) -> None:
    deadline = time.monotonic() + for_s
    while time.monotonic() < deadline:
        assert _get(h, auth, job_id)["status"] == "waiting"
        time.sleep(0.2)


def test_timeslot_job_waits_for_its_window_and_fifo_waits_during_it(world: Any) -> None:
    h, tok = world
    alice, carol, admin = tok["user"], tok["other"], tok["admin"]
    slot_job = _submit(h, alice, timeslot=True)
    data = _get(h, alice, slot_job)
    assert data["queue_position"] == 0
    assert any("has no booking on star-5" in m["message"] for m in data["messages"])
    # Outside any window of alice's, her timeslot job waits while FIFO jobs run.
    assert _wait(h, carol, _submit(h, carol, timeslot=False)) == "completed"
    _stays_waiting(h, alice, slot_job, 1.5)
    # A future window is announced to the waiting job.
    future = h.http.post("/qstation/v1/bookings", json=_window(3600, 600), headers=admin)
    assert future.status_code == 201, future.text
    assert any(
        "next timeslot on star-5" in m["message"] for m in _get(h, alice, slot_job)["messages"]
    )
    # An open window runs alice's timeslot job; carol's FIFO jobs wait, with the reason.
    now = h.http.post("/qstation/v1/bookings", json=_window(-1, 600), headers=admin).json()
    assert now["active"] is True
    assert _wait(h, alice, slot_job) == "completed"
    fifo = [_submit(h, carol, timeslot=False) for _ in range(2)]
    assert [_get(h, carol, j)["queue_position"] for j in fifo] == [0, 1]
    assert any(
        "booked for a timeslot until" in m["message"] for m in _get(h, carol, fifo[0])["messages"]
    )
    _stays_waiting(h, carol, fifo[1], 1.5)
    # Another user's timeslot jobs do not run in alice's window either.
    carol_slot = _submit(h, carol, timeslot=True)
    # Removing the window lets the FIFO queue run again.
    assert h.http.delete(f"/qstation/v1/bookings/{now['id']}", headers=admin).status_code == 204
    assert [_wait(h, carol, j) for j in fifo] == ["completed", "completed"]
    assert _get(h, carol, carol_slot)["status"] == "waiting"


def test_queue_positions_of_timeslot_jobs_count_only_the_owners(world: Any) -> None:
    h, tok = world
    alice, carol = tok["user"], tok["other"]
    a1, c1, a2 = (_submit(h, alice, True), _submit(h, carol, True), _submit(h, alice, True))
    assert [
        _get(h, t, j)["queue_position"] for t, j in ((alice, a1), (carol, c1), (alice, a2))
    ] == [0, 0, 1]


def test_booking_rules(world: Any) -> None:
    h, tok = world
    admin = tok["admin"]
    first = h.http.post("/qstation/v1/bookings", json=_window(600, 600), headers=admin)
    assert first.status_code == 201
    overlap = h.http.post("/qstation/v1/bookings", json=_window(900, 600, "bob"), headers=admin)
    assert overlap.status_code == 409 and overlap.json()["error_code"] == "BOOKING_OVERLAPS"
    past = h.http.post("/qstation/v1/bookings", json=_window(-600, 60), headers=admin)
    assert past.status_code == 400
    nobody = h.http.post("/qstation/v1/bookings", json=_window(3600, 60, "nobody"), headers=admin)
    assert nobody.status_code == 404
    naive = {**_window(7200, 60), "starts_at": "2999-01-01T00:00:00"}
    assert h.http.post("/qstation/v1/bookings", json=naive, headers=admin).status_code == 400
    listed = h.http.get("/qstation/v1/bookings", params={"username": "alice"}, headers=admin).json()
    assert [b["id"] for b in listed] == [first.json()["id"]]
    assert h.http.get("/qstation/v1/bookings", headers=tok["user"]).status_code == 403
    assert h.http.delete("/qstation/v1/bookings/nope", headers=admin).status_code == 404


def test_bookings_cli(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.e2e.test_cli import ADMIN_PASSWORD, auth_server, run

    for var in ("IQM_TOKEN", "IQM_TOKENS_FILE", "IQM_SERVER_URL", "IQM_QUANTUM_COMPUTER"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    with auth_server(tmp_path / "data") as url:
        run("auth", "login", "--server", url, "--username", "admin", "--password", ADMIN_PASSWORD)
        run("users", "add", "alice", "--password", "alice-pass-1")
        added = run(
            "bookings",
            "add",
            "alice",
            "--qc",
            "lattice-20",
            "--start",
            "2999-01-01T10:00:00",
            "--duration",
            "2h",
            "--note",
            "calibration",
        ).output
        booking_id = added.strip().splitlines()[-1]
        assert "2999-01-01T10:00:00+00:00 to 2999-01-01T12:00:00+00:00" in added
        listed = run("bookings", "list", "--all-qcs").output
        assert booking_id in listed and "alice" in listed and "calibration" in listed
        clash = run(
            "bookings",
            "add",
            "alice",
            "--qc",
            "lattice-20",
            "--start",
            "2999-01-01T11:00:00",
            "--end",
            "2999-01-01T13:00:00",
            code=2,
        )
        assert "already booked" in clash.output
        run("bookings", "remove", booking_id)
        assert booking_id not in run("bookings", "list", "--qc", "lattice-20").output
        assert "not found" in run("bookings", "remove", booking_id, code=4).output
