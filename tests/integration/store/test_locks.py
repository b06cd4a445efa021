"""Stack locks with Heat's semantics; racing engines, exactly one wins."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from shared.clients.store import StoreClient
from shared.context import RequestContext
from shared.exceptions import StackNotFound


async def test_create_then_held_by_holder(store: StoreClient, ctx: RequestContext, new_stack: Any) -> None:
    stack = await new_stack(ctx)
    assert await store.stack_lock_create(ctx, stack.id, "engine-a") is None
    assert await store.stack_lock_create(ctx, stack.id, "engine-b") == "engine-a"
    assert await store.stack_lock_get_engine_id(ctx, stack.id) == "engine-a"


async def test_release_only_your_own(store: StoreClient, ctx: RequestContext, new_stack: Any) -> None:
    stack = await new_stack(ctx)
    await store.stack_lock_create(ctx, stack.id, "engine-a")
    assert await store.stack_lock_release(ctx, stack.id, "engine-b") is True
    assert await store.stack_lock_get_engine_id(ctx, stack.id) == "engine-a"
    assert await store.stack_lock_release(ctx, stack.id, "engine-a") is None
    assert await store.stack_lock_get_engine_id(ctx, stack.id) is None
    assert await store.stack_lock_release(ctx, stack.id, "engine-a") is True


async def test_steal_is_compare_and_swap(store: StoreClient, ctx: RequestContext, new_stack: Any) -> None:
    stack = await new_stack(ctx)
    assert await store.stack_lock_steal(ctx, stack.id, "engine-a", "engine-b") is True  # nobody holds it
    await store.stack_lock_create(ctx, stack.id, "engine-a")
    assert await store.stack_lock_steal(ctx, stack.id, "engine-x", "engine-b") == "engine-a"
    assert await store.stack_lock_steal(ctx, stack.id, "engine-a", "engine-b") is None
    assert await store.stack_lock_get_engine_id(ctx, stack.id) == "engine-b"


async def test_racing_engines_exactly_one_acquires(
    store: StoreClient, ctx: RequestContext, new_stack: Any
) -> None:
    for _ in range(3):
        stack = await new_stack(ctx)
        engines = [f"engine-{i}" for i in range(20)]
        results = await asyncio.gather(*(store.stack_lock_create(ctx, stack.id, e) for e in engines))
        winners = [e for e, r in zip(engines, results, strict=True) if r is None]
        assert len(winners) == 1
        assert all(r == winners[0] for r in results if r is not None)
        assert await store.stack_lock_get_engine_id(ctx, stack.id) == winners[0]


async def test_racing_steals_exactly_one_wins(
    store: StoreClient, ctx: RequestContext, new_stack: Any
) -> None:
    stack = await new_stack(ctx)
    await store.stack_lock_create(ctx, stack.id, "dead-engine")
    thieves = [f"thief-{i}" for i in range(10)]
    results = await asyncio.gather(
        *(store.stack_lock_steal(ctx, stack.id, "dead-engine", t) for t in thieves)
    )
    assert results.count(None) == 1
    winner = thieves[results.index(None)]
    assert await store.stack_lock_get_engine_id(ctx, stack.id) == winner


async def test_lock_on_other_tenants_stack_is_not_found(
    store: StoreClient, make_ctx: Any, new_stack: Any
) -> None:
    stack = await new_stack(make_ctx())
    with pytest.raises(StackNotFound):
        await store.stack_lock_create(make_ctx(), stack.id, "engine-a")
