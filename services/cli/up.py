"""``ember up``: the whole of Ember on this machine, without containers.

Checks the broker first (a newcomer's most likely missing piece, so the
message says what is wrong — not running, wrong login, missing vhost — and
how to fix it), then starts the store, N engines and the api as child
processes of this one (``python -m services.<name>``) with one
configuration, copies their logs with a ``name |`` prefix, waits until the
gateway's ``/healthz`` answers, and prints where to go next.

Once up, a child that exits is restarted after a back-off, on its own (one
engine of N, the api, the store), and the log says so; a child that keeps
crashing stops everything. Ctrl-C or SIGTERM stops them in order: api,
engines, store — SIGTERM, then SIGKILL after ``--stop-timeout``. It imports
no service: it only launches them and talks to them over the bus and HTTP
like any client.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import typer

from services.cli.broker import Diagnosis, diagnose, quiet_broker_logs
from services.cli.supervisor import DEFAULT_MAX_RESTARTS, Child, RestartPolicy, Supervisor
from services.healthcheck import check_api, check_bus
from shared.config import Settings, load_settings
from shared.exceptions import EmberError
from shared.rpc import Transport

SQLITE_PREFIX = "sqlite+aiosqlite:///"


class StartupFailed(Exception):
    """A child died, or the system was not healthy in time; the message says which."""


class _Stopped(Exception):
    """Ctrl-C or SIGTERM arrived while waiting for something."""


@dataclass
class UpOptions:
    """What `up`'s options decide, handed to the async part in one piece."""

    env: dict[str, str]
    broker_timeout: float
    start_timeout: float
    stop_timeout: float
    restart: RestartPolicy


def _overrides(
    data_dir: Path | None, host: str | None, port: int | None, transport_url: str | None = None
) -> dict[str, str]:
    """EMBER_* variables for the command-line options; they win over the config file, as env always does."""
    env = {"PYTHONUNBUFFERED": "1"}  # children's log lines arrive as they are written
    if transport_url is not None:
        env["EMBER_RPC__TRANSPORT_URL"] = transport_url
    if data_dir is not None:
        env["EMBER_DATABASE__URL"] = f"{SQLITE_PREFIX}{(data_dir / 'ember.sqlite').resolve()}"
    if host is not None:
        env["EMBER_API__BIND_HOST"] = host
    if port is not None:
        env["EMBER_API__BIND_PORT"] = str(port)
    return env


def _prepare_sqlite(settings: Settings) -> None:
    """Create the SQLite file's folder (the default ./data/ on a fresh clone does not exist yet)."""
    url = settings.database.url
    if url.startswith(SQLITE_PREFIX):
        path = url[len(SQLITE_PREFIX) :].split("?", 1)[0]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)


def _api_url(settings: Settings) -> str:
    host = settings.api.bind_host
    if host in ("0.0.0.0", "::", ""):
        host = "127.0.0.1"
    return f"http://{host}:{settings.api.bind_port}"


def _port_taken(settings: Settings) -> str | None:
    """Why the api could not bind its address (another Ember, or anything else, holds it), or None."""
    with socket.socket(socket.AF_INET6 if ":" in settings.api.bind_host else socket.AF_INET) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((settings.api.bind_host, settings.api.bind_port))
        except OSError as exc:
            return f"{settings.api.bind_host}:{settings.api.bind_port}: {exc.strerror}"
    return None


async def _broker_reachable(settings: Settings, timeout: float) -> Diagnosis | None:
    """None when the broker accepts a connection within ``timeout``; else what is wrong."""
    safe_url = Transport(settings.rpc).safe_url
    try:
        transport = await asyncio.wait_for(Transport.connect(settings.rpc), timeout)
    except TimeoutError:
        error: BaseException = TimeoutError(f"no answer from the broker at {safe_url} within {timeout:g}s")
        return diagnose(error, settings.rpc.transport_url, safe_url)
    except EmberError as exc:
        return diagnose(exc, settings.rpc.transport_url, safe_url)
    await transport.close()
    return None


