"""``qstation qc`` and ``qstation jobs``: quantum computers and jobs from the command line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from qstation.cli._common import Progress, SDKGroup, table, with_client
from qstation.cli._errors import USAGE, CLIError
from qstation.cli.auth_cmds import AUTH_COMMANDS

if TYPE_CHECKING:  # the SDK is imported when a command runs (see qstation.cli._common)
    from qstation.client import Circuit, IQMClient
    from qstation.schemas.iqm_v1 import JobData, ObservationSet

_STATUSES = ("waiting", "processing", "completed", "failed", "cancelled")


@click.group(cls=SDKGroup)
def qc() -> None:
    """Quantum computers: list them, show architecture and calibration."""


@qc.command("list")
@with_client
def qc_list(client: IQMClient) -> None:
    """List the hosted quantum computers."""
    from qstation.cli._common import server_note

    rows = [(q.alias, q.display_name, q.id) for q in client.server.list_quantum_computers()]
    click.echo(f"# {server_note()}", err=True)
    click.echo(table(("ALIAS", "NAME", "ID"), rows))


@qc.command("show")
@with_client
def qc_show(client: IQMClient) -> None:
    """Show the architecture and current calibration of a quantum computer (--qc)."""
    arch = client.get_quantum_architecture()
    click.echo(
        f"{arch.name}: {len(arch.qubits)} qubits, "
        f"{len(arch.computational_resonators)} resonators, "
        f"calibration set {arch.calibration_set_id}"
    )
    gates = [(name, len(loci)) for name, loci in arch.operations.items()]
    click.echo("\n" + table(("GATE", "LOCI"), gates))
    qubits, pairs = _calibration_rows(client.get_quality_metric_set())
    click.echo(
        "\n"
        + table(
            ("QUBIT", "T1 µs", "T2 µs", "PRX FID", "READOUT FID"),
            [(q, *qubits.get(q, [None] * 4)) for q in arch.qubits],
        )
    )
    rows = [(" - ".join(locus), pairs.get("__".join(locus))) for locus in arch.qubit_connectivity]
    click.echo("\n" + table(("COUPLING", "2Q FID"), rows))


def _calibration_rows(
    metrics: ObservationSet,
) -> tuple[dict[str, list[float | None]], dict[str, float]]:
    qubits: dict[str, list[float | None]] = {}
    pairs: dict[str, float] = {}
    for obs in metrics.observations:
        parts = obs.dut_field.split(".")
        value = float(obs.value) if isinstance(obs.value, int | float) else None
        if parts[0] == "characterization" and parts[-1] in ("t1_time", "t2_time"):
            column = 0 if parts[-1] == "t1_time" else 1
            qubits.setdefault(parts[2], [None] * 4)[column] = (value or 0.0) * 1e6
        elif parts[:3] == ["metrics", "rb", "prx"] and parts[-1] == "fidelity":
            qubits.setdefault(parts[4], [None] * 4)[2] = value
        elif parts[:3] == ["metrics", "ssro", "measure"] and parts[-1] == "fidelity":
            qubits.setdefault(parts[4], [None] * 4)[3] = value
        elif parts[:2] == ["metrics", "irb"] and parts[-1] == "fidelity" and value is not None:
            pairs[parts[4]] = value
    return qubits, pairs


@click.group(cls=SDKGroup)
def jobs() -> None:
    """Jobs: submit, list, show, wait for, cancel and delete."""


def load_circuits(
    path: Path, client: IQMClient | None = None
) -> tuple[list[Circuit], dict[str, Any]]:
    """Circuits and request options from a circuit JSON file or an OpenQASM 2 file.

    JSON may be a whole job request (``{"circuits": [...], "shots": ...}``), a list of
    circuits, or one circuit. OpenQASM is mapped onto the client's device when a client is
    given (see :mod:`qstation.cli._qasm`), else read with ``q[i]`` as ``QB{i+1}``.

    Raises:
        CircuitValidationError: the file cannot be read as circuits.
    """
    from qstation.client import Circuit, CircuitValidationError
    from qstation.client.qasm import circuit_from_qasm

    text = path.read_text(encoding="utf-8")
    if path.suffix.lower() in (".qasm", ".qasm2") or text.lstrip().startswith("OPENQASM"):
        if client is not None:
            from qstation.cli._qasm import map_qasm

            return [map_qasm(text, path.stem, client)], {}
        return [circuit_from_qasm(text, name=path.stem)], {}
    try:
        data = json.loads(text)
    except ValueError as err:
        raise CircuitValidationError(f"{path} is neither OpenQASM 2 nor JSON: {err}") from err
    if isinstance(data, dict) and "circuits" in data:
        options = {k: v for k, v in data.items() if k != "circuits" and v is not None}
        options.pop("move_validation_mode", None)
        options.pop("move_gate_frame_tracking_mode", None)
        data = data["circuits"]
    else:
        options = {}
    items = data if isinstance(data, list) else [data]
    try:
        return [Circuit.model_validate(c) for c in items], options
    except ValueError as err:
        raise CircuitValidationError(f"{path}: not valid circuit JSON: {err}") from err


@jobs.command("submit")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--shots",
    type=click.IntRange(min=1),
    default=None,
    help="Shots per circuit, at least 1 (default: the file's, or 1000).",
)
@click.option("--calibration-set-id", default=None, help="Calibration set (default: current).")
@click.option("--idempotency-key", default=None, help="Makes resubmitting safe.")
@click.option("--wait/--no-wait", default=False, help="Wait for the results and show counts.")
@click.option("--timeout", type=float, default=None, help="Seconds to wait at most.")
@with_client
def jobs_submit(
    client: IQMClient,
    file: Path,
    shots: int | None,
    calibration_set_id: str | None,
    idempotency_key: str | None,
    wait: bool,
    timeout: float | None,
) -> None:
    """Submit FILE: circuit JSON (IQM format) or OpenQASM 2 (qelib1 gates).

    OpenQASM is mapped onto the device's qubits and couplings with the Qiskit transpiler
    when the qiskit extra is installed; circuit JSON runs on the qubits it names.
    """
    from qstation.client import InvalidRequestError

    circuits, options = load_circuits(file, client)
    options["shots"] = shots if shots is not None else options.get("shots", 1000)
    if calibration_set_id:
        options["calibration_set_id"] = calibration_set_id
    try:
        job = client.run(circuits, idempotency_key=idempotency_key, **options)
    except InvalidRequestError as err:
        from qstation.cli._qasm import EXTRA_HINT, qiskit_available

        if (
            "coupled" in err.message
            and file.suffix.lower().startswith(".qasm")
            and not qiskit_available()
        ):
            raise CLIError(
                err.message, f"the circuit is not mapped onto the chip: {EXTRA_HINT}", USAGE
            ) from None
        raise
    click.echo(str(job.job_id))
    if wait:
        _wait_and_show(client, str(job.job_id), timeout, job.data)


@jobs.command("list")
@click.option("--limit", type=int, default=20, show_default=True)
@click.option("--status", type=click.Choice(_STATUSES), default=None)
@click.option("--cursor", default=None, help="Continue after a previous page.")
@click.option("--all", "all_users", is_flag=True, help="Every user's jobs (admin).")
@with_client
def jobs_list(
    client: IQMClient, limit: int, status: str | None, cursor: str | None, all_users: bool
) -> None:
    """List your jobs, newest first."""
    from qstation.client import JobStatus

    page = client.list_jobs(
        limit=limit,
        cursor=cursor,
        all_users=all_users,
        status=JobStatus(status) if status else None,
    )
    rows = [
        (
            j.id,
            j.status.value,
            j.quantum_computer,
            j.owner,
            j.n_circuits,
            j.shots,
            j.created_at.strftime("%Y-%m-%d %H:%M:%S"),
        )
        for j in page.items
    ]
    click.echo(table(("ID", "STATUS", "QC", "OWNER", "CIRCUITS", "SHOTS", "CREATED (UTC)"), rows))
    if page.next_cursor:
        click.echo(f"more: --cursor {page.next_cursor}")


@jobs.command("show")
@click.argument("job_id")
@click.option("--all", "all_outcomes", is_flag=True, help="Every outcome, not the 16 commonest.")
@with_client
def jobs_show(client: IQMClient, job_id: str, all_outcomes: bool) -> None:
    """Show a job's status, timeline, messages, errors and (if completed) counts."""
    data = client.get_run_status(job_id)
    _describe(client, data, all_outcomes)


