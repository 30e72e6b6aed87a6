"""The console in a real headless Chromium against a real ``qstation serve --auth``.

Playwright drives the system's Chromium (Debian's ``chromium`` package; Playwright's own
browser downloads are not used). Set ``QSTATION_CONSOLE_SHOTS=DIR`` to also save a
screenshot of each page and the measured page weights and times (``docs/dashboard.md``).
"""

from __future__ import annotations

import json
import os
import statistics
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from qstation.client import IQMClient
from qstation.qpu.registry import get_device
from tests.e2e.test_sdk import bell
from tests.support.servers import serve_process

CHROMIUM = Path(os.environ.get("QSTATION_CHROMIUM", "/usr/bin/chromium"))
pytestmark = [
    pytest.mark.slow,
    pytest.mark.timeout(240),
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"no Chromium at {CHROMIUM}"),
]
playwright_api = pytest.importorskip("playwright.sync_api")
ADMIN = {"username": "admin", "password": "admin-pass-1"}
CATALOG = ("star-5", "lattice-20", "lattice-54", "resonator-6")
SHOTS = os.environ.get("QSTATION_CONSOLE_SHOTS")
#: A page must weigh less than this over the wire (all its resources, uncached).
MAX_PAGE_BYTES = 300_000
#: Generous bound on time-to-usable: the target (1 s) is measured and reported, not asserted.
MAX_USABLE_MS = 15_000
VISITS = 3  # first visits per page; their median time is reported
measured: dict[str, dict[str, float]] = {}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    data = tmp_path_factory.mktemp("console") / "data"
    env = {"QSTATION_ADMIN_PASSWORD": ADMIN["password"]}
    with serve_process(data, CATALOG, "--auth", "--workers", "1", env=env) as url:
        token = httpx.post(
            f"{url}/qstation/v1/auth/token", data={"grant_type": "password", **ADMIN}
        ).json()["access_token"]
        tomorrow = datetime.now(UTC).replace(hour=10, minute=0, second=0, microsecond=0)
        tomorrow += timedelta(days=1)
        httpx.post(
            f"{url}/qstation/v1/bookings",
            headers={"Authorization": f"Bearer {token}"},
            json={
                "quantum_computer": "lattice-20",
                "username": "admin",
                "starts_at": tomorrow.isoformat(),
                "ends_at": (tomorrow + timedelta(hours=2)).isoformat(),
                "note": "calibration study",
            },
        ).raise_for_status()
        for _ in range(3):  # calibration history with recalibrations (drift) to plot
            httpx.post(
                f"{url}/qstation/v1/quantum-computers/star-5/recalibrate",
                headers={"Authorization": f"Bearer {token}"},
            ).raise_for_status()
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with playwright_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def logged_in(server: str, browser: Any) -> Iterator[Any]:
    """A browser context logged in through the login form (so the form is tested too)."""
    context = browser.new_context(viewport={"width": 1300, "height": 900})
    page = context.new_page()
    page.goto(f"{server}/console/jobs")
    assert "/console/login" in page.url
    page.fill("input[name=username]", ADMIN["username"])
    page.fill("input[name=password]", "wrong-password")
    page.click("button[type=submit]")
    assert "invalid username or password" in page.inner_text("[role=alert]")
    page.fill("input[name=username]", ADMIN["username"])
    page.fill("input[name=password]", ADMIN["password"])
    page.click("button[type=submit]")
    page.wait_for_url(f"{server}/console/jobs")
    page.close()
    yield context
    context.close()


def sdk(server: str) -> IQMClient:
    return IQMClient(server, quantum_computer="star-5", **ADMIN)


@pytest.fixture(scope="module")
def pair(server: str) -> tuple[str, str]:
    """A pair whose cz the default set calibrates.

    The fixture's recalibrations drift the chip, and drift can fail a coupler's calibration:
    its cz then leaves the architecture and a circuit using it is refused.
    """
    with sdk(server) as client:
        cz = client.get_dynamic_quantum_architecture().gates["cz"]
    first = cz.implementations[cz.default_implementation].loci[0]
    return first[0], first[1]


def _ready(page: Any) -> None:
    page.wait_for_selector("body[data-ready=true]", state="attached")


def _shoot(page: Any, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"dashboard-{name}.png"), full_page=True)


