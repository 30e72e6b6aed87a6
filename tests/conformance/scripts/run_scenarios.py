"""Run jobs through the official ``IQMClient`` (36): ``submit_playlist`` and the run payload.

A Bell circuit is compiled with the client's ``get_standard_compiler()`` and submitted with
``submit_playlist``; the job is read back as IQM's ``RunDefinition``. Definitions the station
cannot run (an unknown channel, a duration off the granularity, too many shots) are refused
at submission with the server's message.
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any

from _harness import Context, expect_error, make_client, run
from iqm.pulse import Circuit, CircuitOperation

HALF_PI = math.pi / 2
QC = "star-5"


def bell(a: str = "QB1", b: str = "QB3") -> Circuit:
    """H on ``a``, CNOT a->b as H·CZ·H, measure both under key ``m``."""
    ops = [
        CircuitOperation(name="prx", locus=(a,), args={"angle": HALF_PI, "phase": HALF_PI}),
        CircuitOperation(name="prx", locus=(b,), args={"angle": HALF_PI, "phase": -HALF_PI}),
        CircuitOperation(name="cz", locus=(a, b), args={}),
        CircuitOperation(name="prx", locus=(b,), args={"angle": HALF_PI, "phase": HALF_PI}),
        CircuitOperation(name="measure", locus=(a, b), args={"key": "m"}),
    ]
    return Circuit(name="bell", instructions=tuple(ops))


def _compiled(client: Any, shots: int = 200) -> tuple[Any, Any]:
    compiler = client.get_standard_compiler()
    run_definition, context = compiler.compile([bell()])
    run_definition.sweep_definition.settings.set_shots(shots)
    return run_definition, context


def _submit(ctx: Context) -> dict[str, Any]:
    client = make_client(ctx, QC)
    run_definition, context = _compiled(client)
    job = client.submit_playlist(run_definition, context=context)
    data = client._executor.get_job(job.job_id)  # what the server says, not the tracker's cache
    payload = client._executor.get_job_payload(job.job_id, "run")
    return {
        "type": data.type,
        "status": str(data.status.value),
        "payload_run_id": str(payload.run_id),
        "sent_run_id": str(run_definition.run_id),
        "payload_segments": len(payload.sweep_definition.playlist.segments),
        "payload_channels": sorted(payload.sweep_definition.playlist.channel_descriptions),
    }


def _rename_channel(run_definition: Any, old: str, new: str) -> None:
    playlist = run_definition.sweep_definition.playlist
    channel = playlist.channel_descriptions.pop(old)
    channel.controller_name = new
    playlist.channel_descriptions[new] = channel
    for segment in playlist.segments:
        if old in segment.instructions:
            segment.instructions[new] = segment.instructions.pop(old)


def _off_granularity(run_definition: Any, channel_name: str) -> None:
    from iqm.models.playlist.instructions import Instruction, Wait

    playlist = run_definition.sweep_definition.playlist
    channel = playlist.channel_descriptions[channel_name]
    playlist.segments[0].add_to_segment(channel, Instruction(40, Wait()))


def _reject(ctx: Context) -> dict[str, Any]:
    client = make_client(ctx, QC)
    out: dict[str, Any] = {}

    unknown, context = _compiled(client)
    _rename_channel(unknown, "QB1__drive.awg", "QB9__drive.awg")
    out["unknown_channel"] = expect_error(lambda: client.submit_playlist(unknown, context=context))

    granular, context = _compiled(client)
    _off_granularity(granular, "QB1__drive.awg")
    out["granularity"] = expect_error(lambda: client.submit_playlist(granular, context=context))

    many, context = _compiled(client, shots=10**7)
    out["shots"] = expect_error(lambda: client.submit_playlist(many, context=context))

    empty, context = _compiled(client)
    empty.sweep_definition = replace(empty.sweep_definition, playlist=None)
    out["no_playlist"] = expect_error(lambda: client.submit_playlist(empty, context=context))
    return out


if __name__ == "__main__":
    run({"submit": _submit, "reject": _reject})
