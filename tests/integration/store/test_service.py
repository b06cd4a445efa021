"""The service's lifecycle: graceful stop, and the bus answering bad calls cleanly."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path
from typing import Any

import pytest

from services.store.service import StoreService
from shared.clients.store import StoreClient
from shared.config import RpcSettings
from shared.context import RequestContext
from shared.exceptions import NoSuchMethod
from shared.rpc import Transport

from .conftest import make_settings


async def test_stop_lets_in_flight_requests_finish(
    rpc_settings: RpcSettings, transport: Transport, tmp_path: Path
) -> None:
    settings = make_settings(rpc_settings, f"sqlite+aiosqlite:///{tmp_path}/stop.sqlite")
    service = StoreService(settings, transport=transport, topic=f"store-stop-{uuid.uuid4().hex[:8]}")
    await service.start()
    client = StoreClient(transport, timeout=20, topic=service.topic)
    ctx = RequestContext(user_id="u", project_id="p", auth_token="t")
    try:
        stack = await client.stack_store(ctx, {"template": {}}, {"name": "draining"})
        made = await client.resource_create_many(
            ctx, stack.id, [{"name": f"r{i}", "type": "T"} for i in range(30)]
        )
        calls = [
            asyncio.create_task(
                client.resource_transition(ctx, r.id, {"action": "CREATE", "status": "COMPLETE"})
            )
            for r in made
        ]
        await asyncio.wait(calls, return_when=asyncio.FIRST_COMPLETED)
    finally:
        await service.stop()
    results = await asyncio.gather(*calls, return_exceptions=True)
    assert [r for r in results if isinstance(r, BaseException)] == []
    assert service.backend is None and service.server is None


async def test_unknown_method_is_no_such_method(store: StoreClient, ctx: RequestContext) -> None:
    with pytest.raises(NoSuchMethod):
        await store.rpc.call(ctx, "drop_all_tables")


async def test_private_helpers_are_not_callable(store: StoreClient, ctx: RequestContext) -> None:
    with pytest.raises(NoSuchMethod):
        await store.rpc.call(ctx, "_optional")


async def test_context_show_deleted_reads_deleted_stacks(
    store: StoreClient, ctx: RequestContext, new_stack: Any
) -> None:
    stack = await new_stack(ctx)
    await store.stack_delete(ctx, stack.id)
    ctx.show_deleted = True
    assert (await store.stack_get(ctx, stack.id)).deleted_at is not None