async def _wait_until(
    sup: Supervisor, what: str, check: Callable[[], Awaitable[object]], deadline: float
) -> None:
    """Poll ``check`` until it succeeds; StartupFailed if a child exits or the deadline passes."""
    loop = asyncio.get_running_loop()
    last = "no answer yet"
    while True:
        dead = [child for child in sup.children if not child.running]
        if dead:
            codes = ", ".join(f"{c.name} (exit {c.process.returncode if c.process else '?'})" for c in dead)
            raise StartupFailed(f"{codes} stopped while waiting for {what}; its log is above")
        try:
            await check()
            return
        except Exception as exc:  # any failure means "not yet"; the last one is reported
            last = f"{type(exc).__name__}: {exc}"
        if loop.time() > deadline:
            raise StartupFailed(f"{what} did not become healthy in time ({last})")
        await asyncio.sleep(0.5)


async def _run(config_file: str | None, settings: Settings, engines: int, opts: UpOptions) -> int:
    echo = typer.echo
    problem = await _broker_reachable(settings, opts.broker_timeout)
    if problem is not None:
        echo(f"{problem.message}\n{problem.help}", err=True)
        return 1

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    base = [sys.executable, "-m"]
    conf = ["--config-file", config_file] if config_file else []
    sup = Supervisor(env={**os.environ, **opts.env}, echo=echo, restart=opts.restart)

    def on_signal() -> None:
        if stop.is_set():  # a second Ctrl-C: the user is done waiting for a graceful stop
            echo("ember up: killing every service now")
            sup.kill_all()
        stop.set()

    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, on_signal)
    deadline = loop.time() + opts.start_timeout
    code = 0
    try:
        await sup.start_group([("store", [*base, "services.store", *conf])])
        await _race(stop, _wait_until(sup, "the store", lambda: check_bus(settings, "store", 2.0), deadline))
        names = ["engine"] if engines == 1 else [f"engine-{i}" for i in range(1, engines + 1)]
        ports = engine_metrics_ports(settings, names)
        envs = {name: {"EMBER_METRICS__ENGINE_PORT": str(port)} for name, port in ports.items()}
        await sup.start_group([(name, [*base, "services.engine", *conf]) for name in names], envs)
        await sup.start_group([("api", [*base, "services.api", *conf])])
        url = _api_url(settings)
        await _race(
            stop,
            _wait_until(sup, "the api", lambda: asyncio.to_thread(check_api, settings, 2.0, url), deadline),
        )
        _greet(echo, url, settings, ports)
        gave_up = await _race(stop, sup.supervise())
        if isinstance(gave_up, Child):
            echo(f"ember up: {gave_up.name} keeps crashing; stopping everything", err=True)
            code = 1
    except StartupFailed as exc:
        echo(f"ember up: {exc}", err=True)
        code = 1
    except _Stopped:
        pass
    finally:
        codes = await sup.stop_all(opts.stop_timeout)
    # uvicorn re-raises the SIGTERM it handled once it has shut down, so -SIGTERM is a clean stop too.
    unclean = {name: c for name, c in codes.items() if c not in (0, -signal.SIGTERM)}
    if unclean:
        code = code or 1
        echo(f"ember up: not every service stopped cleanly: {unclean}", err=True)
    echo("ember up: stopped")
    return code


