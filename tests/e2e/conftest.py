"""End-to-end fixtures: Ember as real OS processes (store, engines, api) on the real RabbitMQ.

Every cluster gets its own control exchange, topics, database and API port,
so it shares the broker with other test runs without meeting them. Each
process writes to its own log file; the logs' tails are printed when a
cluster is torn down, which pytest shows for a failing test.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import aio_pika
import httpx
import pytest
from typer.testing import CliRunner

from services.cli.main import app as cli_app
from shared.clients.store import StoreClient
from shared.config import RpcSettings
from shared.context import RequestContext
from shared.rpc import Transport
from tests.conftest import AMQP_URL

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
START_TIMEOUT = 90.0
STOP_TIMEOUT = 30.0
CLEAN_EXITS = (0, -signal.SIGTERM)  # uvicorn re-raises the SIGTERM it handled after shutting down


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def pid_exists(pid: int) -> bool:
    """True while a process with this pid exists and is not a zombie."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return False
    return state != "Z"


def wait_for(what: str, check: Callable[[], bool], timeout: float = START_TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.2)


def isolated_env(**ember: str) -> dict[str, str]:
    """This environment without EMBER_* settings, plus a unique exchange and topics on the test broker."""
    tag = uuid.uuid4().hex[:10]
    env = {k: v for k, v in os.environ.items() if not k.startswith("EMBER_")}
    env.update(
        PYTHONUNBUFFERED="1",
        EMBER_RPC__TRANSPORT_URL=AMQP_URL,
        EMBER_RPC__CONTROL_EXCHANGE=f"ember-e2e-{tag}",
        EMBER_RPC__ENGINE_TOPIC=f"e2e-engine-{tag}",
        EMBER_RPC__STORE_TOPIC=f"e2e-store-{tag}",
        EMBER_API__BIND_HOST="127.0.0.1",
        EMBER_API__BIND_PORT=str(free_port()),
        EMBER_ENGINE__GRACEFUL_STOP_TIMEOUT="5",
        EMBER_METRICS__ENABLED="false",
        # The engines and the store share a signing key (the api does not get it).
        EMBER_RPC__SIGNING_KEY=uuid.uuid4().hex + uuid.uuid4().hex,
    )
    env.update(ember)
    return env


class Service:
    """One Ember process, started with ``python -m services.<module>``, logging to a file."""

    def __init__(self, name: str, module: str, args: list[str], env: dict[str, str], log_dir: Path) -> None:
        self.name = name
        self.argv = [sys.executable, "-m", module, *args]
        self.env = env
        self.log = log_dir / f"{name}.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> Service:
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                self.argv, cwd=ROOT, env=self.env, stdin=subprocess.DEVNULL, stdout=out, stderr=out
            )
        return self

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self, timeout: float = STOP_TIMEOUT) -> int | None:
        """SIGTERM and wait; SIGKILL if it does not stop in time. Returns the exit code."""
        if self.process is None:
            return None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                return self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
        return self.process.wait(timeout)

    def kill9(self) -> None:
        assert self.process is not None
        self.process.kill()
        self.process.wait(10)

    def tail(self, lines: int = 40) -> str:
        try:
            text = self.log.read_text(errors="replace").splitlines()
        except FileNotFoundError:
            return ""
        return "\n".join(text[-lines:])


