"""Store benchmark: prints the cost of store calls over the bus beside a bare RPC round trip.

    .venv/bin/python bench/store.py [--amqp URL] [--pg-host 127.0.0.1] [--no-postgres] [--in-process] [-n 400]

For SQLite (temp file) and PostgreSQL (throw-away database), it starts the
store on a unique topic (as its own process, ``python -m services.store``;
``--in-process`` runs a StoreService here instead, sharing this event loop
with the client), then measures through a StoreClient over RabbitMQ:
  - ping: an endpoint method that does nothing (the bare RPC round trip),
  - stack_store: template + credentials + stack in one transaction,
  - resource_transition: a resource state change plus its event,
each at concurrency 1 and 16, and the store side of a 1000-resource stack
create (bulk create, then IN_PROGRESS and COMPLETE for every resource at
concurrency 64, or as two batches of 1000 with resource_transition_many). Figures only: nothing here asserts a timing.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import asyncpg
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from services.store.crypt import generate_key
from services.store.service import StoreService
from shared.clients.store import StoreClient
from shared.config import RpcSettings, Settings
from shared.context import RequestContext
from shared.exceptions import EmberError
from shared.rpc import Transport


async def measure(n: int, concurrency: int, op: Callable[[int], Awaitable[Any]]) -> tuple[float, float]:
    """(operations per second, median latency in ms) of ``n`` calls ``concurrency`` at a time."""
    latencies: list[float] = []
    counter = iter(range(n))

    async def worker() -> None:
        for i in counter:
            start = time.perf_counter()
            await op(i)
            latencies.append(time.perf_counter() - start)

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    elapsed = time.perf_counter() - start
    return n / elapsed, statistics.median(latencies) * 1000


class StoreProcess:
    """The store as its own OS process (``python -m services.store``), as deployed."""

    def __init__(self, settings: Settings, topic: str, workdir: Path) -> None:
        self.topic = topic
        self.config = workdir / f"{topic}.yaml"
        self.config.write_text(
            yaml.safe_dump(
                {
                    "rpc": settings.rpc.model_dump(),
                    "database": settings.database.model_dump(),
                    "store": settings.store.model_dump(),
                }
            )
        )
        self.proc: asyncio.subprocess.Process | None = None

    async def start(self, transport: Transport) -> None:
        env = dict(os.environ, EMBER_RPC__STORE_TOPIC=self.topic)
        with open(self.config.with_suffix(".log"), "wb") as log:  # the store's log, not this table
            self.proc = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "services.store",
                "--config-file",
                str(self.config),
                env=env,
                stdout=log,
                stderr=log,
            )
        client = StoreClient(transport, timeout=2, topic=self.topic)
        for _ in range(300):
            try:
                await client.ping(RequestContext())
                return
            except EmberError:
                await asyncio.sleep(0.2)
        raise RuntimeError("the store process did not answer")

    async def stop(self) -> None:
        if self.proc is not None:
            self.proc.send_signal(signal.SIGTERM)
            await asyncio.wait_for(self.proc.wait(), 30)


async def bench_backend(
    label: str, url: str, rpc: RpcSettings, transport: Transport, n: int, workdir: Path, separate: bool
) -> list[tuple[str, ...]]:
    settings = Settings(rpc=rpc, database={"url": url}, store={"auth_encryption_key": generate_key()})
    topic = f"bench-store-{uuid.uuid4().hex[:8]}"
    service: StoreService | StoreProcess
    if separate:
        service = StoreProcess(settings, topic, workdir)
        await service.start(transport)
    else:
        service = StoreService(settings, transport=transport, topic=topic)
        await service.start()
    rows: list[tuple[str, ...]] = []
    try:
        client = StoreClient(transport, timeout=60, topic=topic)
        ctx = RequestContext(user_id="bench", project_id=f"bench-{uuid.uuid4().hex[:6]}", auth_token="t")
        template = {"heat_template_version": "2021-04-16", "resources": {"r": {"type": "OS::Heat::None"}}}
        stack = await client.stack_store(ctx, {"template": template}, {"name": "bench"})
        resources = await client.resource_create_many(
            ctx, stack.id, [{"name": f"r{i}", "type": "OS::Heat::None"} for i in range(n)]
        )
        statuses = ["IN_PROGRESS", "COMPLETE"]

        async def ping(_: int) -> None:
            await client.ping(ctx)

        async def store_stack(_: int) -> None:
            await client.stack_store(ctx, {"template": template}, {"name": f"s-{uuid.uuid4().hex}"})

        async def transition(i: int) -> None:
            await client.resource_transition(
                ctx,
                resources[i % n].id,
                {"action": "CREATE", "status": statuses[i % 2]},
                {"resource_properties": {}},
            )

        await measure(50, 8, ping)  # warm up connections and pools
        for concurrency in (1, 16):
            bare = await measure(n, concurrency, ping)
            rows.append(
                (label, f"ping (bare RPC) c={concurrency}", f"{bare[0]:8.0f}", f"{bare[1]:7.2f}", "1.00x")
            )
            for name, op in (("stack_store", store_stack), ("resource_transition+event", transition)):
                rate, median = await measure(n // 2 if op is store_stack else n, concurrency, op)
                rows.append(
                    (
                        label,
                        f"{name} c={concurrency}",
                        f"{rate:8.0f}",
                        f"{median:7.2f}",
                        f"{median / bare[1]:.2f}x",
                    )
                )

        big = await client.stack_store(ctx, {"template": template}, {"name": "big"})
        start = time.perf_counter()
        made = await client.resource_create_many(
            ctx, big.id, [{"name": f"r{i}", "type": "OS::Heat::None"} for i in range(1000)]
        )
        bulk = time.perf_counter() - start

        async def walk(i: int) -> None:
            for status in statuses:
                await client.resource_transition(ctx, made[i].id, {"action": "CREATE", "status": status})

        await measure(1000, 64, walk)
        total = time.perf_counter() - start
        rows.append((label, "1000-resource stack: create_many", "", f"{bulk * 1000:7.1f}", ""))
        rows.append(
            (label, "1000-resource stack: +2000 transitions c=64", "", f"{total * 1000:7.1f}", "total")
        )

        batched = await client.stack_store(ctx, {"template": template}, {"name": "batched"})
        start = time.perf_counter()
        made = await client.resource_create_many(
            ctx, batched.id, [{"name": f"r{i}", "type": "OS::Heat::None"} for i in range(1000)]
        )
        for status in statuses:
            await client.resource_transition_many(
                ctx, [{"resource_id": r.id, "values": {"action": "CREATE", "status": status}} for r in made]
            )
        total = time.perf_counter() - start
        rows.append((label, "1000-resource stack: + 2 transition_many", "", f"{total * 1000:7.1f}", "total"))
    finally:
        await service.stop()
    return rows


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--amqp", default="amqp://guest:guest@127.0.0.1:5672/")
    parser.add_argument("--pg-host", default="127.0.0.1")
    parser.add_argument("--pg-user", default="postgres")
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("-n", type=int, default=400, help="calls per measurement")
    parser.add_argument(
        "--in-process", action="store_true", help="run the store in this process (default: its own process)"
    )
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    rpc = RpcSettings(transport_url=args.amqp, control_exchange="ember-bench")
    transport = await Transport.connect(rpc)
    rows: list[tuple[str, ...]] = []
    try:
        separate = not args.in_process
        with tempfile.TemporaryDirectory() as tmp:
            url = f"sqlite+aiosqlite:///{tmp}/bench.sqlite"
            rows += await bench_backend("sqlite", url, rpc, transport, args.n, Path(tmp), separate)
        if not args.no_postgres:
            name = f"ember_bench_{uuid.uuid4().hex[:8]}"
            admin = await asyncpg.connect(host=args.pg_host, user=args.pg_user, database="postgres")
            await admin.execute(f'CREATE DATABASE "{name}"')
            try:
                url = f"postgresql+asyncpg://{args.pg_user}@{args.pg_host}/{name}"
                with tempfile.TemporaryDirectory() as tmp:
                    rows += await bench_backend(
                        "postgresql", url, rpc, transport, args.n, Path(tmp), separate
                    )
            finally:
                await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                await admin.close()
    finally:
        await transport.close()
    header = ("database", "operation", "ops/s", "p50 ms", "vs ping")
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        print(
            "  ".join(
                cell.rjust(w) if i >= 2 else cell.ljust(w)
                for i, (cell, w) in enumerate(zip(row, widths, strict=True))
            )
        )


if __name__ == "__main__":
    asyncio.run(main())
