"""The wire views a server publishes for a device, built for a :class:`LocalDevice`.

Framework adapters build their targets from the dynamic quantum architecture (DQA), the
calibration set (gate durations) and the quality metric set (fidelities, T1/T2). A server
serves these over HTTP; :func:`local_calibration_views` builds the same three documents for
an in-process twin, so offline backends get exactly the target the server would give them.
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass

from qstation.client.local import LocalDevice
from qstation.schemas.iqm_v1 import DynamicQuantumArchitecture, ObservationSet

_NAMESPACE = uuid.UUID("2b0b7f59-54a1-4f43-9d0b-6f7c1c1d3a10")


@dataclass(frozen=True)
class CalibrationViews:
    """What a server publishes about one calibration set.

    Attributes:
        dqa: gates and loci calibrated in the set.
        calibration_set: its observations (gate durations, drive frequencies).
        metrics: its quality metrics (fidelities, readout errors, T1/T2).
    """

    dqa: DynamicQuantumArchitecture
    calibration_set: ObservationSet
    metrics: ObservationSet


def local_calibration_views(device: LocalDevice) -> CalibrationViews:
    """The DQA, calibration set and quality metrics of a local twin's calibration.

    The calibration set id is derived from the calibration's content, so two local devices
    with the same calibration report the same id.

    Args:
        device: the in-process device.

    Returns:
        The three views, shaped exactly as ``qstation serve`` publishes them.
    """
    # The views are pure functions of the device spec and calibration (qpu + schemas only).
    from qstation.qpu import views as arch

    content = json.dumps(device.calibration.to_json(), sort_keys=True)
    cal_id = str(uuid.uuid5(_NAMESPACE, f"{device.name}:{content}"))
    created = time.time()
    return CalibrationViews(
        dqa=arch.dynamic_architecture(device.spec, cal_id, device.calibration),
        calibration_set=arch.calibration_set(device.spec, cal_id, device.calibration, created),
        metrics=arch.quality_metrics(device.spec, cal_id, device.calibration, created),
    )