@jobs.command("wait")
@click.argument("job_id")
@click.option("--timeout", type=float, default=None, help="Seconds to wait at most.")
@with_client
def jobs_wait(client: IQMClient, job_id: str, timeout: float | None) -> None:
    """Wait for a job with a live progress display, then show its counts."""
    _wait_and_show(client, job_id, timeout, None)


@jobs.command("cancel")
@click.argument("job_id")
@with_client
def jobs_cancel(client: IQMClient, job_id: str) -> None:
    """Cancel a job (a finished job keeps its status)."""
    client.cancel_job(job_id)
    click.echo(f"job {job_id}: {client.get_run_status(job_id).status.value}")


@jobs.command("delete")
@click.argument("job_id")
@with_client
def jobs_delete(client: IQMClient, job_id: str) -> None:
    """Delete a job and its results."""
    client.delete_job(job_id)
    click.echo(f"job {job_id}: deleted")


def _wait_and_show(
    client: IQMClient, job_id: str, timeout: float | None, last: JobData | None
) -> None:
    from qstation.client import JobStatus

    job = client.job(job_id, data=last)
    with Progress(job_id) as progress:
        job.wait(timeout, on_update=progress.update)
    _describe(client, job.data)
    if job.data.status is not JobStatus.COMPLETED:
        job.result()  # raises the job's failure or cancellation


#: Outcomes shown per circuit; the rest is summed up in one line (``jobs show --all``).
SHOWN_OUTCOMES = 16


def _describe(client: IQMClient, data: JobData, all_outcomes: bool = False) -> None:
    from qstation.cli._common import job_line
    from qstation.client import JobStatus

    click.echo(f"job {data.id}: {job_line(data)}")
    for entry in data.timeline:
        click.echo(f"  {entry.timestamp:%H:%M:%S.%f}  {entry.source}: {entry.status}")
    for message in data.messages:
        click.echo(f"  message [{message.source}]: {message.message}")
    for error in data.errors:
        click.echo(f"  error [{error.error_code}]: {error.message}")
    if data.status is JobStatus.COMPLETED:
        for index, counts in enumerate(client.get_job_measurement_counts(data.id)):
            keys = ",".join(counts.measurement_keys)
            ranked = sorted(counts.counts.items(), key=lambda kv: (-kv[1], kv[0]))
            shown = ranked if all_outcomes else ranked[:SHOWN_OUTCOMES]
            line = " ".join(f"{bits}:{n}" for bits, n in shown)
            rest = ranked[len(shown) :]
            if rest:
                line += (
                    f" … and {len(rest)} more outcomes ({sum(n for _, n in rest)} shots; "
                    f"`qstation jobs show {data.id} --all` lists them)"
                )
            click.echo(f"circuit {index} ({keys}): {line}")


#: Every client-side command group, for ``qstation.cli.main`` to register.
CLIENT_COMMANDS = (qc, jobs, *AUTH_COMMANDS)
