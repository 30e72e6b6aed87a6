"""A bounded schemathesis run over every operation of the OpenAPI schema, auth off and on:
no server error (5xx) and no response that breaks its documented schema."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.support.servers import serve_process

pytestmark = pytest.mark.timeout(600)
PASSWORD = "fuzz-admin-password"
EXAMPLES = 8  # per operation: bounds the run to a minute or two of CPU


@pytest.fixture(scope="module", params=["auth-off", "auth-on"])
def served(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, dict[str, str]]]:
    data = tmp_path_factory.mktemp(request.param) / "data"
    extra = ("--auth",) if request.param == "auth-on" else ()
    env = {"QSTATION_ADMIN_PASSWORD": PASSWORD}
    with serve_process(data, ("star-5",), "--no-workers", *extra, env=env) as url:
        headers: dict[str, str] = {}
        if extra:
            grant = {"grant_type": "password", "username": "admin", "password": PASSWORD}
            token = httpx.post(f"{url}/qstation/v1/auth/token", json=grant).json()
            headers = {"Authorization": f"Bearer {token['access_token']}"}
        yield url, headers


def _fuzz(operation: Any, url: str, headers: dict[str, str]) -> None:
    """Run ``EXAMPLES`` generated requests; raises schemathesis' failure group on a finding."""
    from hypothesis import HealthCheck, Phase, given, settings
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import response_schema_conformance

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy())
    def run(case: Any) -> None:
        case.call_and_validate(
            base_url=url, headers=headers, checks=[not_a_server_error, response_schema_conformance]
        )

    run()


def test_every_operation_answers_within_its_schema(served: tuple[str, dict[str, str]]) -> None:
    import schemathesis

    url, headers = served
    schema = schemathesis.openapi.from_url(f"{url}/openapi.json")
    failures: list[str] = []
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1
        try:
            _fuzz(operation, url, headers)
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException as err:  # schemathesis' FailureGroup is a BaseExceptionGroup
            failures.append(f"{operation.method.upper()} {operation.path}: {err}"[:800])
    assert operations > 30
    assert not failures, "\n\n".join(failures[:20])
