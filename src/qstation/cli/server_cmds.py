"""``qstation serve``, ``qstation worker`` and ``qstation db``: running the service."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
from pathlib import Path

import click

log = logging.getLogger("qstation.serve")


def _settings(**flags: object) -> object:
    from qstation.server.config import Settings

    given = {k: v for k, v in flags.items() if v not in (None, ())}
    if "qc" in given:
        given["qc"] = list(given["qc"])  # type: ignore[call-overload]
    return Settings(**given)  # type: ignore[arg-type]


@click.command()
@click.option("--host", default=None, help="Interface to listen on (default 127.0.0.1).")
@click.option("--port", type=int, default=None, help="Port (default 8000).")
@click.option(
    "--data-dir",
    type=click.Path(path_type=Path),
    default=None,
    help="Where the embedded database and runtime files live (default .qstation).",
)
@click.option(
    "--database-url",
    default=None,
    help="sqlite:///FILE or postgresql://… (default: SQLite in the data directory).",
)
@click.option("--qc", multiple=True, help="Device to host (repeatable; default lattice-20).")
@click.option(
    "--workers",
    type=int,
    default=None,
    help="Embedded worker processes (default: one per quantum computer).",
)
@click.option("--no-workers", is_flag=True, help="Run the API only; workers run elsewhere.")
@click.option(
    "--auth/--no-auth",
    default=None,
    help="Require bearer tokens (users, logins, API tokens); env QSTATION_AUTH.",
)
@click.option(
    "--noise/--no-noise",
    default=None,
    help="Simulate with the calibration's noise (default) or ideally.",
)
@click.option("--engine", default=None, help="Simulator engine (default auto).")
@click.option(
    "--access-log/--no-access-log",
    default=None,
    help="Log every request with its id (default: on with PostgreSQL, off embedded).",
)
@click.option("--log-level", default="warning", show_default=True)
def serve(no_workers: bool, log_level: str, **flags: object) -> None:
    """Start the REST service (and, by default, its workers)."""
    import uvicorn

    from qstation.cli import _startup
    from qstation.server.app import create_app
    from qstation.server.config import Settings
    from qstation.store.db import is_sqlite
    from qstation.telemetry.metrics import prepare_multiprocess_dir

    settings = _settings(**flags)
    assert isinstance(settings, Settings)
    _startup.check_devices(list(settings.qc))
    sock = _startup.bind(settings.host, settings.port)  # a busy port: before anything else
    # Before any metric exists: the API and its workers add up their samples there.
    prepare_multiprocess_dir(settings.data_dir / "metrics")
    url = settings.resolved_database_url()
    # the embedded database is created and migrated on first start; a shared one is only checked
    _startup.prepare_database(url, create=is_sqlite(url))
    asyncio.run(_bootstrap(settings))
    _announce_auth(settings)
    supervisor = None
    if not no_workers:
        count = settings.workers or max(1, len(settings.qc))
        supervisor = _Supervisor(settings, count)
        supervisor.start()
    address = f"http://{settings.host}:{settings.port}"
    workers = (
        "no workers"
        if supervisor is None
        else f"{supervisor.count} worker{'s' if supervisor.count != 1 else ''}"
    )

    def ready() -> None:
        click.echo(
            f"qstation ready on {address}: {', '.join(settings.qc)}; database "
            f"{_startup.describe_database(url)}; {workers}"
        )

    app = create_app(settings, settle_heap=True)
    config = uvicorn.Config(app, log_level=log_level, access_log=False)
    try:
        with _startup.recorded(settings.data_dir, address):
            _startup.Server(config, ready).run(sockets=[sock])
    finally:
        if supervisor is not None:
            supervisor.stop()
        sock.close()
    click.echo("qstation stopped")


def _announce_auth(settings: object) -> None:
    from qstation.server.auth import bootstrap_admin
    from qstation.server.config import Settings

    assert isinstance(settings, Settings)
    if not settings.auth:
        if settings.host not in ("127.0.0.1", "localhost", "::1"):
            click.echo(
                "warning: authentication is off on a non-loopback interface; "
                "anyone who can reach it can use it (see --auth)",
                err=True,
            )
        return
    password = asyncio.run(bootstrap_admin(settings))
    if password is not None:
        click.echo(
            f"created admin user {settings.admin_username!r} with password {password} "
            "(shown once; set QSTATION_ADMIN_PASSWORD to choose it)",
            err=True,
        )


async def _bootstrap(settings: object) -> None:
    from qstation.server.config import Settings
    from qstation.server.deps import AppState, unit_of_work
    from qstation.server.devices.service import DeviceService
    from qstation.store.db import make_async_engine, sessionmaker

    assert isinstance(settings, Settings)
    engine = make_async_engine(settings.resolved_database_url())
    state = AppState(settings, sessionmaker(engine), None, DeviceService(), None)  # type: ignore[arg-type]
    async with unit_of_work(state) as session:
        await state.devices.bootstrap(session, settings.qc)
    await engine.dispose()


def _exit_with_parent() -> None:
    """In an embedded worker: get SIGTERM when ``serve`` dies, however it dies.

    uvicorn re-raises SIGTERM after its own shutdown, so ``serve`` may never reach the code
    that stops its workers; the kernel's parent-death signal covers that and ``kill -9``.
    """
    if sys.platform.startswith("linux"):
        import ctypes

        pr_set_pdeathsig = 1
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)


class _Supervisor:
    """Keeps the embedded worker processes running; restarts any that die."""

    def __init__(self, settings: object, count: int) -> None:
        from qstation.server.config import Settings
        from qstation.store.db import is_sqlite

        assert isinstance(settings, Settings)
        url = settings.resolved_database_url()
        self.cmd = [
            sys.executable,
            "-m",
            "qstation.cli.main",
            "worker",
            "--database-url",
            url,
            "--engine",
            settings.engine,
            "--lease-seconds",
            str(settings.lease_seconds),
            "--noise" if settings.noise else "--no-noise",
            "--quiet",
        ]
        if is_sqlite(url):  # PostgreSQL workers wake by LISTEN/NOTIFY instead
            self.cmd += ["--notify-dir", str(settings.notify_dir)]
        for qc in settings.qc:
            self.cmd += ["--qc", qc]
        self.url = url
        self.count = count
        self.procs: list[subprocess.Popen[bytes]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def _spawn(self) -> subprocess.Popen[bytes]:
        return subprocess.Popen(self.cmd, preexec_fn=_exit_with_parent)

    def start(self) -> None:
        self.procs = [self._spawn() for _ in range(self.count)]
        self._thread.start()

    def _watch(self) -> None:
        from qstation.queue.liveness import reclaim_dead_process
        from qstation.store.db import make_sync_engine
        from qstation.telemetry.metrics import process_exited

        engine = make_sync_engine(self.url)
        while not self._stop.wait(0.5):
            for i, proc in enumerate(self.procs):
                if proc.poll() is not None and not self._stop.is_set():
                    process_exited(proc.pid)  # its live-worker gauge goes with it
                    self.procs[i] = self._spawn()
                    # Its job need not wait for the lease: the process is known dead.
                    try:
                        reclaim_dead_process(engine, socket.gethostname(), proc.pid)
                    except Exception:  # the database is down: the lease will do it
                        log.warning("could not reclaim the jobs of worker %s", proc.pid,
                                    exc_info=True)
        engine.dispose()

    def stop(self) -> None:
        from qstation.telemetry.metrics import process_exited

        self._stop.set()
        for proc in self.procs:
            proc.send_signal(signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
            process_exited(proc.pid)


@click.command()
@click.option("--database-url", envvar="QSTATION_DATABASE_URL", required=True)
@click.option("--qc", multiple=True, help="Quantum computers to serve (default: all hosted).")
@click.option(
    "--notify-dir",
    type=click.Path(path_type=Path),
    default=None,
    help="Wake-up directory shared with the API (embedded mode).",
)
@click.option("--engine", default="auto", show_default=True, help="Simulator engine.")
@click.option(
    "--noise/--no-noise",
    default=True,
    show_default=True,
    help="Simulate with the calibration's noise or ideally.",
)
@click.option("--lease-seconds", type=float, default=30.0, show_default=True)
@click.option("--poll-seconds", type=float, default=1.0, show_default=True)
@click.option(
    "--metrics-port",
    type=int,
    default=None,
    help="Serve this worker's Prometheus metrics on this port (workers on other hosts).",
)
@click.option("--quiet", is_flag=True, hidden=True, help="No ready line (embedded workers).")
def worker(
    database_url: str,
    qc: tuple[str, ...],
    notify_dir: Path | None,
    engine: str,
    noise: bool,
    lease_seconds: float,
    poll_seconds: float,
    metrics_port: int | None,
    quiet: bool,
) -> None:
    """Run a worker that claims and executes jobs."""
    # Before numpy loads OpenBLAS: its idle threads would otherwise spin for ~0.1 s after
    # each product, one core busy for nothing while the API and the checker wait for CPU.
    # An operator's own value wins.
    os.environ.setdefault("OPENBLAS_THREAD_TIMEOUT", "4")
    from qstation.cli import _startup
    from qstation.cli._errors import safe_url
    from qstation.queue.notify import LocalNotifier, Notifier, NullNotifier
    from qstation.queue.worker import Worker
    from qstation.store.db import is_sqlite

    _startup.check_devices(list(qc))
    _startup.prepare_database(database_url, create=False)
    notifier: Notifier = NullNotifier()
    if notify_dir is not None:
        notifier = LocalNotifier(notify_dir)
    elif not is_sqlite(database_url):
        from qstation.queue.postgres import WORKER_TOPICS, PostgresNotifier

        notifier = PostgresNotifier(database_url, WORKER_TOPICS)
    if metrics_port is not None:
        from qstation.telemetry.metrics import serve_worker_metrics

        serve_worker_metrics(metrics_port)
    w = Worker(
        database_url,
        notifier,
        list(qc) or None,
        lease_s=lease_seconds,
        poll_s=poll_seconds,
        engine=engine,
        noise=noise,
        settle_heap=True,
    )
    serving = ", ".join(qc) or "every hosted quantum computer"
    if not quiet:  # embedded workers stay quiet: `serve` prints the one ready line
        click.echo(f"qstation worker ready: {serving}; database {safe_url(database_url)}")
    asyncio.run(_run_worker(w))
    if not quiet:
        click.echo("qstation worker stopped")


async def _run_worker(w: object) -> None:
    from qstation.queue.worker import Worker

    assert isinstance(w, Worker)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await w.run(stop)


@click.group()
def db() -> None:
    """Database schema management."""


@db.command("upgrade")
@click.option("--database-url", envvar="QSTATION_DATABASE_URL", default=None)
@click.option("--data-dir", type=click.Path(path_type=Path), default=Path(".qstation"))
def db_upgrade(database_url: str | None, data_dir: Path) -> None:
    """Migrate the database to this qstation's schema."""
    from qstation.cli import _startup
    from qstation.cli._errors import safe_url
    from qstation.store import migrate
    from qstation.store.db import default_url

    url = database_url or default_url(data_dir)
    _startup.prepare_database(url, create=True)
    click.echo(f"database {safe_url(url)} at schema {migrate.head_revision()}")
