"""The station's artifact routes over HTTP: media types, IQM's decoders, errors.

Each artifact is decoded the way IQM's own tools decode it (IQM's protobuf serializers,
``ChipTopology``, ``ExperimentConfiguration``), on every device the app hosts.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from exa.common.qcm_data.chip_topology import ChipTopology
from iqm.cpc.core.config import ExperimentConfiguration
from iqm.station_control.client.serializers.channel_property_serializer import (
    unpack_channel_properties,
)
from iqm.station_control.client.serializers.setting_node_serializer import (
    deserialize_setting_node,
)
from ruamel.yaml import YAML  # what IQM's client parses the configuration with

pytestmark = pytest.mark.timeout(120)
DEVICES = ["lattice-20", "resonator-6", "star-5"]


def _artifact(client: Any, qc: str, name: str, media_type: str) -> bytes:
    reply = client.get(f"/api/v1/quantum-computers/{qc}/artifacts/{name}")
    assert reply.status_code == 200, reply.text
    assert reply.headers["content-type"].startswith(media_type)
    return bytes(reply.content)


@pytest.mark.parametrize("qc", DEVICES)
def test_artifacts_decode_with_iqms_tools(test_client: Any, qc: str) -> None:
    record = _artifact(test_client, qc, "chip-design-records", "application/json")
    (design,) = json.loads(record)  # a list of one record
    topology = ChipTopology.from_chip_design_record(design)
    qubits = set(topology.qubits)

    settings = deserialize_setting_node(
        _artifact(test_client, qc, "settings", "application/protobuf")
    )
    assert {f"{q}__drive" for q in qubits} <= set(settings.children)
    assert settings["options"].playlist_repeats.value > 0

    raw = _artifact(test_client, qc, "channel-properties", "application/protobuf")
    properties = unpack_channel_properties(raw)
    assert {f"{q}__drive.awg" for q in qubits} <= set(properties)
    for line in topology.probe_lines:
        assert f"{line}__readout" in properties
    # Every drive takes feedback from every probe line, as cc_prx does on the circuit path.
    lines = sorted(f"{line}__readout" for line in topology.probe_lines)
    for q in qubits:
        assert sorted(properties[f"{q}__drive.awg"].fast_feedback_sources) == lines
        assert settings[f"{q}__drive"].awg.feedback_sources.value == [
            f"{line}__readout" for line in topology.probe_lines_sorted
        ]

    about = test_client.get(f"/api/v1/quantum-computers/{qc}/artifacts/about").json()
    assert about["dut_label"] == design["cheddar"]["chip_label"]
    assert set(about["station"]["channels"]) == set(properties)
    assert about["station"]["sample_rate"] == properties[f"{min(qubits)}__drive.awg"].sampling_rate


@pytest.mark.parametrize("qc", DEVICES)
def test_experiment_configuration_under_the_listed_proxy_path(test_client: Any, qc: str) -> None:
    listing = test_client.get("/api/v1/quantum-computers").json()["quantum_computers"]
    proxy_path = next(q["proxy_path"] for q in listing if q["alias"] == qc)
    reply = test_client.get(f"/{proxy_path}/exa/configuration")
    assert reply.status_code == 200
    assert reply.headers["content-type"].startswith("application/yaml")
    document = YAML(typ="safe", pure=True).load(reply.text)
    config = ExperimentConfiguration(document["experiment"])
    about = test_client.get(f"/api/v1/quantum-computers/{qc}/artifacts/about").json()
    assert config.dut_label == about["dut_label"]


def test_unknown_artifacts_and_devices_are_404_with_the_standard_body(test_client: Any) -> None:
    unknown = test_client.get("/api/v1/quantum-computers/star-5/artifacts/waveforms")
    assert unknown.status_code == 404
    body = unknown.json()
    assert body["error_code"] == "NOT_FOUND" and "waveforms" in body["message"]
    for path in (
        "/api/v1/quantum-computers/nowhere-9/artifacts/settings",
        "/api/v1/quantum-computers/nowhere-9/artifacts/channel-properties",
        "/api/v1/quantum-computers/nowhere-9/artifacts/chip-design-records",
        "/station/nowhere-9/exa/configuration",
    ):
        reply = test_client.get(path)
        assert reply.status_code == 404, path
        assert "nowhere-9" in reply.json()["message"]
