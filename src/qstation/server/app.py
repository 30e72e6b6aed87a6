"""The application factory: one app, its lifespan, and the one error handler."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError, IntegrityError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as SQLAlchemyTimeoutError
from starlette.exceptions import HTTPException as StarletteHTTPException

from qstation import __version__, heap
from qstation.queue.notify import LocalNotifier, Notifier
from qstation.schemas.iqm_v1 import ErrorBody
from qstation.server import console, hot, metrics, ours, qaas
from qstation.server.backpressure import SubmissionLimit
from qstation.server.bookings import routes as bookings
from qstation.server.config import Settings
from qstation.server.deps import AppState, unit_of_work
from qstation.server.devices.service import DeviceService
from qstation.server.errors import DomainError
from qstation.server.guard import RequestGuard, install_input_handlers
from qstation.server.iqm import discovery, jobs
from qstation.server.observe import ObserveMiddleware
from qstation.server.openapi import install_openapi
from qstation.server.usage import routes as usage
from qstation.store import migrate
from qstation.store.db import is_sqlite, make_async_engine, psycopg_conninfo, sessionmaker
from qstation.store.driver import StatementPool
from qstation.store.light_reads import LightReads
from qstation.store.private import private_dir
from qstation.telemetry import tracing

log = logging.getLogger("qstation.server")


def _error(request: Request, status: int, message: str, code: str) -> JSONResponse:
    # The QaaS API (under /qaas) has its own error body; everything else speaks IQM's.
    if qaas.is_qaas_path(request.url.path):
        return qaas.qaas_error_response(status, message)
    body = ErrorBody(message=message, error_code=code, source="iqm-server")
    return JSONResponse(body.wire(), status_code=status)


#: Seconds a client is asked to wait after a 503 (an outage) before retrying.
OUTAGE_RETRY_AFTER = 5


def _outage(exc: DBAPIError) -> bool:
    # Lost or refused connections are outages; anything else the database answered is not.
    return exc.connection_invalidated or isinstance(exc, OperationalError | InterfaceError)


def install_error_handlers(app: FastAPI) -> None:
    """Render every failure as an IQM error body with the right status."""
    install_input_handlers(app, _error)

    @app.exception_handler(DomainError)
    async def domain(request: Request, exc: DomainError) -> JSONResponse:
        response = _error(request, exc.status_code, exc.message, exc.error_code)
        retry_after = getattr(exc, "retry_after", None)  # quotas (429) say when to retry
        if retry_after is None and exc.status_code == 503:
            retry_after = OUTAGE_RETRY_AFTER
        if retry_after is not None:
            response.headers["Retry-After"] = str(retry_after)
        return response

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {"loc": (), "msg": "invalid request"}
        where = ".".join(str(p) for p in first["loc"])
        if first["loc"][:1] == ("path",) and first.get("type") == "less_than_equal":
            # An id larger than any row's id (see guard.RowId): nothing is there.
            return _error(request, 404, f"not found: {where}: {first['msg']}", "NOT_FOUND")
        return _error(request, 400, f"invalid request: {where}: {first['msg']}",
                      "INVALID_REQUEST")

    @app.exception_handler(StarletteHTTPException)
    async def http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = "NOT_FOUND" if exc.status_code == 404 else f"HTTP_{exc.status_code}"
        return _error(request, exc.status_code, str(exc.detail), code)

    @app.exception_handler(DBAPIError)
    async def database(request: Request, exc: DBAPIError) -> JSONResponse:
        if isinstance(exc, IntegrityError):
            return _error(request, 409, "the request conflicts with stored data; retry",
                          "CONFLICT")
        if not _outage(exc):  # a statement the database refused: our bug, not an outage
            log.error("database error: %s", exc)
            return _error(request, 500, "internal server error: database error",
                          "INTERNAL_ERROR")
        log.warning("database unavailable: %s", exc)
        response = _error(request, 503, "the database is unavailable; retry later",
                          "SERVICE_UNAVAILABLE")
        response.headers["Retry-After"] = str(OUTAGE_RETRY_AFTER)
        return response

    @app.exception_handler(SQLAlchemyTimeoutError)
    async def overloaded(request: Request, exc: SQLAlchemyTimeoutError) -> JSONResponse:
        # Every pooled connection stayed busy for the pool timeout: transient overload.
        log.warning("database pool exhausted: %s", exc)
        response = _error(request, 503, "the server is overloaded; retry shortly",
                          "SERVICE_UNAVAILABLE")
        response.headers["Retry-After"] = "1"
        return response

    @app.exception_handler(Exception)
    async def crash(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error", exc_info=exc)
        return _error(request, 500, f"internal server error: {type(exc).__name__}",
                      "INTERNAL_ERROR")


def default_notifier(settings: Settings) -> Notifier:
    """Local datagram wake-ups for SQLite; LISTEN/NOTIFY on PostgreSQL."""
    url = settings.resolved_database_url()
    if is_sqlite(url):
        return LocalNotifier(settings.notify_dir)
    from qstation.queue.postgres import API_TOPICS, PostgresNotifier

    return PostgresNotifier(url, API_TOPICS)


def create_app(
    settings: Settings | None = None, *, notifier: Notifier | None = None,
    settle_heap: bool = False,
) -> FastAPI:
    """Build the qstation ASGI app.

    Args:
        settings: server settings (default: from ``QSTATION_*`` variables).
        notifier: wake-up channel between API and workers (default: by database kind).
        settle_heap: the app owns its process (``qstation serve``): exempt what it holds
            for its lifetime from the garbage collector's sweeps (:mod:`qstation.heap`).
    """
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        url = settings.resolved_database_url()
        if is_sqlite(url) and settings.database_url is None:
            private_dir(settings.data_dir)  # database, key and sockets: the service's only
        await asyncio.to_thread(migrate.check, url)
        engine = make_async_engine(url)
        tracing.instrument_engine(engine)
        devices = DeviceService(kept=settings.calibration_sets_kept)
        from qstation.server.jobs.service import JobService

        # Lookups outside transactions: SQLite's reads are already; PostgreSQL's autocommit.
        read_engine = engine if is_sqlite(url) else engine.execution_options(
            isolation_level="AUTOCOMMIT")
        statements = None if is_sqlite(url) else StatementPool(
            psycopg_conninfo(url), engine.dialect)
        if statements is not None:
            await statements.open()
        light = LightReads.for_url(url, statements)
        state = AppState(
            settings=settings,
            sessions=sessionmaker(engine),
            notifier=notifier or default_notifier(settings),
            devices=devices,
            jobs=JobService(settings, devices, settle_heap=settle_heap),
            write_lock=asyncio.Lock() if is_sqlite(url) else None,
            # SQLite reads run outside transactions already; PostgreSQL's need autocommit.
            read_sessions=None if is_sqlite(url) else sessionmaker(
                engine.execution_options(isolation_level="AUTOCOMMIT")),
            read_engine=read_engine,
            light=light,
            statements=statements,
        )
        await _bootstrap(state)
        await state.notifier.start()
        state.jobs.fresh.enabled = state.notifier.watch(state.jobs.fresh.ended)
        state.notifier.watch(state.jobs.told.noted)
        if settle_heap:
            heap.settle()
        app.state.qstation = state
        recal = (asyncio.create_task(_recalibrate_forever(state))
                 if settings.recalibrate_every_s > 0 else None)
        try:
            yield
        finally:
            if recal is not None:
                recal.cancel()
            await state.notifier.close()
            state.jobs.close()
            light.close()
            if statements is not None:
                await statements.close()
            await engine.dispose()

    # /docs and /redoc come with the console, from bundled files (FastAPI's use CDNs).
    app = FastAPI(title="qstation", version=__version__, lifespan=lifespan,
                  docs_url=None, redoc_url=None)
    install_error_handlers(app)
    console.install(app)
    app.include_router(metrics.router)
    access = settings.access_log
    if access is None:  # production mode (PostgreSQL) logs requests; embedded mode does not
        access = not is_sqlite(settings.resolved_database_url())
    app.add_middleware(ObserveMiddleware, access=access, as_json=settings.access_log_json)
    tracing.instrument_app(app)  # when the OTEL_* variables ask for traces
    app.add_middleware(RequestGuard)
    app.add_middleware(
        SubmissionLimit, limit=settings.max_concurrent_submissions, render=_error
    )
    app.include_router(discovery.router)
    app.include_router(jobs.router)
    app.include_router(ours.router)
    app.include_router(bookings.router)
    app.include_router(usage.router)
    qaas.include(app)
    if settings.auth:
        from qstation.server.auth import enable_auth

        enable_auth(app, settings)
    hot.install(app)  # last: its routes go in front of all the others
    install_openapi(app)
    return app


async def _recalibrate_forever(state: AppState) -> None:
    # Every API process runs this loop; recalibrate_if_due locks and re-checks the newest
    # set's age inside the transaction, so only one process publishes per interval.
    every = state.settings.recalibrate_every_s
    while True:
        await asyncio.sleep(min(every, 60.0) / 2)
        for qc in state.settings.qc:
            try:
                async with unit_of_work(state, write=True) as session:
                    await state.devices.recalibrate_if_due(session, qc, every)
                state.devices.invalidate(qc)  # a read during the commit may have cached
            except Exception:  # a lost race or a database hiccup: try again next tick
                log.warning("scheduled recalibration of %s failed", qc, exc_info=True)


async def _bootstrap(state: AppState) -> None:
    # Several API processes may start at once on one database: a lost race is harmless.
    for _ in range(3):
        try:
            async with unit_of_work(state, write=True) as session:
                await state.devices.bootstrap(session, state.settings.qc)
            return
        except IntegrityError:
            await asyncio.sleep(0.1)
