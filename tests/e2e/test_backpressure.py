"""Load shedding on a real ``qstation serve``: submissions past the limit get 429 at once,
with ``Retry-After``, and nothing of them is stored; reads are never shed."""

from __future__ import annotations

import json
import socket
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from tests.support.circuits import bell, job
from tests.support.servers import serve_process

pytestmark = [pytest.mark.timeout(120)]
SUBMIT = "/api/v1/jobs/star-5/circuit?use_timeslot=false"


def test_submission_past_the_limit_is_shed_with_retry_after(tmp_path: Path) -> None:
    body = json.dumps(job(bell("QB1", "QB3"), shots=10)).encode()
    env = {"QSTATION_MAX_CONCURRENT_SUBMISSIONS": "1"}
    with serve_process(tmp_path / "data", ("star-5",), env=env) as url:
        parts = urlsplit(url)
        # A submission whose body is still arriving holds the one place in flight.
        slow = socket.create_connection((parts.hostname, parts.port), timeout=30)
        slow.sendall(
            f"POST {SUBMIT} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n".encode()
            + body[:10]
        )
        with httpx.Client(base_url=url, timeout=30) as client:
            shed = None
            for _ in range(50):  # until the server has the slow request's headers
                shed = client.post(
                    SUBMIT, content=body, headers={"Content-Type": "application/json"}
                )
                if shed.status_code == 429:
                    break
                assert shed.status_code == 200
            assert shed is not None and shed.status_code == 429
            assert shed.headers["Retry-After"] == "1"
            assert shed.json()["error_code"] == "SERVER_BUSY"
            stored_before = len(client.get("/qstation/v1/jobs").json()["items"])
            # Reads are not shed while the submission is in flight.
            assert client.get("/qstation/v1/health").status_code == 200
            slow.sendall(body[10:])
            reply = slow.recv(65536).decode()
            assert reply.startswith("HTTP/1.1 200"), reply[:200]
            slow.close()
            # The place is free again, and only the accepted submissions were stored.
            assert (
                client.post(
                    SUBMIT, content=body, headers={"Content-Type": "application/json"}
                ).status_code
                == 200
            )
            assert len(client.get("/qstation/v1/jobs").json()["items"]) == stored_before + 2
