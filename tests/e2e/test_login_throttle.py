"""Guessing credentials is throttled per account and per client address, then answered 429.

The backoff is configured short so the owner's wait after an attack stays brief; nothing
here measures time: the counts of refused (401) and throttled (429) answers are checked.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from qstation.schemas.qaas_v1.auth import GRANT_TYPE, Assertion
from tests.support.qaas import QaasHarness, qaas_app

pytestmark = pytest.mark.timeout(180)

TOKEN = "/qstation/v1/auth/token"
QAAS_LOGIN = "/qaas/api/v1/authorisation-tokens"
FREE, FREE_PER_ADDRESS = 5, 12


@pytest.fixture()
def harness(tmp_path: Path) -> Iterator[QaasHarness]:
    with qaas_app(
        tmp_path,
        login_free_failures=FREE,
        login_free_failures_per_address=FREE_PER_ADDRESS,
        login_backoff_s=1.0,
        login_backoff_max_s=2.0,
    ) as running:
        yield running


def _password(http: Any, username: str, password: str) -> Any:
    grant = {"grant_type": "password", "username": username, "password": password}
    return http.post(TOKEN, json=grant)


def _throttled(reply: Any) -> bool:
    if reply.status_code != 429:
        assert reply.status_code == 401, reply.text
        return False
    assert int(reply.headers["Retry-After"]) >= 1
    return True


def _after_backoff(call: Any) -> Any:
    """The owner's way back in: wait as told by Retry-After, then try again."""
    for _ in range(5):
        reply = call()
        if reply.status_code != 429:
            return reply
        time.sleep(int(reply.headers["Retry-After"]))
    raise AssertionError("still throttled after five waits")


def test_a_thousand_wrong_passwords_are_throttled_and_the_owner_gets_back_in(
    harness: QaasHarness,
) -> None:
    http = harness.http
    replies = [_password(http, "alice", f"guess-{i:04d}") for i in range(1000)]
    throttled = [_throttled(r) for r in replies]
    assert throttled[:FREE] == [False] * FREE  # the free failures are plain 401s
    assert throttled[FREE], "the guess after the free failures must be throttled"
    # A lockout lets one more guess through when it ends and then doubles: at most a
    # handful of the 1,000 guesses reached the password check.
    assert throttled.count(False) <= FREE + 6, throttled.count(False)
    body = replies[FREE].json()
    assert body["error_code"] == "TOO_MANY_LOGIN_ATTEMPTS" and body["source"] == "iqm-server"
    ok = _after_backoff(lambda: _password(http, "alice", "alice-password"))
    assert ok.status_code == 200, ok.text
    # Success cleared the counts: the owner's next typo is a plain 401 again.
    assert _password(http, "alice", "typo").status_code == 401


def test_success_resets_and_each_address_is_limited(harness: QaasHarness) -> None:
    http = harness.http
    for _ in range(3):
        for i in range(FREE - 1):
            assert _password(http, "bob", f"nope-{i}").status_code == 401
        assert _password(http, "bob", "bob-password").status_code == 200
    # Many accounts from one address: the address is locked after its own free failures.
    replies = [_password(http, f"user{i}", "wrong-password") for i in range(FREE_PER_ADDRESS)]
    assert [r.status_code for r in replies] == [401] * FREE_PER_ADDRESS
    assert _throttled(_password(http, "carol", "carol-password"))
    refresh = {"grant_type": "refresh_token", "refresh_token": "not-a-token"}
    assert _throttled(http.post(TOKEN, json=refresh))


def _qaas_login(http: Any, username: str, key: str) -> Any:
    assertion = Assertion(username=username, api_key=key).encode()
    return http.post(
        QAAS_LOGIN, json={"grantType": GRANT_TYPE, "assertion": assertion, "scope": "user"}
    )


def test_api_key_logins_and_refreshes_are_throttled(harness: QaasHarness) -> None:
    http = harness.http
    username, key = harness.keys["user"]
    statuses = [_qaas_login(http, username, f"qaas_1_wrong{i}").status_code for i in range(50)]
    assert statuses[:FREE] == [401] * FREE and statuses[FREE] == 429
    assert statuses.count(401) <= FREE + 2
    throttled = _qaas_login(http, username, key)
    assert throttled.status_code == 429 and int(throttled.headers["Retry-After"]) >= 1
    assert throttled.json()["status"] == 429  # the QaaS error body
    ok = _after_backoff(lambda: _qaas_login(http, username, key))
    assert ok.status_code == 201, ok.text
    bad = {"Authorization": "Bearer not-a-refresh-token"}
    statuses = [
        http.post(f"{QAAS_LOGIN}/refresh", headers=bad).status_code
        for _ in range(FREE_PER_ADDRESS + 1)
    ]
    assert statuses[:FREE_PER_ADDRESS] == [401] * FREE_PER_ADDRESS and statuses[-1] == 429
