"""OpenQASM 2 from the command line, mapped onto the device's qubits and couplings.

With the ``qiskit`` extra installed, the program is laid out and routed onto the chip by the
Qiskit transpiler against the device's own target (``qstation.adapters.qiskit``), so a GHZ
written on ``q[0..2]`` runs on a star or a lattice alike. Without it, ``q[i]`` is taken as
``QB{i+1}`` as written, and an error about couplings names the extra that would map it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from qstation.cli._errors import USAGE, CLIError

if TYPE_CHECKING:
    from qstation.client import Circuit, IQMClient

#: What to install for automatic mapping.
EXTRA_HINT = 'install the qiskit extra (`pip install "qstation[qiskit]"`) to map it automatically'


def qiskit_available() -> bool:
    """Whether the Qiskit transpiler (and so the adapter) can be imported."""
    try:
        import qiskit  # noqa: F401
    except ImportError:
        return False
    return True


def _too_wide(used: int, device: str, qubits: int) -> CLIError:
    return CLIError(
        f"the circuit needs {used} qubits, and the device has {qubits} qubits ({device})",
        "use a larger device with --qc (`qstation qc list`), or a narrower circuit",
        USAGE,
    )


def map_qasm(text: str, name: str, client: IQMClient) -> Circuit:
    """The OpenQASM 2 program ``text`` as a native circuit of the client's device.

    Raises:
        CLIError: the program needs more qubits than the device has.
        CircuitValidationError: the program cannot be read or mapped.
    """
    from qstation.client import Circuit, CircuitValidationError
    from qstation.client.qasm import circuit_from_qasm

    arch = client.get_quantum_architecture()
    device, qubits = client.quantum_computer, len(arch.qubits)
    if not qiskit_available():
        circuit = circuit_from_qasm(text, name=name)
        used = {c for ins in circuit.instructions for c in ins.locus}
        if len(used) > qubits or any(c not in arch.qubits for c in used):
            highest = max((int(c[2:]) for c in used if c[2:].isdigit()), default=len(used))
            raise _too_wide(max(len(used), highest), device, qubits)
        return circuit

    from qiskit import QuantumCircuit, transpile
    from qiskit.qasm2 import QASM2Error

    from qstation.adapters.qiskit._convert import to_native
    from qstation.adapters.qiskit.backend import IQMBackend

    try:
        program = QuantumCircuit.from_qasm_str(text)
    except QASM2Error as err:
        raise CircuitValidationError(f"{name}: not valid OpenQASM 2: {err}") from None
    program.name = name
    if program.num_qubits > qubits:
        raise _too_wide(program.num_qubits, device, qubits)
    backend = IQMBackend(client, use_metrics=False)
    try:
        mapped = transpile(program, backend, optimization_level=1, seed_transpiler=1)
        native = to_native(mapped, backend.architecture)
    except Exception as err:  # the transpiler's errors are many; each says what it could not do
        raise CircuitValidationError(f"{name}: cannot map it onto {device}: {err}") from None
    return Circuit.model_validate(_plain_keys(native))


def _plain_keys(native: dict[str, Any]) -> dict[str, Any]:
    """Measurement keys as the CLI's own OpenQASM reader names them (``c_0``: register and
    bit) rather than the adapter's ``c_2_0_0``, so counts read the same either way."""
    from qstation.adapters.qiskit._convert import parse_key

    for ins in native["instructions"]:
        key = ins.get("args", {}).get("key")
        if ins["name"] == "measure" and isinstance(key, str):
            register, _, _, bit = parse_key(key)
            ins["args"]["key"] = f"{register}_{bit}"
    return native
