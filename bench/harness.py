"""What the engine benchmarks share: the store in this process, the engine as an OS process.

The store runs in the bench process (so its request counter can be read)
and the engine as its own OS process, as in a deployment; both talk over
the local RabbitMQ on topics of their own, the store on a throw-away SQLite
file unless a database URL is given (``fresh_postgres`` makes a throw-away
PostgreSQL database). ``BenchEnv`` starts and stops them together.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from services.store.crypt import generate_key
from services.store.service import StoreService
from shared.clients.engine import EngineClient
from shared.clients.store import StoreClient
from shared.config import Settings
from shared.context import RequestContext
from shared.exceptions import EmberError
from shared.rpc import Transport

DEFAULT_AMQP = "amqp://guest:guest@127.0.0.1:5672/"
PG_SERVER = "postgresql+asyncpg://postgres@127.0.0.1:5432/"


class Bench:
    """Waits for a stack's state through the store, counting its own polls (so they can be
    taken out of the store's request count)."""

    def __init__(self, settings: Settings, topic_suffix: str) -> None:
        self.settings = settings
        self.suffix = topic_suffix
        self.polls = 0

    async def wait(
        self, store: StoreClient, ctxt: RequestContext, stack_id: str, want: str, interval: float = 0.02
    ) -> float:
        start = time.perf_counter()
        while True:
            record = await store.stack_get(ctxt, stack_id, show_deleted=True)
            self.polls += 1
            state = f"{record.action}_{record.status}"
            if state == want:
                return time.perf_counter() - start
            if record.status == "FAILED":
                raise SystemExit(f"stack went {state}: {record.status_reason}")
            await asyncio.sleep(interval)


def start_engine(
    settings: Settings, profile: str | None = None, extra_env: dict[str, str] | None = None
) -> subprocess.Popen[bytes]:
    """The engine as an OS process on the bench's topics (``extra_env``: more EMBER_* settings)."""
    env = {
        **os.environ,
        "EMBER_RPC__TRANSPORT_URL": settings.rpc.transport_url,
        "EMBER_RPC__CONTROL_EXCHANGE": settings.rpc.control_exchange,
        "EMBER_RPC__ENGINE_TOPIC": settings.rpc.engine_topic,
        "EMBER_RPC__STORE_TOPIC": settings.rpc.store_topic,
        "EMBER_LOGGING__LEVEL": "WARNING",
        **(extra_env or {}),
    }
    prefix = ["-m", "cProfile", "-o", profile] if profile else []
    return subprocess.Popen([sys.executable, *prefix, "-m", "services.engine"], env=env)


def peak_rss_mb(pid: int) -> float:
    """A process's peak resident set (VmHWM) in MiB; 0 where /proc does not tell."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


async def fresh_postgres() -> tuple[str, str]:
    """A new empty PostgreSQL database on the local server: (its URL, its name)."""
    import asyncpg

    name = f"ember_bench_{uuid.uuid4().hex[:12]}"
    conn = await asyncpg.connect(host="127.0.0.1", port=5432, user="postgres", database="postgres")
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return PG_SERVER + name, name


async def drop_postgres(name: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(host="127.0.0.1", port=5432, user="postgres", database="postgres")
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


class BenchEnv:
    """The store in this process and one engine process, on topics of their own; ``async with``."""

    def __init__(
        self,
        db_url: str | None = None,
        amqp_url: str = DEFAULT_AMQP,
        profile_engine: str | None = None,
        engine_env: dict[str, str] | None = None,
        timeout: float = 120,
    ) -> None:
        self.suffix = uuid.uuid4().hex[:8]
        self.db_url = db_url or f"sqlite+aiosqlite:///{tempfile.mkdtemp()}/bench.sqlite"
        self.settings = Settings(
            rpc={
                "transport_url": amqp_url,
                "control_exchange": "ember-bench",
                "engine_topic": f"engine-bench-{self.suffix}",
                "store_topic": f"store-bench-{self.suffix}",
            },
            database={"url": self.db_url},
            store={"auth_encryption_key": generate_key()},
            logging={"level": "WARNING"},
        )
        self.profile_engine = profile_engine
        self.engine_env = engine_env
        self.timeout = timeout
        self.bench = Bench(self.settings, self.suffix)

    @property
    def database(self) -> str:
        return self.db_url.split("://")[0]

    @property
    def handled(self) -> int:
        """Store requests handled so far (the bench's own polls included)."""
        assert self.store_service.server is not None
        return self.store_service.server.handled

    async def __aenter__(self) -> BenchEnv:
        self.transport = await Transport.connect(self.settings.rpc)
        self.store_service = StoreService(
            self.settings, transport=self.transport, topic=self.settings.rpc.store_topic
        )
        await self.store_service.start()
        self.engine = start_engine(self.settings, self.profile_engine, self.engine_env)
        self.client = EngineClient(self.transport, timeout=self.timeout, topic=self.settings.rpc.engine_topic)
        self.store = StoreClient(self.transport, timeout=60, topic=self.settings.rpc.store_topic)
        for _ in range(200):
            try:
                await self.client.listening(RequestContext.admin(), timeout=0.5)
                break
            except EmberError:
                await asyncio.sleep(0.1)
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.engine.terminate()
        await asyncio.to_thread(self.engine.wait, 60)  # the store in this process answers while it stops
        await self.store_service.stop()
        await self.transport.close()

    async def wait(self, ctxt: RequestContext, stack_id: str, want: str, interval: float = 0.02) -> float:
        return await self.bench.wait(self.store, ctxt, stack_id, want, interval)

    def engine_peak_rss_mb(self) -> float:
        return peak_rss_mb(self.engine.pid)

    async def leftovers(self) -> dict[str, int]:
        """Rows that should be gone once every stack is deleted: live stack rows and locks."""
        from sqlalchemy import text
        from sqlalchemy.ext.asyncio import create_async_engine

        engine = create_async_engine(self.db_url)
        try:
            async with engine.connect() as conn:
                stacks = (
                    await conn.execute(text("SELECT count(*) FROM stack WHERE deleted_at IS NULL"))
                ).scalar()
                locks = (await conn.execute(text("SELECT count(*) FROM stack_lock"))).scalar()
                held = (await conn.execute(text("SELECT stack_id, engine_id FROM stack_lock"))).all()
                for stack_id, engine_id in held:
                    row = (
                        await conn.execute(
                            text("SELECT name, action, status, deleted_at FROM stack WHERE id = :id"),
                            {"id": stack_id},
                        )
                    ).first()
                    print(f"lock left on stack {stack_id} by {engine_id}: {row}")
        finally:
            await engine.dispose()
        return {"live stacks": int(stacks or 0), "locks": int(locks or 0)}


def new_context(tag: str = "bench") -> RequestContext:
    return RequestContext(project_id=f"{tag}-{uuid.uuid4().hex[:6]}", user_id="bench")
