"""The QaaS API's exact wire shapes and status codes (spec sections 3-11), over raw HTTP."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from typing import Any

import pytest

from qstation.schemas.qaas_v1 import GRANT_TYPE, Assertion, compress, decompress
from tests.support.qaas import BELL_QASM, QaasHarness, qaas_app

pytestmark = pytest.mark.timeout(120)
API = "/qaas/api/v1"


@pytest.fixture(scope="module")
def harness(tmp_path_factory: pytest.TempPathFactory) -> Iterator[QaasHarness]:
    with qaas_app(tmp_path_factory.mktemp("qaas-wire"), qaas_page_size=2) as running:
        yield running


def login(harness: QaasHarness, role: str) -> dict[str, Any]:
    username, key = harness.keys[role]
    body = {
        "grantType": GRANT_TYPE,
        "scope": "user profile",
        "assertion": Assertion(username=username, api_key=key).encode(),
    }
    reply = harness.http.post(f"{API}/authorisation-tokens", json=body)
    assert reply.status_code == 201, reply.text
    tokens: dict[str, Any] = reply.json()
    return tokens


def bearer(tokens: dict[str, Any]) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens['accessToken']}"}


def claims(token: str) -> dict[str, Any]:
    payload = token.split(".")[1]
    data: dict[str, Any] = json.loads(base64.urlsafe_b64decode(payload + "=" * 4))
    return data


def test_ping_and_token_shapes(harness: QaasHarness) -> None:
    assert harness.http.get("/qaas/status").json() == "OK"
    tokens = login(harness, "member")
    assert set(tokens) == {"accessToken", "refreshToken", "tokenType", "expiresIn", "issuedAt"}
    assert tokens["tokenType"] == "bearer" and isinstance(tokens["expiresIn"], int)
    seen = claims(tokens["accessToken"])
    assert isinstance(seen["user_id"], int) and seen["user_role"] == "member"
    refreshed = harness.http.post(
        f"{API}/authorisation-tokens/refresh",
        json={},
        headers={"Authorization": f"Bearer {tokens['refreshToken']}"},
    )
    assert refreshed.status_code == 201 and set(refreshed.json()) == set(tokens)
    assert harness.http.get(f"{API}/devices", headers=bearer(refreshed.json())).status_code == 200


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer nonsense"}])
def test_unauthenticated_calls_get_401_with_json_detail(
    harness: QaasHarness, headers: dict[str, str]
) -> None:
    reply = harness.http.get(f"{API}/jobs/1", headers=headers)
    assert reply.status_code == 401
    body = reply.json()
    assert set(body) == {"title", "status", "detail"} and body["status"] == 401
    assert "does not exist" not in body["detail"]  # so clients refresh instead of giving up


def test_bad_logins_and_refresh_tokens(harness: QaasHarness) -> None:
    bad = Assertion(username="alice", api_key="qaas_1_nope").encode()
    reply = harness.http.post(
        f"{API}/authorisation-tokens",
        json={"grantType": GRANT_TYPE, "assertion": bad, "scope": "x"},
    )
    assert reply.status_code == 401 and reply.json()["detail"] == "Invalid username or api key"
    access = login(harness, "user")["accessToken"]
    reply = harness.http.post(
        f"{API}/authorisation-tokens/refresh",
        json={},
        headers={"Authorization": f"Bearer {access}"},
    )
    assert reply.status_code == 401  # an access token is not a refresh token


def test_pagination_envelope(harness: QaasHarness) -> None:
    auth = bearer(login(harness, "user"))
    first = harness.http.get(f"{API}/devices", headers=auth).json()
    assert first["total"] == 3 and first["per_page"] == 2 and len(first["items"]) == 2
    assert first["links"]["next"] == f"http://testserver{API}/devices?page=2&per_page=2"
    assert "page=None" in first["links"]["prev"]
    last = harness.http.get(first["links"]["next"], headers=auth).json()
    assert [d["id"] for d in last["items"]] == [3]
    assert isinstance(last["links"]["next"], str) and "None" in last["links"]["next"]
    reply = harness.http.get(f"{API}/jobs", params={"favourites": "maybe"}, headers=auth)
    assert reply.status_code == 422
    for flag in ("False", "true", "TRUE"):
        listing = harness.http.get(f"{API}/jobs", params={"favourites": flag}, headers=auth)
        assert listing.status_code == 200 and "links" in listing.json()


def test_job_life_cycle_status_codes_and_encodings(harness: QaasHarness) -> None:
    auth = bearer(login(harness, "user"))
    description = compress([BELL_QASM])
    body = {
        "user_id": 12345,
        "device_id": 1,
        "number_shots": 100,
        "job_type": "circuit",
        "description": description,
        "name": "-",
        "summary": "-",
    }
    created = harness.http.post(f"{API}/circuits", json=body, headers=auth)
    assert created.status_code == 201 and isinstance(created.json()["job_id"], int)
    job_id = created.json()["job_id"]
    detail = harness.http.get(f"{API}/jobs/{job_id}", headers=auth).json()
    required = {
        "job_id",
        "user_id",
        "device_id",
        "status",
        "job_type",
        "queue_position",
        "number_shots",
        "description",
        "result",
        "name",
        "summary",
    }
    assert required <= set(detail) and detail["description"] == description
    assert detail["user_id"] == claims(auth["Authorization"][7:])["user_id"]  # not the body's
    for _ in range(300):
        detail = harness.http.get(f"{API}/jobs/{job_id}", headers=auth).json()
        if detail["status"] == "completed":
            break
    (result,) = decompress(detail["result"])
    assert set(result) >= {
        "probabilities",
        "counts",
        "samples",
        "final_state",
        "final_state_probabilities",
    }
    assert sum(result["counts"].values()) == 100
    listing = harness.http.get(f"{API}/jobs", headers=auth).json()["items"]
    assert listing[0]["id"] == job_id and "description" not in listing[0]
    cancel = harness.http.put(f"{API}/jobs/cancel/{job_id}", json={"job_id": job_id}, headers=auth)
    assert cancel.status_code == 409  # already completed
    assert harness.http.delete(f"{API}/jobs/{job_id}", headers=auth).status_code == 204
    for method in ("GET", "DELETE"):
        gone = harness.http.request(method, f"{API}/jobs/{job_id}", headers=auth)
        assert gone.status_code == 404 and "does not exist" in gone.json()["detail"]


def test_validation_errors_are_422_never_400(harness: QaasHarness) -> None:
    auth = bearer(login(harness, "user"))
    cases: list[dict[str, Any]] = [
        {"device_id": 1, "description": "not an envelope", "job_type": "circuit"},
        {
            "device_id": 1,
            "description": compress(["OPENQASM 2.0;\nqreg q[1];\n"]),
            "number_shots": 0,
        },
        {"device_id": 1, "description": compress(["x"]), "job_type": "teleportation"},
        {"description": compress([BELL_QASM])},
    ]
    for body in cases:
        reply = harness.http.post(f"{API}/circuits", json=body, headers=auth)
        assert reply.status_code == 422, (body, reply.text)
        assert isinstance(reply.json()["detail"], str)
    assert harness.http.get(f"{API}/jobs/abc", headers=auth).status_code == 422
    # IQM routes keep IQM's error body.
    iqm = harness.http.get("/api/v1/jobs/not-a-uuid", headers=harness.admin_headers).json()
    assert iqm["error_code"] == "JOB_NOT_FOUND"


def test_device_status_is_admin_only(harness: QaasHarness) -> None:
    user, admin = bearer(login(harness, "user")), bearer(login(harness, "admin"))
    denied = harness.http.put(f"{API}/devices/2", json={"status": "maintenance"}, headers=user)
    assert denied.status_code == 403 and "administrators" in denied.json()["detail"]
    changed = harness.http.put(f"{API}/devices/2", json={"status": "maintenance"}, headers=admin)
    assert changed.status_code == 200 and changed.json()["status"] == "maintenance"
    back = harness.http.put(f"{API}/devices/2", json={"status": "online"}, headers=admin)
    assert back.json()["status"] == "online"
    assert (
        harness.http.put(f"{API}/devices/2", json={"status": "asleep"}, headers=admin).status_code
        == 422
    )
    missing = harness.http.get(f"{API}/devices/999", headers=user)
    assert missing.status_code == 404 and missing.json()["detail"] == "Device 999 does not exist"


@pytest.mark.parametrize(
    ("path", "field", "value", "decoded"),
    [
        ("runcards", "runcard", base64.urlsafe_b64encode(b'{"a": 1}').decode(), {"a": 1}),
        ("calibrations", "calibration", base64.urlsafe_b64encode(b"!Cal\nx: 1\n").decode(), None),
    ],
)
def test_record_crud(harness: QaasHarness, path: str, field: str, value: str, decoded: Any) -> None:
    auth = bearer(login(harness, "member"))
    body = {
        "name": f"{path}-1",
        field: value,
        "device_id": 1,
        "user_id": 7,
        "description": "d",
        "qililab_version": "0.27.0",
    }
    created = harness.http.post(f"{API}/{path}", json=body, headers=auth)
    assert created.status_code == 201
    record = created.json()
    record_id = record[f"{field}_id"]
    assert {"created_at", "updated_at"} <= set(record) and record[field] == value
    assert harness.http.get(f"{API}/{path}/{record_id}", headers=auth).json() == record
    by_name = harness.http.get(f"{API}/{path}/by_keys", params={"name": f"{path}-1"}, headers=auth)
    assert by_name.json()[f"{field}_id"] == record_id
    updated = harness.http.put(
        f"{API}/{path}/{record_id}", json={**body, "description": "e"}, headers=auth
    )
    assert updated.status_code == 200 and updated.json()["description"] == "e"
    listing = harness.http.get(f"{API}/{path}", headers=auth).json()
    assert record_id in [r[f"{field}_id"] for r in listing["items"]]
    assert harness.http.delete(f"{API}/{path}/{record_id}", headers=auth).status_code == 204
    gone = harness.http.get(f"{API}/{path}/{record_id}", headers=auth)
    assert gone.status_code == 404 and "does not exist" in gone.json()["detail"]
    bad = harness.http.post(f"{API}/{path}", json={**body, field: "%%%"}, headers=auth)
    assert bad.status_code == 422
    nowhere = harness.http.post(f"{API}/{path}", json={**body, "device_id": 42}, headers=auth)
    assert nowhere.status_code == 404
