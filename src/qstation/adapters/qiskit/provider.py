"""The entry point of the Qiskit adapter: :class:`IQMProvider`."""

from __future__ import annotations

from typing import Any

from qstation.adapters.qiskit.backend import IQMBackend
from qstation.client import IQMClient


class IQMProvider:
    """Hands out Qiskit backends for the quantum computers of a qstation server.

    Args:
        url: the server URL.
        quantum_computer: the quantum computer's alias (may be left out when the server
            hosts exactly one).
        token: a bearer token, if the server requires authentication.
        **client_options: passed to :class:`~qstation.client.IQMClient` (``tokens_file``,
            ``username``/``password``, ``timeout``, ``http_client``, ``transport``, ...).

    Example::

        backend = IQMProvider("http://127.0.0.1:8000", quantum_computer="lattice-20").get_backend()
        job = backend.run(transpile(circuit, backend), shots=1000)
        print(job.result().get_counts())
    """

    def __init__(
        self, url: str, *, quantum_computer: str | None = None, token: str | None = None,
        **client_options: Any,
    ) -> None:
        self.url = url
        self.quantum_computer = quantum_computer
        self._client_options = {**client_options, **({"token": token} if token else {})}

    def get_backend(
        self, name: str | None = None, calibration_set_id: str | None = None, *,
        use_metrics: bool = True, **backend_options: Any,
    ) -> IQMBackend:
        """A backend of the quantum computer.

        Args:
            name: the quantum computer's alias (default: the provider's).
            calibration_set_id: build and run with this calibration set (default: the
                server's current one; the backend warns if that changes later).
            use_metrics: put gate durations and error rates in the target.
            **backend_options: passed to :class:`IQMBackend` (``max_circuits``).

        Raises:
            NotFoundError: unknown quantum computer or calibration set.
            ClientConfigurationError: a bad URL or authentication settings.
        """
        client = IQMClient(self.url, quantum_computer=name or self.quantum_computer,
                           **self._client_options)
        return IQMBackend(client, calibration_set_id=calibration_set_id,
                          use_metrics=use_metrics, **backend_options)