async def _race(stop: asyncio.Event, work: Awaitable[object]) -> object:
    """Run ``work`` until done, or raise _Stopped as soon as a stop signal arrives."""
    task = asyncio.ensure_future(work)
    stopper = asyncio.create_task(stop.wait())
    try:
        await asyncio.wait({task, stopper}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        stopper.cancel()
    if not task.done():
        task.cancel()
        raise _Stopped
    return task.result()


def engine_metrics_ports(settings: Settings, names: list[str]) -> dict[str, int]:
    """Each engine its own metrics port: ``metrics.engine_port`` for the first, the next ports
    up for the others (skipping ``metrics.store_port``), so a scrape sees every engine, not
    just the one that bound the port first. Port 0 (any free one) is left to each engine."""
    base = settings.metrics.engine_port
    if base == 0:
        return dict.fromkeys(names, 0)
    ports: dict[str, int] = {}
    port = base
    for name in names:
        while port == settings.metrics.store_port or port in ports.values():
            port += 1
        ports[name] = port
        port += 1
    return ports


def _greet(echo: Callable[[str], None], url: str, settings: Settings, engine_ports: dict[str, int]) -> None:
    flag = "" if url == "http://127.0.0.1:8004" else f" --url {url}"
    auth = "" if settings.api.auth_strategy == "noauth" else " --token <a token from api.tokens>"
    echo("")
    echo(f"Ember is up. API: {url}/v1/<project>   (health: {url}/healthz)")
    echo(f"Try:  ember{flag}{auth} stack create demo -t examples/outputs.yaml --wait")
    echo(f"      ember{flag}{auth} stack show demo")
    if settings.metrics.enabled and len(engine_ports) > 1 and all(engine_ports.values()):
        host = settings.metrics.bind_host
        listed = ", ".join(f"{name} http://{host}:{port}/metrics" for name, port in engine_ports.items())
        echo(
            f"Metrics: api {url}/metrics, {listed}, store http://{host}:{settings.metrics.store_port}/metrics"
        )
    echo("Press Ctrl-C to stop (api, engines, then store).")
    echo("")


def up(
    config_file: Annotated[
        str | None, typer.Option("--config-file", "-c", help="YAML settings for every service.")
    ] = None,
    engines: Annotated[int, typer.Option("--engines", "-n", min=1, help="How many engines to run.")] = 1,
    data_dir: Annotated[
        Path | None,
        typer.Option("--data-dir", help="Folder for the SQLite database (default: database.url, ./data/)."),
    ] = None,
    host: Annotated[str | None, typer.Option("--host", help="API bind address (api.bind_host).")] = None,
    port: Annotated[int | None, typer.Option("--port", help="API port (api.bind_port, 8004).")] = None,
    transport_url: Annotated[
        str | None,
        typer.Option(
            "--transport-url",
            metavar="URL",
            help="Broker URL with its vhost, e.g. amqp://user:pass@host:5672/ember (rpc.transport_url).",
        ),
    ] = None,
    start_timeout: Annotated[
        float, typer.Option("--start-timeout", help="Seconds to wait for everything to be healthy.")
    ] = 120.0,
    stop_timeout: Annotated[
        float, typer.Option("--stop-timeout", help="Seconds each service gets to stop before SIGKILL.")
    ] = 20.0,
    max_restarts: Annotated[
        int,
        typer.Option(
            "--max-restarts",
            metavar="N",
            min=0,
            help="A service that crashes more than N times in a minute stops everything (0: never restart).",
        ),
    ] = DEFAULT_MAX_RESTARTS,
) -> None:
    """Run the store, engines and api locally until Ctrl-C (needs RabbitMQ); restarts a crashed one."""
    quiet_broker_logs()
    env = _overrides(data_dir, host, port, transport_url)
    os.environ.update(env)  # so the settings checked here are the ones the children will load
    try:
        settings = load_settings(config_file)
    except EmberError as exc:
        typer.echo(f"ember up: {exc}", err=True)
        raise typer.Exit(2) from None
    taken = _port_taken(settings)
    if taken is not None:
        typer.echo(f"ember up: the api cannot listen on {taken}; choose another with --port", err=True)
        raise typer.Exit(1)
    _prepare_sqlite(settings)
    options = UpOptions(
        env,
        broker_timeout=5.0,
        start_timeout=start_timeout,
        stop_timeout=stop_timeout,
        restart=RestartPolicy(max_restarts=max_restarts),
    )
    try:
        code = asyncio.run(_run(config_file, settings, engines, options))
    except KeyboardInterrupt:  # Ctrl-C before any child started (during the broker check)
        code = 130
    raise typer.Exit(code)
