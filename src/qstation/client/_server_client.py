"""The REST client of IQM Server API v1, with qstation's additions."""

from __future__ import annotations

from qstation.client._api_accounts import AccountsAPI
from qstation.client._api_admin import AdminAPI
from qstation.client._api_discovery import DiscoveryAPI
from qstation.client._api_jobs import JobsAPI


class IQMServerClient(DiscoveryAPI, JobsAPI, AccountsAPI, AdminAPI):
    """One-to-one access to every operation of an IQM Server API v1 server.

    Each method is one HTTP request (long-polls and safe retries aside) and returns the
    wire models of :mod:`qstation.schemas.iqm_v1`. Operations the server does not offer
    (qstation answers 501 to pulse-level ones) are still sent; the server's refusal is
    raised as :class:`~qstation.client.NotSupportedByServerError`. Most users want the
    higher-level :class:`~qstation.client.IQMClient`.

    Args:
        iqm_server_url: the server URL (default ``IQM_SERVER_URL``); https unless loopback.
        quantum_computer: the quantum computer alias (default ``IQM_QUANTUM_COMPUTER``;
            may be left out when the server hosts exactly one).
        token: a long-lived bearer token (or ``IQM_TOKEN``).
        tokens_file: path of a tokens file (or ``IQM_TOKENS_FILE``).
        auth_server_url: where to log in with ``username``/``password`` (or
            ``IQM_AUTH_SERVER``; default: the server itself).
        username: login name (or ``IQM_AUTH_USERNAME``).
        password: password (or ``IQM_AUTH_PASSWORD``).
        client_signature: text appended to the ``User-Agent`` header.
        enable_opentelemetry: create client spans and propagate the trace context
            (needs ``opentelemetry-api``).
        timeout: seconds to wait for each response (default ``IQM_CLIENT_REQUESTS_TIMEOUT``
            or 120).
        http_client: an ``httpx.Client`` to send requests with (e.g. a test client).
        transport: an httpx transport for the client created otherwise.
        retry: when to retry safe requests (default: :class:`RetryPolicy`).

    Raises:
        ClientConfigurationError: a bad URL or an ambiguous authentication set-up.
    """
