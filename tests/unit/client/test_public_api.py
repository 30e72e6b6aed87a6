"""The SDK's public surface: ``__all__`` is importable, documented, and complete."""

from __future__ import annotations

import inspect

import qstation.client as sdk
from qstation.client import IQMClient, IQMServerClient, QStationError

SERVER_OPERATIONS = (
    "api_version quantum_computer normalize_url get_about get_about_station get_health "
    "get_settings get_chip_design_records get_channel_properties get_duts "
    "get_chip_topology get_feedback_groups get_standard_compiler "
    "get_static_quantum_architectures get_calibration_set get_dynamic_quantum_architecture "
    "get_calibration_set_quality_metric_set submit_circuits submit_run submit_sweep get_job "
    "cancel_job delete_job get_submit_circuits_payload get_submit_run_payload "
    "get_job_artifact_measurements get_job_artifact_measurement_counts "
    "get_job_artifact_sweep_results"
).split()
CLIENT_OPERATIONS = (
    "submit_circuits get_run_status get_run wait_for_results cancel_job abort_job delete_job "
    "get_quantum_architecture get_static_quantum_architecture "
    "get_dynamic_quantum_architecture get_calibration_set get_quality_metric_set "
    "get_job_measurement_counts"
).split()


def test_all_is_importable_and_documented() -> None:
    assert sorted(set(sdk.__all__)) == sorted(sdk.__all__)
    for name in sdk.__all__:
        value = getattr(sdk, name)
        if inspect.isclass(value) or inspect.isfunction(value):
            assert inspect.getdoc(value), name


def test_every_operation_of_the_iqm_surfaces_exists() -> None:
    for name in SERVER_OPERATIONS:
        assert hasattr(IQMServerClient, name), name
    for name in CLIENT_OPERATIONS:
        assert callable(getattr(IQMClient, name)), name
    signature = inspect.signature(IQMServerClient.__init__)
    for parameter in ("iqm_server_url", "quantum_computer", "token", "tokens_file",
                      "client_signature", "enable_opentelemetry", "timeout"):
        assert parameter in signature.parameters
    submit = inspect.signature(IQMClient.submit_circuits).parameters
    for parameter in ("qubit_mapping", "calibration_set_id", "shots",
                      "max_circuit_duration_over_t2", "heralding_mode", "use_timeslot"):
        assert parameter in submit


def test_exceptions_share_one_root() -> None:
    errors = [getattr(sdk, n) for n in sdk.__all__ if n.endswith("Error")]
    assert all(issubclass(e, QStationError) for e in errors)
    assert "QStationError" in (sdk._errors.__doc__ or "")
