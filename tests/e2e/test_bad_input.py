"""Input no client should send gets a 4xx with the standard body, on SQLite and PostgreSQL.

Out-of-range ids are 404, NUL characters and wrong types 400 (422 on the QaaS API), JSON
nested past the parsers' recursion 400 without a traceback, bodies in another format 415;
nothing here may answer 500 or a false 503.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.circuits import bell, job
from tests.support.postgres import fresh_database
from tests.support.qaas import QaasHarness, qaas_app

pytestmark = pytest.mark.timeout(120)

DEEP = b"[" * 1100 + b"]" * 1100
HUGE_IDS = (2**31, 2**63, 10**30)


@contextlib.contextmanager
def _database(kind: str) -> Iterator[str | None]:
    if kind == "sqlite":
        yield None
        return
    with fresh_database() as url:
        yield url


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def harness(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[QaasHarness]:
    with _database(request.param) as url, qaas_app(tmp_path, database_url=url) as running:
        yield running


def _qaas_headers(harness: QaasHarness, role: str = "member") -> dict[str, str]:
    from qstation.schemas.qaas_v1.auth import GRANT_TYPE, Assertion

    username, key = harness.keys[role]
    grant = {
        "grantType": GRANT_TYPE,
        "assertion": Assertion(username=username, api_key=key).encode(),
        "scope": "user",
    }
    reply = harness.http.post("/qaas/api/v1/authorisation-tokens", json=grant)
    assert reply.status_code == 201, reply.text
    return {"Authorization": f"Bearer {reply.json()['accessToken']}"}


def _is_qaas_error(reply: Any, status: int) -> None:
    assert reply.status_code == status, reply.text
    body = reply.json()
    assert body["status"] == status and body["detail"], body


def _is_iqm_error(reply: Any, status: int) -> None:
    assert reply.status_code == status, reply.text
    body = reply.json()
    assert body["message"] and body["error_code"] and body["source"] == "iqm-server", body


def test_out_of_range_ids_are_not_found(harness: QaasHarness) -> None:
    headers = _qaas_headers(harness)
    for big in HUGE_IDS:
        for method, path in (
            ("GET", f"/qaas/api/v1/jobs/{big}"),
            ("DELETE", f"/qaas/api/v1/jobs/{big}"),
            ("PUT", f"/qaas/api/v1/jobs/cancel/{big}"),
            ("GET", f"/qaas/api/v1/devices/{big}"),
            ("GET", f"/qaas/api/v1/users/{big}"),
            ("GET", f"/qaas/api/v1/runcards/{big}"),
        ):
            _is_qaas_error(harness.http.request(method, path, headers=headers), 404)


def test_out_of_range_numbers_in_bodies_are_refused(harness: QaasHarness) -> None:
    headers = _qaas_headers(harness)
    for big in HUGE_IDS:
        body = {"device_id": big, "number_shots": 10, "description": "x", "job_type": "circuit"}
        reply = harness.http.post("/qaas/api/v1/circuits", json=body, headers=headers)
        assert 400 <= reply.status_code < 500, reply.text
        reply = harness.http.get(f"/qaas/api/v1/jobs?page={big}", headers=headers)
        assert reply.status_code < 500, reply.text


def test_numbers_in_query_strings_are_plain_digits_in_range(harness: QaasHarness) -> None:
    # str.isdigit() takes "³" and "٣" too; int() refuses the first. Neither may answer 500.
    admin = harness.admin_headers
    for cursor in ("³", "٣", "-1", str(2**63), str(10**30)):
        reply = harness.http.get("/qstation/v1/jobs", params={"cursor": cursor}, headers=admin)
        _is_iqm_error(reply, 400)
    assert harness.http.get("/qstation/v1/jobs?cursor=12", headers=admin).status_code == 200
    headers = _qaas_headers(harness)
    for page in ("³", "٣", str(10**30)):
        reply = harness.http.get("/qaas/api/v1/jobs", params={"page": page}, headers=headers)
        _is_qaas_error(reply, 422)


def test_nul_characters_are_refused(harness: QaasHarness) -> None:
    headers = _qaas_headers(harness)
    card = {
        "name": "rc\u0000",
        "device_id": 1,
        "user_id": 1,
        "description": "d",
        "qililab_version": "0.1",
        "runcard": "e30=",
    }
    _is_qaas_error(harness.http.post("/qaas/api/v1/runcards", json=card, headers=headers), 422)
    _is_qaas_error(harness.http.get("/qaas/api/v1/runcards?name=a%00b", headers=headers), 422)
    user = {"username": "mallory", "password": "pass\u0000word-long"}
    _is_iqm_error(
        harness.http.post("/qstation/v1/users", json=user, headers=harness.admin_headers), 400
    )
    # A form body's NUL is percent-encoded.
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    token = harness.http.post("/qstation/v1/auth/token", headers=form,
                              content=b"grant_type=password&username=a%00b&password=x")
    _is_iqm_error(token, 400)
    # An escaped backslash before "u0000" is ordinary text, not a NUL character.
    card["name"] = "rc\\u0000"
    reply = harness.http.post("/qaas/api/v1/runcards", json=card, headers=headers)
    assert reply.status_code == 201, reply.text


def test_deeply_nested_json_is_refused_without_traceback(
    harness: QaasHarness, caplog: pytest.LogCaptureFixture
) -> None:
    http = harness.http
    json_type = {"Content-Type": "application/json"}
    with caplog.at_level(logging.INFO):
        _is_iqm_error(http.post("/qstation/v1/auth/token", content=DEEP, headers=json_type), 400)
        _is_iqm_error(
            http.post(
                "/api/v1/jobs/star-5/circuit",
                content=DEEP,
                headers={**json_type, **harness.admin_headers},
            ),
            400,
        )
        reply = http.post(
            "/qaas/api/v1/circuits", content=DEEP, headers={**json_type, **_qaas_headers(harness)}
        )
        _is_qaas_error(reply, 422)
    assert not [r for r in caplog.records if r.exc_info], "a traceback was logged"


def test_types_are_strict_and_bodies_are_json(harness: QaasHarness) -> None:
    http, admin = harness.http, harness.admin_headers
    body = job(bell("QB1", "QB3"), shots=100)
    body["shots"] = "100"
    reply = http.post("/api/v1/jobs/star-5/circuit", json=body, headers=admin)
    _is_iqm_error(reply, 400)
    assert "shots" in reply.json()["message"]
    text = {"Content-Type": "text/plain", **admin}
    _is_iqm_error(http.post("/api/v1/jobs/star-5/circuit", content=b"{}", headers=text), 415)
    _is_iqm_error(http.post("/qstation/v1/tokens", content=b"{}", headers=text), 415)
    reply = http.post(
        "/qaas/api/v1/circuits",
        content=b"{}",
        headers={**_qaas_headers(harness), "Content-Type": "text/plain"},
    )
    _is_qaas_error(reply, 415)
    qaas = {"device_id": "1", "number_shots": 10, "description": "x"}
    reply = http.post("/qaas/api/v1/circuits", json=qaas, headers=_qaas_headers(harness))
    _is_qaas_error(reply, 422)


def test_huge_token_lifetime_is_refused(harness: QaasHarness) -> None:
    for lifetime in (10**12, 10**30):
        reply = harness.http.post(
            "/qstation/v1/tokens", json={"expires_in": lifetime}, headers=harness.admin_headers
        )
        _is_iqm_error(reply, 400)
    reply = harness.http.post(
        "/qstation/v1/tokens", json={"expires_in": 3600}, headers=harness.admin_headers
    )
    assert reply.status_code == 201, reply.text
