"""The store trusts ``is_admin`` only from callers that hold ``rpc.signing_key``.

A store with a key, two clients on the real bus: one whose transport holds
the key (an engine), one without (anyone else on the vhost).
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from services.store.service import StoreService
from shared.clients.store import StoreClient
from shared.config import RpcSettings, Settings
from shared.context import RequestContext
from shared.exceptions import ConfigError, StackNotFound
from shared.rpc import Transport

from .conftest import make_settings


@dataclass
class Clients:
    signed: StoreClient
    unsigned: StoreClient


@pytest.fixture(scope="module")
async def clients(
    rpc_settings: RpcSettings, transport: Transport, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Clients]:
    signed_rpc = rpc_settings.model_copy(update={"signing_key": secrets.token_urlsafe(32)})
    url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('trust') / 'ember.sqlite'}"
    settings = make_settings(signed_rpc, url)
    signed_transport = await Transport.connect(signed_rpc)
    service = StoreService(settings, transport=signed_transport, topic=f"store-trust-{uuid.uuid4().hex[:8]}")
    await service.start()
    yield Clients(
        signed=StoreClient(signed_transport, timeout=20, topic=service.topic),
        unsigned=StoreClient(transport, timeout=20, topic=service.topic),
    )
    await service.stop()
    await signed_transport.close()


async def _a_stack_of_another_tenant(clients: Clients, ctx: RequestContext) -> str:
    stack = await clients.signed.stack_store(ctx, {"template": {}}, {"name": f"s-{uuid.uuid4().hex[:6]}"})
    return stack.id


async def test_an_unsigned_admin_claim_is_served_as_the_plain_caller(
    clients: Clients, ctx: RequestContext
) -> None:
    stack_id = await _a_stack_of_another_tenant(clients, ctx)
    intruder = RequestContext.admin(project_id="intruder")
    with pytest.raises(StackNotFound):
        await clients.unsigned.stack_get(intruder, stack_id)
    assert all(s.tenant == "intruder" for s in await clients.unsigned.stack_get_all(intruder))


async def test_a_signed_admin_claim_is_trusted(clients: Clients, ctx: RequestContext) -> None:
    stack_id = await _a_stack_of_another_tenant(clients, ctx)
    engine = RequestContext.admin()
    assert (await clients.signed.stack_get(engine, stack_id)).tenant == ctx.project_id


async def test_plain_callers_are_served_signed_or_not(clients: Clients, ctx: RequestContext) -> None:
    stack_id = await _a_stack_of_another_tenant(clients, ctx)
    assert (await clients.unsigned.stack_get(ctx, stack_id)).id == stack_id


async def test_a_production_store_without_a_signing_key_refuses_to_start(
    rpc_settings: RpcSettings, tmp_path: Path
) -> None:
    settings = Settings(
        mode="production",
        rpc=rpc_settings,
        database={"url": f"sqlite+aiosqlite:///{tmp_path}/p.db"},
        store={"auth_encryption_key": make_settings(rpc_settings, "sqlite://").store.auth_encryption_key},
    )
    with pytest.raises(ConfigError, match="signing_key"):
        await StoreService(settings).start()
