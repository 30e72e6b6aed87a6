"""The QaaS client's public surface: every ``qiboconnection`` operation, documented, with one
exception root, and importing nothing of qstation but the wire schemas."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import qstation.qaas as qaas
from qstation.qaas import API, QaasError

OPERATIONS = (
    "login ping list_devices select_device_id select_device_ids set_device_to_maintenance "
    "set_device_to_online execute get_result get_results execute_and_return_results list_jobs "
    "get_job cancel_job delete_job save_runcard get_runcard list_runcards update_runcard "
    "delete_runcard save_calibration get_calibration list_calibrations update_calibration "
    "delete_calibration"
).split()
PROPERTIES = "user_id jobs last_job last_runcard last_calibration".split()


def test_all_is_importable_and_documented() -> None:
    assert sorted(qaas.__all__) == sorted(set(qaas.__all__))
    for name in qaas.__all__:
        assert inspect.getdoc(getattr(qaas, name)), name


def test_every_operation_of_qiboconnection_exists_and_is_documented() -> None:
    for name in OPERATIONS:
        assert callable(getattr(API, name)) and inspect.getdoc(getattr(API, name)), name
    for name in PROPERTIES:
        assert isinstance(inspect.getattr_static(API, name), property), name
    execute = inspect.signature(API.execute).parameters
    for parameter in (
        "circuit",
        "qprogram",
        "anneal_program_args",
        "vqa",
        "nshots",
        "device_ids",
        "device_id",
        "name",
        "summary",
    ):
        assert parameter in execute
    waiting = inspect.signature(API.execute_and_return_results).parameters
    assert "timeout" in waiting and "interval" in waiting


def test_exceptions_share_one_root() -> None:
    errors = [
        getattr(qaas, n)
        for n in qaas.__all__
        if inspect.isclass(getattr(qaas, n)) and issubclass(getattr(qaas, n), Exception)
    ]
    assert errors and all(issubclass(e, QaasError) for e in errors)


def test_imports_only_schemas_and_httpx() -> None:
    package = Path(qaas.__file__).parent
    for path in package.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                module = node.module
                if module.startswith("qstation"):
                    assert module == "qstation" or module.startswith(
                        ("qstation.schemas", "qstation.qaas")
                    ), (path.name, module)
                assert not module.startswith(("fastapi", "sqlalchemy", "qiskit")), path.name
