"""The device registry: catalog files shipped with qstation plus the user's own.

Extra catalog directories come from ``QSTATION_DEVICE_PATH`` (``os.pathsep``-separated);
a user's file with the same device name replaces the shipped one.
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

from qstation.qpu.device import DeviceSpec

CATALOG_DIR = Path(__file__).parent / "catalog"
DEFAULT_DEVICES: tuple[str, ...] = ("lattice-20",)


class UnknownDeviceError(KeyError):
    """No catalog file defines this device."""


def _catalog_dirs() -> list[Path]:
    extra = os.environ.get("QSTATION_DEVICE_PATH", "")
    return [CATALOG_DIR, *(Path(p) for p in extra.split(os.pathsep) if p)]


@cache
def catalog() -> dict[str, DeviceSpec]:
    """Every known device, by name."""
    devices: dict[str, DeviceSpec] = {}
    for directory in _catalog_dirs():
        for path in sorted(directory.glob("*.json")):
            spec = DeviceSpec.from_file(path)
            devices[spec.name] = spec
    return devices


def get_device(name: str) -> DeviceSpec:
    """The spec of device ``name``.

    Raises:
        UnknownDeviceError: no catalog file defines it.
    """
    try:
        return catalog()[name]
    except KeyError:
        known = ", ".join(sorted(catalog()))
        raise UnknownDeviceError(f"unknown device {name!r}; known devices: {known}") from None