def test_every_catalog_chip_is_drawn_in_metric_colours(server: str, logged_in: Any) -> None:
    page = logged_in.new_page()
    page.goto(f"{server}/")
    _ready(page)
    assert sorted(page.evaluate("Object.keys(window.qstation.chips)")) == sorted(CATALOG)
    for qc in CATALOG:
        spec = get_device(qc)
        n_components = len(spec.qubits) + len(spec.computational_resonators)
        chip = f"window.qstation.chips['{qc}'].cy"
        assert page.evaluate(f"{chip}.nodes().length") == n_components
        colours = page.evaluate(
            f"{chip}.nodes('[kind = \"qubit\"]').map(n => n.style('background-color'))"
        )
        assert len(set(colours)) > 1, qc  # a scale, not one flat colour
        assert "rgb(154,163,173)" not in {c.replace(" ", "") for c in colours}  # none left grey
    # Coupler colours by cz fidelity, and values on hover.
    page.select_option("#metric", "cz_fidelity")
    edges = page.evaluate(
        "window.qstation.chips['lattice-20'].cy.edges().map(e => e.style('line-color'))"
    )
    assert len(set(edges)) > 1
    page.select_option("#metric", "t1")
    box = page.locator(".chip-box[data-qc='star-5'] .chip").bounding_box()
    at = page.evaluate("window.qstation.chips['star-5'].cy.$id('QB3').renderedPosition()")
    page.mouse.move(box["x"] + at["x"], box["y"] + at["y"])
    hover = page.locator(".chip-box[data-qc='star-5'] .hover")
    playwright_api.expect(hover).to_contain_text("QB3: T1 ")
    _shoot(page, "quantum-computers")
    page.goto(f"{server}/console/qc/star-5")
    _ready(page)
    assert page.evaluate("window.qstation.plots.length") >= 4  # a plot per metric
    assert page.evaluate("window.qstation.plots[0].data[0].length") == 4  # 4 calibration sets
    _shoot(page, "quantum-computer")
    page.close()


def test_a_job_from_the_sdk_appears_completes_and_shows_its_histogram(
    server: str, logged_in: Any, pair: tuple[str, str]
) -> None:
    page = logged_in.new_page()
    page.goto(f"{server}/console/jobs")
    _ready(page)
    with sdk(server) as client:
        job_id = str(client.submit_circuits([bell(*pair)], shots=500))
    row = page.locator(f"tr[data-job='{job_id}']")
    row.wait_for(timeout=20_000)  # appears without a reload (the table polls)
    page.locator(f"tr[data-job='{job_id}'][data-status='completed']").wait_for(timeout=60_000)
    _shoot(page, "jobs")
    row.locator("a").click()
    _ready(page)
    page.locator(".histogram .uplot").wait_for()
    bars = page.evaluate("window.qstation.plots[0].data")
    labels = json.loads(page.locator(".histogram script").inner_text())["labels"]
    assert sum(bars[1]) == 500 and {"00", "11"} <= set(labels)
    assert "execution_ended" in page.inner_text(".timeline")
    _shoot(page, "job")
    page.close()


def test_a_waiting_job_is_cancelled_from_its_page(
    server: str, logged_in: Any, pair: tuple[str, str]
) -> None:
    with sdk(server) as client:
        # A timeslot job without a booking waits: a job that stays cancellable.
        job_id = str(client.submit_circuits([bell(*pair)], shots=10, use_timeslot=True))
        page = logged_in.new_page()
        page.goto(f"{server}/console/queue")
        _ready(page)
        playwright_api.expect(page.locator("main")).to_contain_text(job_id[:8])
        slot = page.locator(".calendar .slot")
        playwright_api.expect(slot).to_have_text("lattice-20 10:00\u201312:00 admin")
        _shoot(page, "queue")
        page.goto(f"{server}/console/jobs/{job_id}")
        _ready(page)
        playwright_api.expect(page.locator("#status")).to_have_text("waiting")
        page.click("#cancel")
        playwright_api.expect(page.locator("#status")).to_have_text("cancelled")
        assert client.get_run_status(job_id).status.value == "cancelled"
    page.close()


PAGES = [
    "/console/login",
    "/",
    "/console/qc/lattice-54",
    "/console/jobs",
    "/console/queue",
    "/console/usage",
    "/docs",
]


@pytest.mark.parametrize("path", PAGES)
def test_page_weight_and_time_to_usable(
    server: str, browser: Any, logged_in: Any, path: str
) -> None:
    # First visits (a fresh context each: nothing cached), logged in with the same cookies;
    # the median of a few, as the machine's load moves single runs.
    weights, times = [], []
    for attempt in range(VISITS):
        context = browser.new_context(viewport={"width": 1300, "height": 900})
        context.add_cookies(logged_in.cookies())
        page = context.new_page()
        page.goto(f"{server}{path}")
        if path == "/docs":
            page.wait_for_selector(".swagger-ui .opblock")  # rendered from bundled assets
            times.append(page.evaluate("performance.now()"))
        else:
            _ready(page)
            times.append(page.evaluate("window.qstation.readyAt"))
        weights.append(
            page.evaluate(
                "performance.getEntriesByType('navigation').concat("
                "performance.getEntriesByType('resource')).reduce((s, e) => s + e.transferSize, 0)"
            )
        )
        if SHOTS and attempt == 0 and path in ("/console/usage", "/console/login"):
            _shoot(page, path.rsplit("/", 1)[-1])
        context.close()
    weight, usable = max(weights), statistics.median(times)
    measured[path] = {"bytes": weight, "usable_ms": round(usable, 1)}
    if "/console/login" in measured:  # the bare page (no data, no chips) as the yardstick
        measured[path]["vs_login"] = round(usable / measured["/console/login"]["usable_ms"], 2)
    if SHOTS:
        (Path(SHOTS) / "dashboard-measured.json").write_text(json.dumps(measured, indent=1))
    if path != "/docs":  # the API reference is not a console page; it is measured only
        assert 0 < weight < MAX_PAGE_BYTES, (path, weight)
    assert usable < MAX_USABLE_MS, (path, usable)
