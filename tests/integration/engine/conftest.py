"""Engine fixtures: a store (SQLite) and an engine running in-process, reached over the real bus.

``engine_services`` yields an object with ``.transport``, ``.engine_topic``,
``.store_topic``, ``.client`` (an EngineClient), ``.store`` (a StoreClient)
and ``.engine`` (the EngineApp); the API tests use it too.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest

from services.engine.app import EngineApp
from services.store.crypt import generate_key
from services.store.service import StoreService
from shared.clients.engine import EngineClient
from shared.clients.store import StoreClient
from shared.config import RpcSettings, Settings
from shared.context import RequestContext
from shared.rpc import Transport


@dataclass
class EngineServices:
    transport: Transport
    settings: Settings
    engine_topic: str
    store_topic: str
    client: EngineClient
    store: StoreClient
    engine: EngineApp

    async def start_engine(self, engine_id: str | None = None, **engine: Any) -> EngineApp:
        """Another engine on the same topics (multi-engine tests), ``engine`` settings changed; the
        caller stops it."""
        settings = self.settings
        if engine:
            settings = settings.model_copy(update={"engine": settings.engine.model_copy(update=engine)})
        app = EngineApp(
            settings,
            transport=self.transport,
            topic=self.engine_topic,
            store_topic=self.store_topic,
            engine_id=engine_id,
        )
        await app.start()
        return app

    async def wait_for_status(
        self, ctxt: RequestContext, identity: dict[str, Any], statuses: set[str], timeout: float = 60
    ) -> dict[str, Any]:
        """Poll show_stack until ``ACTION_STATUS`` is one of ``statuses``."""
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            stack = (await self.client.show_stack(ctxt, identity))[0]
            state = f"{stack['stack_action']}_{stack['stack_status']}"
            if state in statuses:
                return stack
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"stack stuck in {state}: {stack['stack_status_reason']}")
            await asyncio.sleep(0.05)


def engine_settings(rpc_settings: RpcSettings, db_url: str, **engine: Any) -> Settings:
    engine.setdefault("lock_liveness_timeout", 1.0)
    # A test session keeps the stacks of its projects (the api tests' "demo" gathers hundreds):
    # Heat's per-project limit has its own test (test_limits.py).
    engine.setdefault("max_stacks_per_tenant", -1)
    engine.setdefault("graceful_stop_timeout", 5.0)
    return Settings(
        rpc=rpc_settings,
        database={"url": db_url},
        store={"auth_encryption_key": generate_key()},
        engine=engine,
    )


@pytest.fixture(scope="session")
async def engine_services(
    rpc_settings: RpcSettings, transport: Transport, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[EngineServices]:
    path = tmp_path_factory.mktemp("engine") / "ember.sqlite"
    settings = engine_settings(rpc_settings, f"sqlite+aiosqlite:///{path}")
    suffix = uuid.uuid4().hex[:8]
    store_service = StoreService(settings, transport=transport, topic=f"store-e-{suffix}")
    await store_service.start()
    engine = EngineApp(
        settings, transport=transport, topic=f"engine-e-{suffix}", store_topic=store_service.topic
    )
    await engine.start()
    services = EngineServices(
        transport=transport,
        settings=settings,
        engine_topic=engine.topic,
        store_topic=store_service.topic,
        client=EngineClient(transport, timeout=30, topic=engine.topic),
        store=StoreClient(transport, timeout=30, topic=store_service.topic),
        engine=engine,
    )
    yield services
    await engine.stop()
    await store_service.stop()
