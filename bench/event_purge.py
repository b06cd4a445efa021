"""What store.max_events_per_stack costs a stored event: prints figures, asserts nothing.

    .venv/bin/python bench/event_purge.py [-n 6000] [--pg-host 127.0.0.1] [--no-postgres]

In this process, without the bus (so the bus's noise does not hide the
difference): one stack, ``n`` resource transitions (each an UPDATE plus its
event, one transaction) written one after the other, with the purge off
(``max_events_per_stack: 0``) and on (Heat's 1000 / batch 200, so the stack is
purged every 200 events once it holds 1000), the two runs interleaved in
rounds; then the time of one purge of a batch.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import asyncpg

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from services.store import migrate
from services.store.crypt import Crypt, generate_key
from services.store.engine import Database
from services.store.sqlalchemy_api import create_backend
from services.store.sqlalchemy_api.event_purge import EventPurger
from shared.config import Settings, StoreSettings
from shared.context import RequestContext
from shared.schemas.store import (
    RawTemplateCreate,
    ResourceCreate,
    ResourceTransitionItem,
    ResourceValues,
    StackCreate,
)

ROUNDS = 4


async def _new_stack(backend: Any, ctx: RequestContext) -> str:
    stack = await backend.stack_store(
        ctx, RawTemplateCreate(template={}), StackCreate(name=f"purge-{uuid.uuid4().hex[:8]}")
    )
    return str(stack.id)


async def run(url: str, n: int, label: str) -> None:
    settings = Settings(database={"url": url}, store={"auth_encryption_key": generate_key()})
    db = Database(settings.database)
    await migrate.upgrade(db)
    ctx = RequestContext(project_id="bench", user_id="bench")
    off = create_backend(db, Crypt.from_settings(settings), StoreSettings(max_events_per_stack=0))
    on = create_backend(db, Crypt.from_settings(settings), StoreSettings())
    per_event: dict[str, list[float]] = {"off": [], "on": []}
    try:
        for _ in range(ROUNDS):
            for name, backend in (("off", off), ("on", on)):
                stack_id = await _new_stack(backend, ctx)
                (row,) = await backend.resource_create_many(
                    ctx, stack_id, [ResourceCreate(name="r", type="T")]
                )
                began = time.perf_counter()
                for i in range(n):
                    await backend.resource_transition(ctx, row.id, ResourceValues(status_reason=str(i)))
                per_event[name].append((time.perf_counter() - began) / n * 1e6)
                kept = await backend.event_count_all_by_stack(ctx, stack_id)
                if name == "on":
                    assert kept < 1200, kept
        # One purge of a batch: a stack at max + batch events, purged directly.
        purger = EventPurger(1000, 200)
        stack_id = await _new_stack(on, ctx)
        (row,) = await off.resource_create_many(ctx, stack_id, [ResourceCreate(name="r", type="T")])
        purges: list[float] = []
        for _ in range(5):
            await off.resource_transition_many(
                ctx,
                [ResourceTransitionItem(resource_id=row.id, values=ResourceValues()) for _ in range(1200)],
            )
            async with db.write_connection() as conn:
                began = time.perf_counter()
                deleted = await purger.purge(conn, stack_id)
                purges.append((time.perf_counter() - began) * 1e3)
            assert deleted >= 200, deleted
    finally:
        await db.dispose()
    off_us, on_us = statistics.median(per_event["off"]), statistics.median(per_event["on"])
    print(
        f"{label:<10} transition+event, purge off: {off_us:7.0f} us   on: {on_us:7.0f} us   "
        f"({(on_us / off_us - 1) * 100:+.1f}%, median of {ROUNDS} rounds of {n})   "
        f"one purge (1200 -> 1000 events): {statistics.median(purges):.1f} ms"
    )


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("-n", type=int, default=3000, help="transitions per run")
    parser.add_argument("--pg-host", default="127.0.0.1")
    parser.add_argument("--pg-user", default="postgres")
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        await run(f"sqlite+aiosqlite:///{tmp}/bench.sqlite", args.n, "sqlite")
    if args.no_postgres:
        return
    name = f"ember_bench_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(host=args.pg_host, user=args.pg_user, database="postgres")
    await admin.execute(f'CREATE DATABASE "{name}"')
    try:
        await run(f"postgresql+asyncpg://{args.pg_user}@{args.pg_host}/{name}", args.n, "postgresql")
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


if __name__ == "__main__":
    asyncio.run(main())
