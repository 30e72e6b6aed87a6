"""Password hashing (argon2id) and signed, expiring JWTs.

Token payload segments never contain ``-`` or ``_``: IQM clients decode the payload of a
tokens-file JWT with *standard* base64, which silently drops those characters (spec §2.3).
In base64 of ASCII text only the bytes ``>``, ``?``, ``~`` and DEL can produce them, so the
claims avoid those characters; :meth:`TokenCodec.issue` still checks, varying a nonce claim
until the segment is clean.
"""

from __future__ import annotations

import math
import secrets
import time
import uuid
from dataclasses import dataclass
from typing import Any

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from qstation.server.errors import Unauthorized

ALGORITHM = "HS256"
_ISSUER = "qstation"
# OWASP's argon2id baseline (19 MiB, 2 passes, 1 lane): memory-hard yet ~50 ms per check.
_HASHER = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)
# A hash to verify against when the user does not exist, so timing does not reveal that.
_DUMMY_HASH = _HASHER.hash(secrets.token_hex(16))


def hash_password(password: str) -> str:
    """An argon2id hash of ``password`` (salted, self-describing)."""
    return _HASHER.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Whether ``password`` matches; always spends one hash computation."""
    try:
        return _HASHER.verify(password_hash or _DUMMY_HASH, password) and bool(password_hash)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """Whether the hash was made with other parameters than the current ones."""
    return _HASHER.check_needs_rehash(password_hash)


@dataclass(frozen=True)
class Claims:
    """The verified claims of a token."""

    subject: str
    token_id: str  # the session or API token row (``sid``)
    kind: str  # "access" | "refresh" | "api"
    expires_at: float | None
    refresh_id: str | None = None


def _payload_is_clean(token: str) -> bool:
    payload = token.split(".")[1]
    return "-" not in payload and "_" not in payload


class TokenCodec:
    """Issues and verifies the server's JWTs with one HMAC key."""

    def __init__(self, secret: str) -> None:
        self._secret = secret

    def issue(
        self, subject: str, token_id: str, kind: str, ttl: float | None,
        refresh_id: str | None = None,
    ) -> str:
        """A signed token for ``subject``; ``ttl`` None means it never expires."""
        now = time.time()
        claims: dict[str, Any] = {
            "iss": _ISSUER, "sub": subject, "sid": token_id, "typ": kind, "iat": int(now),
            "jti": uuid.uuid4().hex,
        }
        if ttl is not None:
            # Rounded up: a token lives at least its ttl (from a truncated "now", a one-second
            # token issued late in a second lived only what was left of it).
            claims["exp"] = math.ceil(now + max(1.0, ttl))
        if refresh_id is not None:
            claims["rid"] = refresh_id
        for nonce in range(64):
            token = jwt.encode({**claims, "n": nonce}, self._secret, algorithm=ALGORITHM)
            if _payload_is_clean(token):
                return token
        raise RuntimeError("could not issue a token with a base64-safe payload")

    def verify(self, token: str, *, kinds: tuple[str, ...], allow_expired: bool = False) -> Claims:
        """The claims of a valid token of one of ``kinds`` (expired ones too if allowed).

        Raises:
            Unauthorized: bad signature, malformed, expired or of the wrong kind.
        """
        try:
            data = jwt.decode(
                token, self._secret, algorithms=[ALGORITHM], issuer=_ISSUER,
                options={"require": ["sub", "sid", "typ"], "verify_exp": not allow_expired},
            )
        except jwt.ExpiredSignatureError:
            raise Unauthorized("the token has expired; log in again or refresh it",
                               error_code="TOKEN_EXPIRED") from None
        except jwt.InvalidTokenError as err:
            raise Unauthorized(f"invalid token: {err}", error_code="INVALID_TOKEN") from None
        if data["typ"] not in kinds:
            raise Unauthorized(f"a {data['typ']} token cannot be used here",
                               error_code="INVALID_TOKEN")
        exp = data.get("exp")
        return Claims(
            subject=str(data["sub"]), token_id=str(data["sid"]), kind=str(data["typ"]),
            expires_at=float(exp) if exp is not None else None,
            refresh_id=data.get("rid"),
        )
