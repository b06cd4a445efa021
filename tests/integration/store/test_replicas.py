"""Two store replicas against one PostgreSQL, serving one topic as competing consumers."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest

from services.store.service import StoreService
from shared.clients.store import StoreClient
from shared.config import RpcSettings
from shared.context import RequestContext
from shared.exceptions import StackExists
from shared.rpc import Transport

from .conftest import create_pg_database, drop_pg_database, make_settings, pg_url

pytestmark = pytest.mark.postgres


@pytest.fixture
async def replicas(
    rpc_settings: RpcSettings, transport: Transport
) -> AsyncIterator[tuple[StoreClient, list[StoreService]]]:
    name = await create_pg_database()
    settings = make_settings(rpc_settings, pg_url(name))
    topic = f"store-replicas-{uuid.uuid4().hex[:8]}"
    services = [StoreService(settings, transport=transport, topic=topic) for _ in range(2)]
    try:
        # Both start (and migrate) at once: the advisory lock lets one migrate, the other waits.
        await asyncio.gather(*(s.start() for s in services))
        yield StoreClient(transport, timeout=20, topic=topic), services
    finally:
        for service in services:
            await service.stop()
        await drop_pg_database(name)


async def test_two_replicas_share_the_work_and_the_data(replicas: Any, make_ctx: Any) -> None:
    client, services = replicas
    ctx: RequestContext = make_ctx()
    answered = {(await client.ping(ctx))["server"] for _ in range(40)}
    assert answered == {s.server_id for s in services}
    stack = await client.stack_store(ctx, {"template": {}}, {"name": "shared"})
    resources = await client.resource_create_many(
        ctx, stack.id, [{"name": f"r{i}", "type": "T"} for i in range(40)]
    )
    await asyncio.gather(
        *(
            client.resource_transition(ctx, r.id, {"action": "CREATE", "status": "COMPLETE"})
            for r in resources
        )
    )
    assert await client.event_count_all_by_stack(ctx, stack.id) == 40
    # Every replica reads what the other wrote.
    for service in services:
        direct = StoreClient(client.rpc.transport, timeout=20, topic=service.topic, server=service.server_id)
        assert (await direct.ping(ctx))["server"] == service.server_id
        assert (await direct.stack_get(ctx, stack.id)).id == stack.id


async def test_replicas_race_for_a_lock_and_a_name(replicas: Any, make_ctx: Any) -> None:
    client, _ = replicas
    ctx: RequestContext = make_ctx()
    stack = await client.stack_store(ctx, {"template": {}}, {"name": "locked"})
    results = await asyncio.gather(*(client.stack_lock_create(ctx, stack.id, f"e{i}") for i in range(20)))
    assert results.count(None) == 1
    created = await asyncio.gather(
        *(client.stack_store(ctx, {"template": {}}, {"name": "one-name"}) for _ in range(10)),
        return_exceptions=True,
    )
    assert sum(not isinstance(r, BaseException) for r in created) == 1
    assert all(isinstance(r, StackExists) for r in created if isinstance(r, BaseException))
