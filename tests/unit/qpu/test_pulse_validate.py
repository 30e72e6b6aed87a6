"""Run definitions against a station's channels: what is accepted, and why the rest is not."""

from __future__ import annotations

from dataclasses import replace

import pytest
from exa.common.data.parameter import Parameter
from exa.common.sweep.util import Sweep
from iqm.models.playlist.instructions import VirtualRZ, Wait

from qstation.qpu.pulse.definition import DefinitionError, parse_run_definition
from qstation.qpu.pulse.validate import Limits, validate_run
from tests.support.pulse import rabi_playlist, run_definition, to_bytes, toy_channels, toy_settings

AMPS = [0.1, 0.2, 0.3]


def _check(run, channels=None, limits=None):  # type: ignore[no-untyped-def]
    parsed = parse_run_definition(to_bytes(run))
    return validate_run(parsed, channels or toy_channels(), limits or Limits())


def _refused(code: str, *words: str, **kwargs: object) -> None:
    run = kwargs.pop("run")
    with pytest.raises(DefinitionError) as info:
        _check(run, **kwargs)  # type: ignore[arg-type]
    assert info.value.code == code
    for word in words:
        assert word in str(info.value)


def test_a_rabi_run_is_accepted_with_its_shape() -> None:
    checked = _check(run_definition(rabi_playlist(AMPS), toy_settings(200)))
    assert (checked.shots, checked.segments, checked.spots) == (200, 3, 1)


def test_the_wire_form_round_trips() -> None:
    run = run_definition(rabi_playlist(AMPS), toy_settings(200))
    parsed = parse_run_definition(to_bytes(run))
    assert parsed.run_id == run.run_id
    assert len(parsed.sweep_definition.playlist.segments) == 3  # type: ignore[union-attr]


@pytest.mark.parametrize("body", [b"", b"\xff\x00garbage", b"not a protobuf at all"])
def test_bytes_that_are_no_run_definition(body: bytes) -> None:
    with pytest.raises(DefinitionError) as info:
        parse_run_definition(body)
    assert info.value.code == "MALFORMED_RUN_DEFINITION"


def test_unknown_channel_is_named() -> None:
    run = run_definition(rabi_playlist(AMPS, drive="QB9__drive.awg"), toy_settings(10))
    _refused("UNKNOWN_CHANNEL", "'QB9__drive.awg'", "QB1__drive.awg", run=run)


def test_instruction_the_channel_does_not_support() -> None:
    channels = toy_channels()
    channels["QB1__drive.awg"] = replace(
        channels["QB1__drive.awg"], compatible_instructions=(VirtualRZ, Wait)
    )
    run = run_definition(rabi_playlist(AMPS), toy_settings(10))
    _refused(
        "UNSUPPORTED_INSTRUCTION",
        "IQPulse",
        "'QB1__drive.awg'",
        "VirtualRZ, Wait",
        run=run,
        channels=channels,
    )


def test_duration_off_the_granularity() -> None:
    run = run_definition(rabi_playlist(AMPS, duration=40), toy_settings(10))
    _refused(
        "INVALID_DURATION", "40 samples", "granularity of 16", "on channel 'PL-1__readout'", run=run
    )


def test_sample_rate_must_match_the_station() -> None:
    channels = {k: replace(v, sampling_rate=1.0e9) for k, v in toy_channels().items()}
    run = run_definition(rabi_playlist(AMPS), toy_settings(10))
    _refused("SAMPLE_RATE_MISMATCH", "1e+09", run=run, channels=channels)


def test_too_many_segments() -> None:
    run = run_definition(rabi_playlist(AMPS), toy_settings(10))
    _refused(
        "TOO_MANY_SEGMENTS", "3 segments", "limit of 2", run=run, limits=Limits(max_segments=2)
    )


def test_segment_too_long() -> None:
    run = run_definition(rabi_playlist(AMPS), toy_settings(10))
    _refused(
        "SEGMENT_TOO_LONG",
        "segment 0",
        "limit of 100",
        run=run,
        limits=Limits(max_segment_samples=100),
    )


@pytest.mark.parametrize("shots", [0, 1_000_001])
def test_shots_out_of_range(shots: int) -> None:
    run = run_definition(rabi_playlist(AMPS), toy_settings(shots))
    _refused(
        "INVALID_SHOTS",
        "options.playlist_repeats",
        str(shots),
        run=run,
        limits=Limits(max_shots=1_000_000),
    )


def test_swept_parameter_must_be_a_setting() -> None:
    sweep = Sweep(parameter=Parameter("QB7__drive.frequency", "f"), data=[4e9, 4.1e9])
    run = run_definition(rabi_playlist(AMPS), toy_settings(10), sweeps=[(sweep,)])
    _refused("UNKNOWN_SETTING", "QB7__drive.frequency", run=run)


def test_spots_and_total_work_are_bounded() -> None:
    freq = Parameter("controllers.QB1__drive.frequency", "f")
    sweep = Sweep(parameter=freq, data=[4.5e9 + k for k in range(50)])
    run = run_definition(rabi_playlist(AMPS), toy_settings(10), sweeps=[(sweep,)])
    assert _check(run).spots == 50
    _refused("TOO_MANY_SPOTS", "50 sweep spots", run=run, limits=Limits(max_spots=20))
    _refused("RUN_TOO_LARGE", "1500", run=run, limits=Limits(max_work=1000))


def test_return_parameters_must_be_acquired() -> None:
    run = run_definition(
        rabi_playlist(AMPS), toy_settings(10), return_parameters=["QB1__readout.result", "QB2__m"]
    )
    _refused("UNKNOWN_RETURN_PARAMETER", "QB2__m", "QB1__readout.result", run=run)


def test_a_sweep_in_the_envelope_of_iqm_client_35_reads_as_its_run() -> None:
    from iqm.station_control.client.serializers.task_serializers import (
        serialize_sweep_job_request,
    )

    run = run_definition(rabi_playlist(AMPS), toy_settings(50))
    body = serialize_sweep_job_request(run.sweep_definition, queue_name="sweeps")
    parsed = parse_run_definition(body)
    assert parsed.run_id == run.sweep_definition.sweep_id  # the same run on every reading
    assert parsed.sweep_definition.playlist == run.sweep_definition.playlist
    checked = validate_run(parsed, toy_channels(), Limits())
    assert (checked.shots, checked.segments) == (50, 3)
