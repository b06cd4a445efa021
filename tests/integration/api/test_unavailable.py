"""Fast, honest failure: no engine or no store consuming is a 503 naming it, not a 60 s wait."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import pytest

from services.api.app import create_app
from services.api.errors import ember_error_response
from shared.config import RpcSettings
from shared.exceptions import MessagingTimeout
from shared.rpc import RPCServer, Target, Transport
from tests.integration.api.conftest import MINIMAL, TENANT, asgi_client, make_settings
from tests.integration.api.fake_engine import FakeEngine, FakeStore
from tests.integration.api.test_errors import assert_fault


async def _queue_without_consumers(transport: Transport, endpoint: object) -> str:
    """A topic whose queue exists (a server ran and stopped) but that nothing consumes."""
    topic = f"gone-{uuid.uuid4().hex[:8]}"
    server = RPCServer(transport, Target(topic=topic), [endpoint])
    await server.start()
    await server.stop(grace=0.1)
    return topic


@pytest.fixture
async def stopped_engine(transport: Transport) -> str:
    return await _queue_without_consumers(transport, FakeEngine())


@pytest.fixture
async def stopped_store(transport: Transport) -> str:
    return await _queue_without_consumers(transport, FakeStore())


async def test_engine_topic_nobody_consumes_is_503_at_once(
    rpc_settings: RpcSettings, transport: Transport, stopped_engine: str, fake_store: str
) -> None:
    app = create_app(
        make_settings(rpc_settings, engine_timeout=60),
        transport=transport,
        engine_topic=stopped_engine,
        store_topic=fake_store,
    )
    async with asgi_client(app) as client:
        resp = await asyncio.wait_for(client.get(f"/v1/{TENANT}/stacks"), 10)
        err = assert_fault(resp, 503, "ServiceUnavailable")
        assert "engine" in err["message"] and resp.json()["explanation"].startswith("The engine")
        health = await client.get("/healthz")
    assert health.status_code == 503
    assert health.json()["engine"] is False and health.json()["store"] is True


async def test_store_topic_nobody_consumes_is_503_naming_the_store(
    rpc_settings: RpcSettings, transport: Transport, fake_engine_topic: str, stopped_store: str
) -> None:
    app = create_app(
        make_settings(rpc_settings, engine_timeout=60),
        transport=transport,
        engine_topic=fake_engine_topic,
        store_topic=stopped_store,
    )
    async with asgi_client(app) as client:
        resp = await asyncio.wait_for(client.get(f"/v1/{TENANT}/stacks"), 10)
        err = assert_fault(resp, 503, "ServiceUnavailable")
        assert "store" in err["message"] and "engine" not in err["message"]
        health = await client.get("/healthz")
    assert health.status_code == 503
    body = health.json()
    assert body["status"] == "degraded" and body["engine"] is True and body["store"] is False
    assert "store" in body["detail"]


@pytest.fixture
async def fake_engine_topic(transport: Transport) -> AsyncIterator[str]:
    topic = f"fake-engine-{uuid.uuid4().hex[:8]}"
    server = RPCServer(transport, Target(topic=topic), [FakeEngine()])
    await server.start()
    yield topic
    await server.stop(grace=1)


async def test_engine_that_goes_away_mid_call_is_503_before_the_timeout(
    rpc_settings: RpcSettings, transport: Transport, fake_store: str
) -> None:
    engine_transport = await Transport.connect(rpc_settings)
    topic = f"dying-engine-{uuid.uuid4().hex[:8]}"
    server = RPCServer(engine_transport, Target(topic=topic), [FakeEngine(hang=True)])
    await server.start()
    app = create_app(
        make_settings(rpc_settings, engine_timeout=60, engine_unavailable_timeout=0.5),
        transport=transport,
        engine_topic=topic,
        store_topic=fake_store,
    )
    try:
        async with asgi_client(app) as client:
            post = asyncio.create_task(
                client.post(f"/v1/{TENANT}/stacks", json={"stack_name": "hangs", "template": MINIMAL})
            )
            for _ in range(500):
                if server.handled:
                    break
                await asyncio.sleep(0.01)
            assert server.handled == 1
            await engine_transport.close()  # the engine dies: its consumers go with its connection
            resp = await asyncio.wait_for(post, 20)
        assert_fault(resp, 503, "ServiceUnavailable")
    finally:
        await server.stop(grace=0.1)
        await engine_transport.close()


def test_a_timeout_on_the_store_topic_is_explained_as_the_stores() -> None:
    error = MessagingTimeout(method="stack_get", topic="store", timeout=30)
    resp = ember_error_response(error, lambda topic: "store" if topic == "store" else "engine")
    assert resp.status_code == 504
    assert b"The store did not answer in time." in resp.body


async def test_an_engine_back_within_the_grace_is_a_blip_not_a_503(
    rpc_settings: RpcSettings, transport: Transport, stopped_engine: str, fake_store: str
) -> None:
    """Engines reconnecting after a broker blip are away for about a second: a request arriving
    then waits for them (up to the gateway's grace) instead of failing."""
    app = create_app(
        make_settings(rpc_settings, engine_timeout=60),
        transport=transport,
        engine_topic=stopped_engine,
        store_topic=fake_store,
    )
    back = RPCServer(transport, Target(topic=stopped_engine), [FakeEngine()])

    async def come_back() -> None:
        await asyncio.sleep(0.7)
        await back.start()

    async with asgi_client(app) as client:
        returning = asyncio.create_task(come_back())
        try:
            resp = await asyncio.wait_for(client.get(f"/v1/{TENANT}/stacks"), 20)
        finally:
            await returning
            await back.stop(grace=1)
    assert resp.status_code == 200, resp.text
