"""Device specifications: the static description of a chip, loaded from catalog files."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class GateSpec:
    """A native gate of a device family."""

    name: str
    implementation: str
    duration: float  # seconds
    arity: int


@dataclass(frozen=True)
class DeviceSpec:
    """A chip: its components, couplings and native gates.

    ``couplers`` are the pairs on which two-component gates (``cz``, ``move``) are defined;
    for resonator devices a coupler is ``(qubit, resonator)``.
    """

    name: str
    display_name: str
    dut_label: str
    qubits: tuple[str, ...]
    computational_resonators: tuple[str, ...]
    couplers: tuple[tuple[str, str], ...]
    gates: dict[str, GateSpec]
    calibration_seed: int = 0
    max_shots: int = 100_000
    max_circuits: int = 1_000
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def components(self) -> tuple[str, ...]:
        """Qubits then resonators, in the order clients index them."""
        return self.qubits + self.computational_resonators

    def loci(self, gate: str) -> list[tuple[str, ...]]:
        """Every locus on which ``gate`` is native (before calibration filtering)."""
        spec = self.gates.get(gate)
        if spec is None:
            return []
        if gate == "move":
            return [c for c in self.couplers if c[1] in self.computational_resonators]
        if spec.arity == 1:
            return [(q,) for q in self.qubits]
        return list(self.couplers)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DeviceSpec:
        """Build a spec from the JSON form used by catalog files."""
        gates = {
            name: GateSpec(name, g["implementation"], float(g["duration"]), int(g["arity"]))
            for name, g in data["gates"].items()
        }
        known = {
            "name", "display_name", "dut_label", "qubits", "computational_resonators",
            "couplers", "gates", "calibration_seed", "max_shots", "max_circuits",
        }
        return cls(
            name=data["name"],
            display_name=data.get("display_name", data["name"]),
            dut_label=data.get("dut_label", f"{data['name']}_twin"),
            qubits=tuple(data["qubits"]),
            computational_resonators=tuple(data.get("computational_resonators", ())),
            couplers=tuple((a, b) for a, b in data["couplers"]),
            gates=gates,
            calibration_seed=int(data.get("calibration_seed", 0)),
            max_shots=int(data.get("max_shots", 100_000)),
            max_circuits=int(data.get("max_circuits", 1_000)),
            extra={k: v for k, v in data.items() if k not in known},
        )

    @classmethod
    def from_file(cls, path: Path) -> DeviceSpec:
        """Load a catalog file."""
        return cls.from_dict(json.loads(path.read_text(encoding="utf-8")))
