"""IQM's standard pulse compiler, pointed at a twin's station without a server.

``IQMClient.get_standard_compiler()`` builds IQM's compiler from the station artifacts it
downloads. :func:`standard_compiler` builds the same compiler from the same artifacts in
process, so benchmarks, tests and notebooks can compile circuits into playlists for a twin
directly. It needs IQM's compiler package, ``iqm-pulla`` (installed with the ``test`` extra).
"""

from __future__ import annotations

from copy import deepcopy
from typing import Any

from qstation.qpu.calibration import CalibrationData
from qstation.qpu.device import DeviceSpec
from qstation.qpu.pulse.observations import compiler_observations
from qstation.qpu.pulse.station import chip_design_record, settings_node
from qstation.qpu.pulse.twin import pulse_twin


def standard_compiler(spec: DeviceSpec, cal: CalibrationData) -> Any:
    """IQM's ``Compiler`` for ``spec`` and ``cal``, as the official client builds it."""
    try:
        from exa.common.qcm_data.chip_topology import ChipTopology
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
        raise ImportError(
            "compiling for the pulse level needs IQM's compiler: pip install iqm-pulla"
        ) from exc
    twin = pulse_twin(spec, cal)
    stash = _ObservationSetStash(
        {
            field: ObservationBase(dut_field=field, value=value, unit=unit)
            for field, value, unit in compiler_observations(spec, cal, twin)
        }
    )
    handler = ObservationHandler(
        [], dut_label=spec.dut_label, default_storage=None, load_rules=[LatestFromStash(stash)]
    )
    return Compiler(
        dut_label=spec.dut_label,
        chip_topology=ChipTopology.from_chip_design_record(chip_design_record(spec, twin)),
        software_version_set_id=0,
        component_mapping=None,
        station_control_settings=settings_node(spec, twin),
        observation_handler=handler,
        circuit_stages=deepcopy(_STANDARD_CIRCUIT_STAGES),
        pulse_stages=deepcopy(_STANDARD_PULSE_STAGES),
        final_stages=deepcopy(_STANDARD_FINAL_STAGES),
        pp_stages=deepcopy(_STANDARD_POST_PROCESSING_STAGES),
    )
