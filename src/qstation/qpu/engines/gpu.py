"""GPU engines: the statevector and trajectory engines on CuPy arrays.

CuPy is imported only when a GPU engine is built, so the server runs without it. Select with
``Executor(engine="gpu")``; :func:`gpu_available` tells whether that will work here, and the
router falls back to the CPU engines when it does not.
"""

from __future__ import annotations

from functools import cache
from types import ModuleType

import numpy as np

from qstation.qpu.engines.base import EngineUnavailableError
from qstation.qpu.engines.statevector import StatevectorEngine
from qstation.qpu.engines.trajectories import TrajectoryEngine


@cache
def _cupy() -> ModuleType | None:
    try:
        import cupy
    except Exception:  # ImportError, or a CUDA runtime error raised while importing
        return None
    try:
        if cupy.cuda.runtime.getDeviceCount() < 1:
            return None
    except Exception:
        return None
    return cupy  # type: ignore[no-any-return]


def gpu_available() -> bool:
    """Whether CuPy and a CUDA device are usable."""
    return _cupy() is not None


def gpu_engines(dtype: type = np.complex64) -> tuple[StatevectorEngine, TrajectoryEngine]:
    """The ideal and noisy statevector engines on the GPU (complex64 by default: half the
    memory traffic, and 30+ qubits fit on one card).

    Raises:
        EngineUnavailableError: no CuPy or no CUDA device.
    """
    cp = _cupy()
    if cp is None:
        raise EngineUnavailableError("GPU engine needs cupy and a CUDA device")
    ideal = StatevectorEngine(max_qubits=33, xp=cp, dtype=dtype)
    ideal.name = "gpu-statevector"
    noisy = TrajectoryEngine(max_qubits=33, work_budget=1e10, xp=cp, dtype=dtype)
    noisy.name = "gpu-trajectories"
    return ideal, noisy
