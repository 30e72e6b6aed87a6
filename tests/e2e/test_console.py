"""The console over HTTP: login, pages, fragments, actions and offline assets."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.circuits import bell, job
from tests.support.servers import InProcessWorker

pytestmark = pytest.mark.timeout(60)
ADMIN = {"username": "admin", "password": "admin-pass-1"}


def _client(tmp_path: Path, **settings: Any) -> Any:
    from fastapi.testclient import TestClient

    from qstation.server.app import create_app
    from qstation.server.config import Settings
    from qstation.store import migrate

    s = Settings(data_dir=tmp_path / "data", qc=["star-5", "resonator-6"], **settings)
    migrate.upgrade(s.resolved_database_url())
    return TestClient(create_app(s), follow_redirects=False), s


@pytest.fixture()
def open_console(tmp_path: Path) -> Iterator[Any]:
    """The app without authentication and without workers (jobs stay waiting)."""
    client, _ = _client(tmp_path)
    with client:
        yield client


@pytest.fixture()
def auth_console(tmp_path: Path) -> Iterator[Any]:
    """The app with authentication and a real worker."""
    client, settings = _client(tmp_path, auth=True, admin_password=ADMIN["password"])
    with client, InProcessWorker(settings.resolved_database_url(), settings.notify_dir):
        yield client


def _login(client: Any, **creds: str) -> Any:
    return client.post("/console/login", data={**ADMIN, **creds, "next": "/console/jobs"})


def test_pages_need_a_login_when_auth_is_on(auth_console: Any) -> None:
    page = auth_console.get("/console/jobs?status=waiting")
    assert page.status_code == 303
    assert page.headers["location"] == "/console/login?next=%2Fconsole%2Fjobs%3Fstatus%3Dwaiting"
    fragment = auth_console.get("/console/jobs/rows", headers={"HX-Request": "true"})
    assert fragment.headers["HX-Redirect"].startswith("/console/login")
    form = auth_console.get("/console/login")
    assert 'name="password"' in form.text

    wrong = _login(auth_console, password="not-the-password")
    assert wrong.status_code == 401
    assert "invalid username or password" in wrong.text
    assert "qstation_access" not in wrong.cookies

    ok = _login(auth_console)
    assert ok.status_code == 303 and ok.headers["location"] == "/console/jobs"
    assert "httponly" in ok.headers["set-cookie"].lower()
    assert "samesite=strict" in ok.headers["set-cookie"].lower()
    for path in ("/", "/console/qc/star-5", "/console/jobs", "/console/queue", "/console/usage"):
        page = auth_console.get(path)
        assert page.status_code == 200, path
        assert "admin (admin)" in page.text


def test_logging_out_ends_the_session(auth_console: Any) -> None:
    _login(auth_console)
    access = auth_console.cookies["qstation_access"]
    assert auth_console.get("/console/jobs").status_code == 200
    out = auth_console.post("/console/logout")
    assert out.status_code == 303 and out.headers["location"] == "/console/login"
    # The session is revoked, not only forgotten: its token no longer works anywhere.
    who = auth_console.get(
        "/qstation/v1/auth/whoami", headers={"Authorization": f"Bearer {access}"}
    )
    assert who.status_code == 401
    assert auth_console.get("/console/jobs").status_code == 303


def test_a_login_only_returns_to_this_site(auth_console: Any) -> None:
    ok = auth_console.post("/console/login", data={**ADMIN, "next": "//evil.example/x"})
    assert ok.headers["location"] == "/"


def test_an_expired_access_token_is_renewed_from_the_refresh_cookie(auth_console: Any) -> None:
    _login(auth_console)
    auth_console.cookies.set("qstation_access", "expired-or-garbage")
    page = auth_console.get("/console/jobs")
    assert page.status_code == 200
    assert "qstation_access=" in page.headers["set-cookie"]


def test_jobs_appear_complete_and_show_counts(auth_console: Any) -> None:
    _login(auth_console)
    token = auth_console.post(
        "/qstation/v1/auth/token", data={"grant_type": "password", **ADMIN}
    ).json()["access_token"]
    reply = auth_console.post(
        "/api/v1/jobs/star-5/circuit?use_timeslot=false",
        json=job(bell("QB1", "QB3"), shots=200),
        headers={"Authorization": f"Bearer {token}"},
    )
    job_id = reply.json()["id"]
    auth_console.get(f"/api/v1/jobs/{job_id}", headers={"Authorization": f"Bearer {token}"})
    auth_console.get(
        f"/qstation/v1/jobs/{job_id}/wait?timeout=30", headers={"Authorization": f"Bearer {token}"}
    )
    rows = auth_console.get("/console/jobs/rows?status=completed").text
    assert f'data-job="{job_id}" data-status="completed"' in rows
    page = auth_console.get(f"/console/jobs/{job_id}").text
    assert 'class="histogram"' in page and "execution_ended" in page
    assert "prx QB1" in page  # the circuit is listed
    # The finished job's status panel no longer polls: it asks for one full reload.
    status = auth_console.get(f"/console/jobs/{job_id}/status")
    assert status.headers.get("HX-Refresh") == "true"
    usage = auth_console.get("/console/usage").text
    assert re.search(r"<td>admin</td><td class=\"num\">1</td><td class=\"num\">200</td>", usage)


def test_a_waiting_job_is_cancelled_and_deleted_from_its_page(open_console: Any) -> None:
    job_id = open_console.post(
        "/api/v1/jobs/star-5/circuit?use_timeslot=false", json=job(bell("QB1", "QB3"))
    ).json()["id"]
    page = open_console.get(f"/console/jobs/{job_id}").text
    assert 'hx-trigger="every 1s"' in page and 'id="cancel"' in page
    queue = open_console.get("/console/queue").text
    assert job_id[:8] in queue
    done = open_console.post(f"/console/jobs/{job_id}/cancel")
    assert done.status_code == 303
    assert open_console.get(f"/api/v1/jobs/{job_id}").json()["status"] == "cancelled"
    assert open_console.post(f"/console/jobs/{job_id}/delete").status_code == 303
    assert open_console.get(f"/api/v1/jobs/{job_id}").status_code == 404


def test_the_overview_carries_every_chip_with_its_metrics(open_console: Any) -> None:
    page = open_console.get("/").text
    assert 'data-qc="star-5"' in page and 'data-qc="resonator-6"' in page
    assert '"kind": "resonator"' in page  # resonator-6's computational resonator
    assert '"cz_fidelity":' in page and '"t1":' in page
    stats = open_console.get("/console/qc/star-5/stats").text
    assert 'class="queue-length">0<' in stats and 'hx-trigger="every 3s"' in stats
    assert open_console.get("/console/qc/nowhere/stats").status_code == 404
    history = open_console.get("/console/qc/star-5").text
    assert 'id="history-data"' in history
    assert "<td>QB1\u2013QB3</td>" in history  # the figures as a table, beside the drawing


def test_assets_and_api_docs_are_served_locally_and_compressed(open_console: Any) -> None:
    docs = open_console.get("/docs").text
    redoc = open_console.get("/redoc").text
    assert "cdn" not in docs.lower() and "cdn" not in redoc.lower()
    assert "fonts.googleapis" not in redoc
    url = re.search(r'src="(/console/static/vendor/swagger-ui-bundle\.js\?v=\w+)"', docs)
    assert url is not None
    js = open_console.get(url.group(1), headers={"Accept-Encoding": "gzip"})
    assert js.status_code == 200 and js.headers["content-encoding"] == "gzip"
    assert "immutable" in js.headers["cache-control"]
    again = open_console.get(url.group(1), headers={"If-None-Match": js.headers["etag"]})
    assert again.status_code == 304
    assert open_console.get("/console/static/../../app.py").status_code == 404
    page = open_console.get("/", headers={"Accept-Encoding": "gzip"})
    assert page.headers["content-encoding"] == "gzip" and 'data-qc="star-5"' in page.text


def test_admins_manage_users_and_tokens(auth_console: Any) -> None:
    _login(auth_console)
    made = auth_console.post(
        "/console/users", data={"username": "carol", "password": "carol-pass-1"}
    )
    assert "created user carol" in made.text
    short = auth_console.post("/console/users", data={"username": "dave", "password": "x"})
    assert "refused" in short.text
    issued = auth_console.post("/console/tokens", data={"username": "carol", "label": "ci"})
    secret = re.search(r'<code class="secret">([^<]+)</code>', issued.text)
    assert secret is not None
    who = auth_console.get(
        "/qstation/v1/auth/whoami", headers={"Authorization": f"Bearer {secret.group(1)}"}
    )
    assert who.json()["username"] == "carol"
    key = auth_console.post("/console/qaas-keys", data={"username": "carol", "label": "q"})
    assert "created a QaaS API key for carol" in key.text
    gone = auth_console.post("/console/users/carol/delete")
    assert "deleted user carol" in gone.text
