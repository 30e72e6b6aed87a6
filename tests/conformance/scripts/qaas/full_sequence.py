"""Drives the official ``qiboconnection`` client through the QaaS spec's whole sequence.

Runs with the *vendor* interpreter (``qiboconnection`` 0.23.2 and its pinned ``qibo``
installed, qstation not): only the standard library and the vendor packages are used.

Usage: ``python full_sequence.py CONFIG_JSON``, where the config names ``url`` (the server's
QaaS base URL), ``users`` ({role: [username, api_key]} for ``user``, ``member`` and
``admin``), ``device`` (an online device id), ``held_device`` (an offline device: jobs wait
there) and ``access_ttl`` (seconds an access token lives). Every step's outcome goes into one
JSON object printed on the last line of stdout; everything the client logs goes to stderr.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import time
import traceback
from typing import Any

CONFIG = json.loads(sys.argv[1])
os.environ["QUANTUM_SERVICE_URL"] = CONFIG["url"]
os.environ.setdefault("QIBOCONNECTION_ENVIRONMENT", "staging")
logging.basicConfig(stream=sys.stderr, level=logging.WARNING)

from qibo import Circuit, gates  # noqa: E402
from qiboconnection.api import API  # noqa: E402
from qiboconnection.typings.vqa import VQA  # noqa: E402

OUT: dict[str, Any] = {}


def error_of(call: Any) -> dict[str, Any]:
    """Run ``call`` expecting an exception; describe it (``raised: False`` if none)."""
    try:
        call()
    except Exception as err:
        response = getattr(err, "response", None)
        return {
            "raised": True,
            "type": type(err).__name__,
            "message": str(err),
            "status": getattr(response, "status_code", getattr(err, "status_code", None)),
        }
    return {"raised": False}


def wait(api: API, job_id: int, timeout: float = 60.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        job = api.get_job(job_id)
        if job.status in ("completed", "error", "cancelled") or time.monotonic() > deadline:
            return job
        time.sleep(0.2)


def bell() -> Circuit:
    circuit = Circuit(2)
    circuit.add(gates.H(0))
    circuit.add(gates.CNOT(0, 1))
    circuit.add(gates.M(0, 1))
    return circuit


def login(role: str) -> API:
    username, key = CONFIG["users"][role]
    return API.login(username=username, api_key=key)


def jobs_and_results(api: API, dev: int) -> None:
    api.select_device_id(dev)
    OUT["execute_selected"] = api.execute(circuit=bell(), nshots=100)
    job_id = api.execute(circuit=bell(), nshots=100, device_id=dev)
    OUT["execute_device_id"] = job_id
    job = wait(api, job_id)
    OUT["get_result_circuit"] = error_of(lambda: api.get_result(job_id))
    OUT["job"] = {
        "status": job.status,
        "job_type": job.job_type,
        "number_shots": job.number_shots,
        "user_id": job.user_id,
        "device_id": job.device_id,
        "result": job.result,
        "circuits": [c.nqubits for c in job.description["data"]],
        "qasm": job.description["data"][0].to_qasm(),
    }
    listing = api.list_jobs()
    OUT["list_jobs"] = {"ids": [i.id for i in listing.items], "columns": list(listing.dataframe)}
    OUT["list_favourites"] = [i.id for i in api.list_jobs(favourites=True).items]
    OUT["execute_and_return"] = api.execute_and_return_results(
        circuit=[bell()], nshots=50, device_id=dev, timeout=60, interval=1
    )
    two = api.execute(
        circuit=[bell(), bell()], nshots=20, device_id=dev, name="pair", summary="two bells"
    )
    job = wait(api, two)
    OUT["two_circuits"] = {"name": job.name, "summary": job.summary, "results": len(job.result)}


def refresh(api: API) -> None:
    time.sleep(CONFIG["access_ttl"] + 1.5)
    OUT["after_expiry"] = api.get_job(OUT["execute_device_id"]).status
    time.sleep(CONFIG["access_ttl"] + 1.5)
    OUT["after_second_expiry"] = len(api.list_devices().to_dict())


def cancel_and_delete(api: API, held: int) -> None:
    job_id = api.execute(circuit=bell(), nshots=10, device_id=held)
    OUT["held_status"] = api.get_job(job_id).status
    api.cancel_job(job_id)
    OUT["cancelled_status"] = api.get_job(job_id).status
    OUT["cancel_again"] = error_of(lambda: api.cancel_job(job_id))
    api.delete_job(job_id)
    OUT["get_deleted"] = error_of(lambda: api.get_job(job_id))
    OUT["delete_deleted"] = error_of(lambda: api.delete_job(job_id))


def other_programs(api: API, dev: int) -> None:
    kinds = {
        "qprogram": {"qprogram": "!QProgram\nbody: []\n"},
        "annealing_program": {"anneal_program_args": {"anneal": [1, 2]}},
        "vqa": {
            "vqa": VQA(
                vqa_dict={"ansatz": "x"}, init_params=[0, 0], optimizer_params={"method": "Powell"}
            )
        },
    }
    for kind, args in kinds.items():
        job_id = api.execute(nshots=10, device_id=dev, **args)
        job = api.get_job(job_id)
        OUT[f"program_{kind}"] = {
            "status": job.status,
            "job_type": job.job_type,
            "result": api.get_result(job_id),
            "error": getattr(job, "error", None),
        }


def records(member: API, dev: int) -> None:
    rid = member.save_runcard(
        name="rc1",
        description="d",
        runcard_dict={"a": 1, "b": [1, 2]},
        device_id=dev,
        user_id=member.user_id,
        qililab_version="0.27.0",
    )
    card = member.get_runcard(runcard_id=rid)
    by_name = member.get_runcard(runcard_name="rc1")
    card.description = "updated"
    updated = member.update_runcard(card)
    listed = member.list_runcards()
    member.delete_runcard(rid)
    OUT["runcards"] = {
        "id": rid,
        "runcard": card.runcard,
        "by_name": by_name.id,
        "updated": updated.description,
        "listed": [r.id for r in listed],
        "last": member.last_runcard.description,
        "get_deleted": error_of(lambda: member.get_runcard(runcard_id=rid)),
    }
    cid = member.save_calibration(
        name="cal1",
        description="d",
        calibration_serialized="!Calibration\nx: 1\n",
        device_id=dev,
        user_id=member.user_id,
        qililab_version="0.27.0",
    )
    cal = member.get_calibration(calibration_id=cid)
    by_name_cal = member.get_calibration(calibration_name="cal1")
    cal.description = "updated"
    updated_cal = member.update_calibration(cal)
    listed_cal = member.list_calibrations()
    member.delete_calibration(cid)
    OUT["calibrations"] = {
        "id": cid,
        "calibration": cal.calibration,
        "by_name": by_name_cal.id,
        "updated": updated_cal.description,
        "listed": [c.id for c in listed_cal],
    }


def devices_and_roles(user: API, admin: API, dev: int) -> None:
    OUT["user_set_maintenance"] = error_of(lambda: user.set_device_to_maintenance(dev))
    OUT["user_save_runcard"] = error_of(
        lambda: user.save_runcard(
            name="x",
            description="d",
            runcard_dict={},
            device_id=dev,
            user_id=user.user_id,
            qililab_version="0",
        )
    )
    admin.set_device_to_maintenance(dev)
    OUT["maintenance_status"] = user.list_devices().to_dict()[dev - 1]["status"]
    OUT["submit_in_maintenance"] = error_of(lambda: user.execute(circuit=bell(), device_id=dev))
    admin.set_device_to_online(dev)
    OUT["online_status"] = str(admin.list_devices().to_dict()[dev - 1]["status"])
    OUT["missing_device"] = error_of(lambda: user.select_device_id(999))
    OUT["slack_id"] = user._connection.user_slack_id


def main() -> None:
    dev, held = CONFIG["device"], CONFIG["held_device"]
    username, _ = CONFIG["users"]["user"]
    OUT["bad_login"] = error_of(lambda: API.login(username=username, api_key="qaas_1_wrong"))
    api = login("user")
    OUT["user_id"] = api.user_id
    OUT["ping"] = api.ping()
    devices = api.list_devices()
    OUT["devices"] = devices.to_dict(expand=True)
    steps = [
        lambda: jobs_and_results(api, dev),
        lambda: refresh(api),
        lambda: cancel_and_delete(api, held),
        lambda: other_programs(api, dev),
        lambda: records(login("member"), dev),
        lambda: devices_and_roles(api, login("admin"), dev),
    ]
    for step in steps:
        try:
            step()
        except Exception:
            OUT.setdefault("failures", []).append(traceback.format_exc())


if __name__ == "__main__":
    try:
        main()
    finally:
        print(json.dumps(OUT, default=str))
