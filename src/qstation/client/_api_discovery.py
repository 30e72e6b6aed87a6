"""Server, quantum-computer, architecture and calibration operations of IQMServerClient."""

from __future__ import annotations

from typing import Any, Literal
from urllib.parse import quote
from uuid import UUID

from qstation.client import _pulse, _station
from qstation.client._server_base import ServerBase
from qstation.schemas.iqm_v1 import (
    Dut,
    DynamicQuantumArchitecture,
    ObservationSet,
    StaticQuantumArchitecture,
)

CalibrationSetRef = str | UUID | Literal["default"]
_PROTOBUF = {"Accept": "application/protobuf"}


def _cal(calibration_set_id: CalibrationSetRef | None) -> str:
    return "default" if calibration_set_id is None else str(calibration_set_id)


def _uuid(ref: str) -> UUID | None:
    try:
        return UUID(ref)
    except ValueError:  # "default", or junk the server will answer with 404
        return None


class DiscoveryAPI(ServerBase):
    """Read-only information about the server and its quantum computers."""

    def get_about(self) -> dict[str, Any]:
        """What the server is: its name, version and software versions.

        Raises:
            APIError: the server refused. TransportError: it could not be reached.
        """
        data: dict[str, Any] = self._get_json("/api/v1/about")
        return data

    def get_about_station(self) -> dict[str, Any]:
        """Software versions of the quantum computer's control stack."""
        data: dict[str, Any] = self._get_json(self._qc_path("/artifacts/about"))
        return data

    def get_health(self) -> dict[str, Any]:
        """Whether the quantum computer accepts and runs jobs, e.g. ``{"status": "healthy"}``."""
        data: dict[str, Any] = self._get_json(self._qc_path("/health"))
        return data

    def get_settings(self) -> Any:
        """The station's settings tree, as IQM's ``SettingNode`` (needs IQM's packages).

        Raises:
            NotSupportedByServerError: the server offers circuit-level access only.
        """
        path = self._qc_path("/artifacts/settings")
        return _pulse.setting_node(self._request("GET", path, headers=_PROTOBUF).content)

    def get_chip_design_records(self) -> list[dict[str, Any]]:
        """The chip design records of the quantum computer (chip label, components, connections).

        Raises:
            NotSupportedByServerError: the server offers circuit-level access only.
        """
        data: list[dict[str, Any]] = self._get_json(self._qc_path("/artifacts/chip-design-records"))
        return data

    def get_channel_properties(self) -> dict[str, Any]:
        """Each control channel's IQM ``ChannelProperties`` (needs IQM's packages).

        Raises:
            NotSupportedByServerError: the server offers circuit-level access only.
        """
        path = self._qc_path("/artifacts/channel-properties")
        return _pulse.channel_properties(self._request("GET", path, headers=_PROTOBUF).content)

    def get_chip_topology(self) -> Any:
        """The chip's IQM ``ChipTopology`` (qubits, couplers, probe lines), from its design record.

        Raises:
            NotSupportedByServerError: the server offers circuit-level access only.
        """
        return _station.chip_topology(self.get_chip_design_records()[0])

    def get_feedback_groups(self) -> tuple[frozenset[str], ...]:
        """Groups of qubits that take real-time feedback (``cc_prx``) from one another.

        Raises:
            NotSupportedByServerError: the server offers circuit-level access only.
        """
        qubits = self.get_static_quantum_architectures()[0].qubits
        return _station.feedback_groups(self.get_channel_properties(), qubits)

    def get_standard_compiler(self, calibration_set_id: CalibrationSetRef | None = None) -> Any:
        """IQM's standard pulse compiler for the quantum computer (needs ``iqm-pulla``).

        It compiles circuits into playlists (a ``RunDefinition``) for :meth:`submit_run`,
        with the gate calibration of the given calibration set.

        Args:
            calibration_set_id: a calibration set UUID, or ``"default"`` / None.

        Raises:
            NotFoundError: no such calibration set.
            NotSupportedByServerError: the server offers circuit-level access only.
        """
        record = self.get_chip_design_records()[0]
        observations = [
            (o.dut_field, o.value, o.unit)
            for o in self.get_calibration_set(calibration_set_id).observations
        ]
        return _station.standard_compiler(
            record["cheddar"]["chip_label"],
            _station.chip_topology(record),
            self.get_settings(),
            observations,
        )

    def get_duts(self) -> list[Dut]:
        """The devices under test of the quantum computer (one chip)."""
        return self._get_list(self._qc_path("/artifacts/duts"), Dut)

    def get_static_quantum_architectures(self) -> list[StaticQuantumArchitecture]:
        """The chip's qubits, resonators and couplings, independent of calibration."""
        path = self._qc_path("/artifacts/static-quantum-architectures")
        return self._get_list(path, StaticQuantumArchitecture)

    def get_calibration_set(
        self, calibration_set_id: CalibrationSetRef | None = None
    ) -> ObservationSet:
        """A calibration set with its observations.

        Args:
            calibration_set_id: a calibration set UUID, or ``"default"`` / None.

        Raises:
            NotFoundError: no such calibration set.
        """
        return self._get_model(self._cal_path(_cal(calibration_set_id)), ObservationSet)

    def get_dynamic_quantum_architecture(
        self, calibration_set_id: CalibrationSetRef | None = None
    ) -> DynamicQuantumArchitecture:
        """The gates and loci calibrated in a calibration set.

        Architectures asked for by UUID are cached (calibration sets never change);
        ``default`` is fetched every time, as the default set may change.

        Args:
            calibration_set_id: a calibration set UUID, or ``"default"`` / None.

        Raises:
            NotFoundError: no such calibration set.
        """
        ref = _cal(calibration_set_id)
        key = _uuid(ref)
        cached = self._dqa_cache.get(key) if key is not None else None
        if cached is not None:
            return cached
        path = f"{self._cal_path(ref)}/dynamic-quantum-architecture"
        dqa = self._get_model(path, DynamicQuantumArchitecture)
        self._dqa_cache[dqa.calibration_set_id] = dqa
        return dqa

    def get_calibration_set_quality_metric_set(
        self, calibration_set_id: CalibrationSetRef | None = None
    ) -> ObservationSet:
        """The quality metrics (fidelities, T1/T2, readout errors) of a calibration set.

        Args:
            calibration_set_id: a calibration set UUID, or ``"default"`` / None.

        Raises:
            NotFoundError: no such calibration set.
        """
        path = f"{self._cal_path(_cal(calibration_set_id))}/metrics"
        return self._get_model(path, ObservationSet)

    def _cal_path(self, ref: str) -> str:
        return f"/api/v1/calibration-sets/{self.quantum_computer}/{quote(ref, safe='')}"

    def _qc_path(self, suffix: str) -> str:
        return f"/api/v1/quantum-computers/{self.quantum_computer}{suffix}"
