"""Login throttling: after a few wrong credentials, an account and an address must wait.

Every login route (password and refresh grants of ``/qstation/v1/auth/token``, the QaaS
API-key login and refresh) runs inside :func:`login_attempt`. A refused login (401) counts
against the account it named and the client address it came from; after
``login_free_failures`` (per account) or ``login_free_failures_per_address`` failures, the
key is locked for ``login_backoff_s`` seconds, doubling with each further failure up to
``login_backoff_max_s``. While locked, logins are answered 429 with ``Retry-After`` before
any credential is checked, so guessing is slowed to one try per backoff. A successful
login clears both counts.

The counts live in each API process (they are not shared through the database): with
``--api-processes N`` an attacker gets at most N times the free failures.
"""

from __future__ import annotations

import contextlib
import math
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass

from fastapi import Request

from qstation.server.config import Settings
from qstation.server.errors import DomainError, Unauthorized

#: Keys tracked at most; beyond it, the idle ones are forgotten first.
_MAX_KEYS = 100_000


class TooManyLogins(DomainError):
    """Too many refused logins for this account or address: wait ``retry_after`` (429)."""

    status_code = 429
    error_code = "TOO_MANY_LOGIN_ATTEMPTS"

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = max(1, retry_after)


@dataclass
class _Record:
    failures: int = 0
    locked_until: float = 0.0
    last: float = 0.0


class LoginThrottle:
    """Failure counts and lockouts per account and per client address (one process)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._records: dict[tuple[str, str], _Record] = {}

    def _keys(self, address: str | None, account: str | None) -> list[tuple[tuple[str, str], int]]:
        s = self.settings
        keys = []
        if account:
            keys.append((("account", account.lower()), s.login_free_failures))
        if address:
            keys.append((("address", address), s.login_free_failures_per_address))
        return keys

    def check(self, address: str | None, account: str | None) -> None:
        """Refuse the attempt now if its account or address is locked.

        Raises:
            TooManyLogins: locked; ``retry_after`` says for how long.
        """
        now = time.monotonic()
        for key, _ in self._keys(address, account):
            record = self._records.get(key)
            if record is not None and record.locked_until > now:
                wait = math.ceil(record.locked_until - now)
                raise TooManyLogins(
                    f"too many failed logins for this {key[0]}; retry in {wait} s",
                    retry_after=wait,
                )

    def failed(self, address: str | None, account: str | None) -> None:
        """Count a refused login; lock the keys past their free failures."""
        s, now = self.settings, time.monotonic()
        if len(self._records) >= _MAX_KEYS:
            self._forget_idle(now)
        for key, free in self._keys(address, account):
            record = self._records.setdefault(key, _Record())
            record.failures += 1
            record.last = now
            over = record.failures - free  # 0 at the last free failure: the first lockout
            if over >= 0:
                backoff = min(s.login_backoff_max_s, s.login_backoff_s * 2 ** min(over, 30))
                record.locked_until = now + backoff

    def succeeded(self, address: str | None, account: str | None) -> None:
        """A correct login clears its account's and its address's counts."""
        for key, _ in self._keys(address, account):
            self._records.pop(key, None)

    def _forget_idle(self, now: float) -> None:
        horizon = self.settings.login_backoff_max_s
        for key in [k for k, r in self._records.items() if now - r.last > horizon]:
            del self._records[key]
        while len(self._records) >= _MAX_KEYS:  # still full: drop the oldest
            del self._records[min(self._records, key=lambda k: self._records[k].last)]


def throttle_of(request: Request) -> LoginThrottle:
    """The app's throttle, made on first use from the app's settings."""
    throttle: LoginThrottle | None = getattr(request.app.state, "login_throttle", None)
    if throttle is None:
        throttle = LoginThrottle(request.app.state.qstation.settings)
        request.app.state.login_throttle = throttle
    return throttle


@contextlib.asynccontextmanager
async def login_attempt(request: Request, account: str | None) -> AsyncIterator[None]:
    """Run one login: refused at once when locked, counted when it answers 401.

    Raises:
        TooManyLogins: the account or the client address is locked.
    """
    throttle = throttle_of(request)
    address = request.client.host if request.client else None
    throttle.check(address, account)
    try:
        yield
    except Unauthorized:
        throttle.failed(address, account)
        raise
    throttle.succeeded(address, account)
