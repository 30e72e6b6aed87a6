"""The OpenAPI schema as the API behaves: the bodies routes read and the errors they send.

FastAPI's generated schema documents a 422 in its own validation shape, which no route
sends, leaves out the other errors, and cannot see the bodies that routes read themselves
(the IQM circuit submission). :func:`install_openapi` rewrites the generated schema once:

* every operation lists the error statuses the one error handler can answer, each with
  the body actually sent: the IQM error object, or under ``/qaas`` the QaaS error object
  (where 400 is sent as 422);
* the IQM circuit submission documents its JSON body (``CircuitJobRequest``).
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from qstation.schemas.iqm_v1.circuits import CircuitJobRequest
from qstation.schemas.qaas_v1 import ErrorBody as QaasError
from qstation.server.qaas.errors import is_qaas_path

#: Errors any operation may answer (authentication, limits, throttling, outages...).
_ERRORS = {
    "400": "malformed or invalid request",
    "401": "missing or invalid credentials",
    "403": "not allowed",
    "404": "no such resource (or not visible to the caller)",
    "409": "conflicts with the resource's state",
    "413": "body over the size limit",
    "415": "body in a format the route does not read",
    "429": "quota or login throttling; see Retry-After",
    "500": "internal error",
    "501": "not offered by the simulated quantum computer",
    "503": "the database is unavailable; see Retry-After",
}
_CIRCUIT_SUBMISSION = ("/api/v1/jobs/{qc}/circuit", "post")


def _iqm_error_schema() -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["message", "source"],
        "properties": {
            "message": {"type": "string"},
            "error_code": {"type": ["string", "null"]},
            "source": {"type": "string"},
            "detail": {"type": "string"},
        },
    }


def _document(schema: dict[str, Any]) -> dict[str, Any]:
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components["IqmError"] = _iqm_error_schema()
    components["QaasError"] = QaasError.model_json_schema()
    request = CircuitJobRequest.model_json_schema(ref_template="#/components/schemas/{model}")
    for name, definition in request.pop("$defs", {}).items():
        components.setdefault(name, definition)
    components["CircuitJobRequest"] = request
    for path, item in schema.get("paths", {}).items():
        qaas = is_qaas_path(path)
        ref = {"$ref": "#/components/schemas/" + ("QaasError" if qaas else "IqmError")}
        for method, operation in item.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            responses = operation["responses"]
            responses.pop("422", None)  # FastAPI's own shape, never sent
            for status, text in _ERRORS.items():
                if qaas and status == "400":
                    status = "422"  # QaaS clients replay a 400 after refreshing
                responses.setdefault(
                    status, {"description": text, "content": {"application/json": {"schema": ref}}}
                )
            if (path, method) == _CIRCUIT_SUBMISSION:
                operation["requestBody"] = {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {"$ref": "#/components/schemas/CircuitJobRequest"}
                        }
                    },
                }
    components.pop("HTTPValidationError", None)
    components.pop("ValidationError", None)
    return schema


def install_openapi(app: FastAPI) -> None:
    """Serve the rewritten schema at ``/openapi.json`` (built once, on first request)."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = _document(
                get_openapi(title=app.title, version=app.version, routes=app.routes)
            )
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
