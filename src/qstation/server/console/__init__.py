"""The operator's console: a dashboard of quantum computers, jobs, queues and usage.

Served by ``qstation serve`` at ``/`` with every asset from the wheel (it works offline):
pages are rendered on the server with Jinja templates; htmx refreshes the parts that
change; uPlot draws the plots and cytoscape.js the chips. With ``--auth`` the console asks
for a username and password; without, it is open like the API.
"""

from __future__ import annotations

from fastapi import FastAPI, Request, Response

from qstation.server.console import admin, assets, pages
from qstation.server.console.session import LoginRequired, login_redirect

__all__ = ["install"]


def install(app: FastAPI) -> None:
    """Add the console, its assets and the offline ``/docs`` and ``/redoc`` to ``app``.

    The app must be created with ``docs_url=None, redoc_url=None``.
    """
    app.include_router(assets.router)
    app.include_router(pages.router)
    app.include_router(admin.router)
    assets.install_docs(app)

    @app.exception_handler(LoginRequired)
    async def login_required(request: Request, exc: LoginRequired) -> Response:
        return login_redirect(request, exc)
