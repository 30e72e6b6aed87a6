"""A user-defined device file, as a user would write one for ``QSTATION_DEVICE_PATH``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def ring_device(n: int = 8) -> dict[str, Any]:
    """A ring of ``n`` qubits: its closing coupler listed backwards, durations not whole granules.

    No ``cc_prx`` among its gates; prx 25 ns and cz 55 ns are 60 and 132 samples at 2.4 GHz.
    """
    qubits = [f"QB{i}" for i in range(1, n + 1)]
    return {
        "name": f"ring-{n}",
        "dut_label": f"RING{n}_user",
        "qubits": qubits,
        "couplers": [[qubits[i], qubits[(i + 1) % n]] for i in range(n)],
        "gates": {
            "prx": {"implementation": "drag_gaussian", "duration": 25e-9, "arity": 1},
            "cz": {"implementation": "tgss", "duration": 55e-9, "arity": 2},
            "measure": {"implementation": "constant", "duration": 1.2e-6, "arity": 1},
        },
        "calibration_seed": 42,
    }


def write_device(directory: Path, device: dict[str, Any]) -> Path:
    """Write ``device`` as ``<name>.json`` in ``directory``; returns the directory."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / f"{device['name']}.json").write_text(json.dumps(device, indent=1))
    return directory
