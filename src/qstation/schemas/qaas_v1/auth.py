"""Login and token refresh of QaaS API v1 (``/authorisation-tokens``)."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

GRANT_TYPE = "urn:ietf:params:oauth:grant-type:jwt-bearer"


class Assertion(BaseModel):
    """The credentials inside a login request: base64url of pretty-printed JSON, not a JWT."""

    model_config = ConfigDict(extra="ignore")

    user_id: int | None = None
    username: str
    api_key: str
    audience: str = ""
    iat: int = 0

    def encode(self) -> str:
        """The ``assertion`` string of a login request."""
        text = json.dumps(self.model_dump(), indent=2)
        return base64.urlsafe_b64encode(text.encode("utf-8")).decode("ascii")

    @classmethod
    def decode(cls, assertion: str) -> Assertion:
        """Parse an ``assertion`` string.

        Raises:
            ValueError: it is not base64 of a JSON object with ``username`` and ``api_key``.
        """
        try:
            padded = assertion + "=" * (-len(assertion) % 4)
            raw = base64.urlsafe_b64decode(padded.replace("+", "-").replace("/", "_"))
            return cls.model_validate_json(raw)
        except (binascii.Error, ValidationError) as err:
            raise ValueError(f"malformed assertion: {err}") from err


class TokenRequest(BaseModel):
    """The body of ``POST authorisation-tokens``."""

    model_config = ConfigDict(populate_by_name=True, extra="ignore")

    grant_type: str = Field(default=GRANT_TYPE, alias="grantType")
    assertion: str
    scope: str = "user profile"


class TokenResponse(BaseModel):
    """Login and refresh answer. Clients reject any key beyond these five."""

    model_config = ConfigDict(populate_by_name=True, extra="forbid")

    access_token: str = Field(alias="accessToken")
    refresh_token: str | None = Field(alias="refreshToken")
    token_type: Literal["bearer"] = Field(default="bearer", alias="tokenType")
    expires_in: int = Field(alias="expiresIn")
    issued_at: str = Field(alias="issuedAt")

    def wire(self) -> dict[str, object]:
        """The exact JSON object sent (camelCase keys)."""
        return self.model_dump(by_alias=True)
