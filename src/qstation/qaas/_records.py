"""Runcard and calibration operations of :class:`~qstation.qaas.API` (members only)."""

from __future__ import annotations

from typing import Any

from qstation.qaas._connection import Connection
from qstation.qaas._models import Calibration, Runcard


class RecordsMixin:
    """Save, read, list, update and delete runcards and calibrations."""

    _conn: Connection
    _runcard: Runcard | None
    _calibration: Calibration | None

    @property
    def last_runcard(self) -> Runcard | None:
        """The runcard last saved or updated in this session, if any."""
        return self._runcard

    @property
    def last_calibration(self) -> Calibration | None:
        """The calibration last saved or updated in this session, if any."""
        return self._calibration

    def save_runcard(
        self,
        name: str,
        description: str,
        runcard_dict: dict[str, Any],
        device_id: int,
        user_id: int,
        qililab_version: str,
    ) -> int:
        """Store a runcard for a device.

        Args:
            name: a name to find it by later.
            description: a short text about it.
            runcard_dict: the runcard (JSON-serialisable).
            device_id: the device it is for.
            user_id: its author (the server records the logged-in user).
            qililab_version: the version of qililab it was made with.

        Returns:
            The new runcard's id.

        Raises:
            PermissionDenied: the caller is not a member.
            NotFound: no such device.
        """
        card = Runcard(name, description, runcard_dict, device_id, user_id, qililab_version)
        self._runcard = Runcard.from_wire(self._conn.call("POST", "/runcards", json=card.wire()))
        return int(self._runcard.id or 0)

    def get_runcard(
        self, runcard_id: int | None = None, runcard_name: str | None = None
    ) -> Runcard:
        """One runcard, by id or by name (the most recently updated of that name).

        Raises:
            ValueError: neither or both of ``runcard_id`` and ``runcard_name`` were given.
            NotFound: no such runcard.
        """
        path = _one_of("runcard", runcard_id, runcard_name)
        params = {"name": runcard_name} if runcard_id is None else None
        return Runcard.from_wire(self._conn.call("GET", f"/runcards{path}", params=params))

    def list_runcards(self) -> list[Runcard]:
        """Every stored runcard."""
        return [Runcard.from_wire(item) for item in self._conn.pages("/runcards")]

    def update_runcard(self, runcard: Runcard) -> Runcard:
        """Replace a stored runcard with ``runcard`` (which must have an id)."""
        if runcard.id is None:
            raise ValueError("the runcard has no id: save it first")
        raw = self._conn.call("PUT", f"/runcards/{runcard.id}", json=runcard.wire())
        self._runcard = Runcard.from_wire(raw)
        return self._runcard

    def delete_runcard(self, runcard_id: int) -> None:
        """Delete a runcard."""
        self._conn.call("DELETE", f"/runcards/{runcard_id}")

    def save_calibration(
        self,
        name: str,
        description: str,
        calibration_serialized: str,
        device_id: int,
        user_id: int,
        qililab_version: str,
    ) -> int:
        """Store a calibration document (text, e.g. YAML) for a device.

        Returns:
            The new calibration's id.

        Raises:
            PermissionDenied: the caller is not a member.
            NotFound: no such device.
        """
        cal = Calibration(
            name, description, calibration_serialized, device_id, user_id, qililab_version
        )
        raw = self._conn.call("POST", "/calibrations", json=cal.wire())
        self._calibration = Calibration.from_wire(raw)
        return int(self._calibration.id or 0)

    def get_calibration(
        self, calibration_id: int | None = None, calibration_name: str | None = None
    ) -> Calibration:
        """One calibration, by id or by name (the most recently updated of that name).

        Raises:
            ValueError: neither or both of ``calibration_id`` and ``calibration_name``.
            NotFound: no such calibration.
        """
        path = _one_of("calibration", calibration_id, calibration_name)
        params = {"name": calibration_name} if calibration_id is None else None
        return Calibration.from_wire(self._conn.call("GET", f"/calibrations{path}", params=params))

    def list_calibrations(self) -> list[Calibration]:
        """Every stored calibration."""
        return [Calibration.from_wire(item) for item in self._conn.pages("/calibrations")]

    def update_calibration(self, calibration: Calibration) -> Calibration:
        """Replace a stored calibration with ``calibration`` (which must have an id)."""
        if calibration.id is None:
            raise ValueError("the calibration has no id: save it first")
        raw = self._conn.call("PUT", f"/calibrations/{calibration.id}", json=calibration.wire())
        self._calibration = Calibration.from_wire(raw)
        return self._calibration

    def delete_calibration(self, calibration_id: int) -> None:
        """Delete a calibration."""
        self._conn.call("DELETE", f"/calibrations/{calibration_id}")


def _one_of(kind: str, record_id: int | None, name: str | None) -> str:
    if (record_id is None) == (name is None):
        raise ValueError(f"give exactly one of {kind}_id and {kind}_name")
    return "/by_keys" if record_id is None else f"/{record_id}"
