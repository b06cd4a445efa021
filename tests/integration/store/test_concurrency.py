"""Many writers at once: SQLite never reports "database is locked", nothing is lost."""

from __future__ import annotations

import asyncio
from typing import Any

from shared.clients.store import StoreClient
from shared.context import RequestContext
from shared.schemas.store import ResourceCreate, ResourceValues


async def test_fifty_concurrent_transitions_over_the_bus(
    store: StoreClient, ctx: RequestContext, new_stack: Any
) -> None:
    stack = await new_stack(ctx)
    resources = await store.resource_create_many(
        ctx, stack.id, [{"name": f"r{i}", "type": "T"} for i in range(50)]
    )

    async def walk(resource_id: int) -> None:
        for status in ("IN_PROGRESS", "COMPLETE"):
            await store.resource_transition(ctx, resource_id, {"action": "CREATE", "status": status})

    results = await asyncio.gather(*(walk(r.id) for r in resources), return_exceptions=True)
    assert [r for r in results if r is not None] == []
    assert await store.event_count_all_by_stack(ctx, stack.id) == 100
    assert {r.status for r in await store.resource_get_all_by_stack(ctx, stack.id)} == {"COMPLETE"}


async def test_concurrent_writers_and_readers_direct(db: Any, ctx: RequestContext, new_stack: Any) -> None:
    stack = await new_stack(ctx)
    resources = await db.resource_create_many(
        ctx, stack.id, [ResourceCreate(name=f"r{i}", type="T") for i in range(50)]
    )

    async def write(resource_id: int) -> None:
        await db.resource_transition(ctx, resource_id, ResourceValues(action="CREATE", status="COMPLETE"))

    async def read() -> None:
        await db.resource_get_all_by_stack(ctx, stack.id)
        await db.event_count_all_by_stack(ctx, stack.id)

    jobs = [write(r.id) for r in resources] + [read() for _ in range(20)]
    jobs += [new_stack(ctx) for _ in range(10)]
    results = await asyncio.gather(*jobs, return_exceptions=True)
    errors = [r for r in results if isinstance(r, BaseException)]
    assert errors == []
    assert await db.event_count_all_by_stack(ctx, stack.id) == 50
