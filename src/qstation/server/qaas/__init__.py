"""The QaaS API v1 (the protocol of ``qiboconnection``), mounted under ``/qaas``.

Clients point ``QUANTUM_SERVICE_URL`` at ``http://HOST:PORT/qaas``. Jobs go to the same
queue, workers and digital twins as IQM jobs; see :mod:`.jobs` for how circuits are run and
:mod:`.identity` for logins. :func:`include` adds every route to an app.
"""

from __future__ import annotations

from fastapi import FastAPI

from qstation.server.qaas import accounts, api, api_jobs, api_records
from qstation.server.qaas.errors import PREFIX, is_qaas_path, qaas_error_response

__all__ = ["PREFIX", "include", "is_qaas_path", "qaas_error_response"]


def include(app: FastAPI) -> None:
    """Add the QaaS routes (and qstation's QaaS account routes) to ``app``."""
    for router in (
        api.base,
        api.router,
        api_jobs.router,
        api_jobs.ours,
        api_records.router,
        accounts.router,
    ):
        app.include_router(router)