class Cluster:
    """Stores, engines and apis as separate processes sharing one configuration (env vars).

    ``store`` and ``api`` are the first of each; more than one store needs a
    database they can share (PostgreSQL), and each api listens on a port of
    its own (``urls``).
    """

    def __init__(
        self,
        log_dir: Path,
        database_url: str,
        engines: int = 2,
        stores: int = 1,
        apis: int = 1,
        **ember: str,
    ) -> None:
        self.log_dir = log_dir
        self.env = isolated_env(EMBER_DATABASE__URL=database_url, **ember)
        self.port = int(self.env["EMBER_API__BIND_PORT"])
        self.url = f"http://127.0.0.1:{self.port}"
        self.stores = [self._store(n) for n in range(stores)]
        self.engines = [self._engine() for _ in range(engines)]
        ports = [self.port, *(free_port() for _ in range(apis - 1))]
        self.apis = [self._api(port, n) for n, port in enumerate(ports)]
        self.retired: list[Service] = []  # processes replaced during a test; must be gone at the end
        self.http = httpx.Client(base_url=f"{self.url}/v1/demo", timeout=30)

    @property
    def store(self) -> Service:
        return self.stores[0]

    @store.setter
    def store(self, service: Service) -> None:
        self.stores[0] = service

    @property
    def api(self) -> Service:
        return self.apis[0]

    @api.setter
    def api(self, service: Service) -> None:
        self.apis[0] = service

    @property
    def urls(self) -> list[str]:
        """Each api's base URL (``url`` is the first's)."""
        return [f"http://127.0.0.1:{api.env['EMBER_API__BIND_PORT']}" for api in self.apis]

    def _api(self, port: int | None = None, n: int = 0) -> Service:
        api_env = {k: v for k, v in self.env.items() if k != "EMBER_RPC__SIGNING_KEY"}
        api_env["EMBER_API__BIND_PORT"] = str(port or self.port)
        return Service("api" if n == 0 else f"api-{n}", "services.api", [], api_env, self.log_dir)

    def _store(self, n: int = 0) -> Service:
        return self._service("store" if n == 0 else f"store-{n}", "services.store")

    def restart_api(self) -> None:
        """Stop the api (SIGTERM, graceful) and start another on the same port."""
        code = self.api.stop()
        assert code in CLEAN_EXITS, self.api.tail()
        self.retired.append(self.api)
        self.api = self._api().start()
        self.wait_healthy()

    def _service(self, name: str, module: str, *args: str) -> Service:
        return Service(name, module, list(args), self.env, self.log_dir)

    def _engine(self) -> Service:
        engine_id = f"e2e-{uuid.uuid4().hex[:8]}"
        return self._service(f"engine-{engine_id}", "services.engine", "--engine-id", engine_id)

    @property
    def rpc_settings(self) -> RpcSettings:
        """The bus settings the processes run with (from the same variables)."""
        prefix = "EMBER_RPC__"
        # All of them (e.g. rabbit_quorum_queue: a test's connection declares the same exchange).
        return RpcSettings.model_validate(
            {k.removeprefix(prefix).lower(): v for k, v in self.env.items() if k.startswith(prefix)}
        )

    @property
    def services(self) -> list[Service]:
        return [*self.stores, *self.engines, *self.apis]

    def start(self) -> Cluster:
        """The stores first (an engine fails stale stacks at start, which needs a store), then the rest."""
        for store in self.stores:
            store.start()
        self.wait_store()
        for service in [*self.engines, *self.apis]:
            service.start()
        self.wait_healthy()
        return self

    def _check_alive(self) -> None:
        dead = [s for s in self.services if s.process is not None and not s.running]
        if dead:
            logs = "\n".join(
                f"--- {s.name} (exit {s.process and s.process.returncode})\n{s.tail()}" for s in dead
            )
            raise AssertionError(f"a service stopped:\n{logs}")

    def store_call(self, method: str, *args: Any) -> Any:
        """Call the store over the bus as an admin (what a test cannot see over HTTP, e.g. lock holders)."""

        async def call() -> Any:
            rpc = self.rpc_settings
            transport = await Transport.connect(rpc)
            try:
                store = StoreClient(transport, timeout=5, topic=rpc.store_topic)
                return await getattr(store, method)(RequestContext.admin(), *args)
            finally:
                await transport.close()

        return asyncio.run(call())

    def wait_store(self) -> None:
        def answers() -> bool:
            self._check_alive()
            try:
                self.store_call("ping")
            except Exception:
                return False
            return True

        wait_for("the store to answer ping", answers)

    def wait_healthy(self) -> None:
        def healthy() -> bool:
            self._check_alive()
            try:
                return all(httpx.get(f"{url}/healthz", timeout=5).status_code == 200 for url in self.urls)
            except httpx.HTTPError:
                return False

        wait_for("the api's /healthz", healthy)

    def replace_engine(self, old: Service) -> Service:
        """Start a new engine (with a new id) in place of ``old``, which must have exited."""
        assert not old.running
        new = self._engine().start()
        self.engines[self.engines.index(old)] = new
        self.retired.append(old)
        return new

    def restart_store(self) -> None:
        code = self.store.stop()
        assert code == 0, self.store.tail()
        self.retired.append(self.store)
        self.store = self._service("store", "services.store").start()
        self.wait_store()

    def stop(self) -> dict[str, int | None]:
        """apis, then engines, then stores (the order ``ember up`` uses); returns exit codes."""
        self.http.close()
        codes = {a.name: a.stop() for a in self.apis}
        codes.update({e.name: e.stop() for e in self.engines})
        codes.update({s.name: s.stop() for s in self.stores})
        return codes

    def delete_topic_queues(self) -> None:
        """Remove the cluster's shared topic queues and its exchange from the broker.

        Quorum queues (``rpc.rabbit_quorum_queue``) are durable and never
        auto-deleted: without this every run would leave its own on the shared
        broker for good. (The servers' own quorum queues expire by themselves.)
        """

        async def delete() -> None:
            connection = await aio_pika.connect(self.env["EMBER_RPC__TRANSPORT_URL"])
            try:
                channel = await connection.channel()
                for topic in ("ENGINE_TOPIC", "STORE_TOPIC"):
                    name = self.env[f"EMBER_RPC__{topic}"]
                    await channel.queue_delete(name, if_unused=False, if_empty=False)
                await channel.exchange_delete(self.env["EMBER_RPC__CONTROL_EXCHANGE"])
            finally:
                await connection.close()

        asyncio.run(delete())

    def all_pids(self) -> list[int]:
        return [s.pid for s in [*self.services, *self.retired] if s.process is not None]

    def dump_logs(self) -> None:
        for service in [*self.services, *self.retired]:
            print(f"--- {service.name} ---\n{service.tail()}")


@pytest.fixture(scope="module")
def log_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("e2e-logs")


def run_cluster(log_dir: Path, database_url: str, engines: int) -> Iterator[Cluster]:
    cluster = Cluster(log_dir, database_url, engines)
    try:
        yield cluster.start()
    finally:
        cluster.stop()
        cluster.dump_logs()


# --- the CLI, in-process --------------------------------------------------------------


class Cli:
    """``ember ...`` against one cluster, run in-process with typer's CliRunner."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.runner = CliRunner()

    def __call__(self, *args: str, ok: bool = True) -> Any:
        result = self.runner.invoke(
            cli_app, ["--url", self.url, *args], env={"EMBER_WAIT_INTERVAL": "0.2"}, catch_exceptions=False
        )
        if ok:
            assert result.exit_code == 0, f"ember {' '.join(args)} -> {result.exit_code}\n{result.output}"
        return result

    def json(self, *args: str, ok: bool = True) -> Any:
        result = self(*args, "--format", "json", ok=ok)
        return json.loads(result.stdout)
