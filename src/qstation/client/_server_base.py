"""Configuration and request plumbing shared by the operation groups of :class:`IQMServerClient`."""

from __future__ import annotations

import json
from typing import Any, Self, TypeVar
from urllib.parse import quote
from uuid import UUID

import httpx
from pydantic import BaseModel, TypeAdapter

from qstation.client._auth import resolve_auth
from qstation.client._config import env, normalize_url, request_timeout, user_agent
from qstation.client._errors import ClientConfigurationError
from qstation.client._transport import RetryPolicy, SyncTransport
from qstation.schemas.iqm_v1 import (
    DynamicQuantumArchitecture,
    QuantumComputer,
    QuantumComputerList,
)

M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")


class ServerBase:
    """Holds the connection: root URL, quantum computer, auth and the transport."""

    def __init__(
        self,
        iqm_server_url: str | None = None,
        *,
        quantum_computer: str | None = None,
        token: str | None = None,
        tokens_file: str | None = None,
        auth_server_url: str | None = None,
        username: str | None = None,
        password: str | None = None,
        client_signature: str | None = None,
        enable_opentelemetry: bool = False,
        timeout: float | None = None,
        http_client: httpx.Client | None = None,
        transport: httpx.BaseTransport | None = None,
        retry: RetryPolicy | None = None,
    ) -> None:
        url = iqm_server_url or env("IQM_SERVER_URL")
        if url is None:
            raise ClientConfigurationError("no server URL: pass one or set IQM_SERVER_URL")
        qc = quantum_computer or env("IQM_QUANTUM_COMPUTER")
        self._root, self._qc, self._timeslot_from_url = normalize_url(url, qc)
        auth = resolve_auth(self._root, token=token, tokens_file=tokens_file,
                            auth_server_url=auth_server_url, username=username,
                            password=password)
        self.timeout = request_timeout(timeout)
        self._transport = SyncTransport(
            http_client=http_client, transport=transport, auth=auth, timeout=self.timeout,
            user_agent=user_agent(type(self).__name__, client_signature), retry=retry,
            tracing=enable_opentelemetry,
        )
        self._qcs: list[QuantumComputer] | None = None
        self._dqa_cache: dict[UUID, DynamicQuantumArchitecture] = {}
        self._long_poll: bool | None = None  # None: not yet known whether the server has it

    @property
    def api_version(self) -> str:
        """The version of IQM Server API this client speaks (``v1``)."""
        return "v1"

    @property
    def root_url(self) -> str:
        """The normalised server URL (without ``/api/v1``)."""
        return self._root

    @property
    def auth(self) -> httpx.Auth | None:
        """The authentication strategy in use, if any."""
        return self._transport.auth

    @property
    def quantum_computer(self) -> str:
        """The alias of the quantum computer this client talks to.

        Raises:
            ClientConfigurationError: none was chosen and the server hosts several, or the
                chosen one is not hosted.
        """
        if self._qc is None:
            qcs = self.list_quantum_computers()
            if len(qcs) != 1:
                aliases = ", ".join(q.alias for q in qcs) or "none"
                raise ClientConfigurationError(
                    f"quantum computer not selected: the server hosts {aliases}; pass "
                    "quantum_computer= or set IQM_QUANTUM_COMPUTER"
                )
            self._qc = qcs[0].alias
        return self._qc

    @staticmethod
    def normalize_url(
        iqm_server_url: str, quantum_computer: str | None
    ) -> tuple[str, str | None, bool]:
        """Check a server URL and split it into ``(root, quantum_computer, use_timeslot)``.

        Args:
            iqm_server_url: the URL users give; https unless on loopback.
            quantum_computer: the quantum computer alias, if given separately.

        Returns:
            The API root, the quantum computer (possibly taken from an old-style URL path)
            and whether an old-style ``:timeslot`` suffix asked for the timeslot queue.

        Raises:
            ClientConfigurationError: malformed, insecure or contradictory input.
        """
        return normalize_url(iqm_server_url, quantum_computer)

    def list_quantum_computers(self) -> list[QuantumComputer]:
        """Every quantum computer the server hosts (fetched once, then cached).

        Raises:
            APIError: the server refused (e.g. ``UnauthorizedError``).
            TransportError: the server could not be reached.
        """
        if self._qcs is None:
            listing = self._get_model("/api/v1/quantum-computers", QuantumComputerList)
            self._qcs = listing.quantum_computers
        return self._qcs

    def close(self) -> None:
        """Release network resources (an injected ``http_client`` stays open)."""
        self._transport.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- request helpers (no I/O beyond the transport) -------------------------------------

    def _url(self, path: str) -> str:
        return f"{self._root}{path}"

    def _request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        return self._transport.request(method, self._url(path), **kwargs)

    def _get_model(self, path: str, model: type[M], **kwargs: Any) -> M:
        return model.model_validate_json(self._request("GET", path, **kwargs).content)

    def _get_list(self, path: str, item: type[T]) -> list[T]:
        return TypeAdapter(list[item]).validate_json(  # type: ignore[valid-type]
            self._request("GET", path).content
        )

    def _get_json(self, path: str, **kwargs: Any) -> Any:
        # json.loads accepts the bare NaN/Infinity that IQM payloads may hold.
        return json.loads(self._request("GET", path, **kwargs).content)

    def _post(self, path: str, body: BaseModel | None = None, **kwargs: Any) -> httpx.Response:
        if body is None:
            return self._request("POST", path, **kwargs)
        headers = {"Content-Type": "application/json; charset=UTF-8", **kwargs.pop("headers", {})}
        content = body.model_dump_json(exclude_none=False).encode()
        return self._request("POST", path, content=content, headers=headers, **kwargs)


def job_path(job_id: str | UUID, suffix: str = "") -> str:
    """The API path of a job (the id is URL-quoted; the server answers 404 to a bad one)."""
    return f"/api/v1/jobs/{quote(str(job_id), safe='')}{suffix}"
