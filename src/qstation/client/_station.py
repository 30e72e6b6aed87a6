"""The station's artifacts as IQM's working objects: chip topology, feedback groups, compiler.

What the official ``IQMClient`` derives from a station (``get_chip_topology``,
``get_feedback_groups``, ``get_standard_compiler``), derived here from the same artifacts, so
SDK users reach IQM's pulse compiler without a second client. IQM's packages are imported on
first use: the topology and feedback groups need ``qstation[pulse]``, the compiler also
``iqm-pulla``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from copy import deepcopy
from typing import Any

_HINT = "the station's chip topology needs IQM's station packages: pip install \"qstation[pulse]\""
_COMPILER_HINT = "IQM's standard compiler needs IQM's compiler package: pip install iqm-pulla"


def chip_topology(record: Mapping[str, Any]) -> Any:
    """IQM's ``ChipTopology`` of a chip design record."""
    try:
        from exa.common.qcm_data.chip_topology import ChipTopology
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(_HINT) from exc
    return ChipTopology.from_chip_design_record(dict(record))


def feedback_groups(
    properties: Mapping[str, Any], qubits: Sequence[str]
) -> tuple[frozenset[str], ...]:
    """Qubits that take real-time feedback from the same sources, largest group first.

    A drive channel (``QB1__drive.awg``) lists the probe lines it takes feedback from; the
    qubits whose drives share a source form a group (a qubit may be in several).
    """
    groups: dict[str, set[str]] = {}
    for channel, props in properties.items():
        qubit = channel.split("__")[0]
        if qubit in qubits:
            for source in getattr(props, "fast_feedback_sources", ()):
                groups.setdefault(source, set()).add(qubit)
    unique = {frozenset(group) for group in groups.values()}
    return tuple(sorted(unique, key=lambda g: (-len(g), sorted(g))))


def standard_compiler(
    dut_label: str,
    topology: Any,
    settings: Any,
    observations: Iterable[tuple[str, Any, str]],
) -> Any:
    """IQM's standard ``Compiler`` for a station, loading gate calibration from ``observations``.

    Args:
        dut_label: the chip's label.
        topology: the chip's ``ChipTopology``.
        settings: the station's settings tree (``SettingNode``).
        observations: ``(dut_field, value, unit)`` of a calibration set.
    """
    try:
        from iqm.cpc.compiler.compiler import Compiler
        from iqm.cpc.compiler.post_process import _STANDARD_POST_PROCESSING_STAGES
        from iqm.cpc.compiler.standard_stages import (
            _STANDARD_CIRCUIT_STAGES,
            _STANDARD_FINAL_STAGES,
            _STANDARD_PULSE_STAGES,
        )
        from iqm.cpc.core.observation.observation_handler import ObservationHandler
        from iqm.cpc.core.observation.observation_loading_rules import (
            LatestFromStash,
            _ObservationSetStash,
        )
        from iqm.station_control.interface.models.observation import ObservationBase
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(_COMPILER_HINT) from exc
    # The compiler reads a calibration set as a stash of its observations, by field name.
    stash = _ObservationSetStash(
        {
            field: ObservationBase(dut_field=field, value=value, unit=unit)
            for field, value, unit in observations
        }
    )
    handler = ObservationHandler(
        [], dut_label=dut_label, default_storage=None, load_rules=[LatestFromStash(stash)]
    )
    return Compiler(
        dut_label=dut_label,
        chip_topology=topology,
        software_version_set_id=0,  # no software-version bookkeeping outside IQM's own servers
        component_mapping=None,
        station_control_settings=settings,
        observation_handler=handler,
        circuit_stages=deepcopy(_STANDARD_CIRCUIT_STAGES),
        pulse_stages=deepcopy(_STANDARD_PULSE_STAGES),
        final_stages=deepcopy(_STANDARD_FINAL_STAGES),
        pp_stages=deepcopy(_STANDARD_POST_PROCESSING_STAGES),
    )
