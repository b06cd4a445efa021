"""Wire compatibility with oslo.messaging's rabbit driver, both directions, on the real broker."""

from __future__ import annotations

import asyncio
import threading
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from shared.config import RpcSettings
from shared.context import RequestContext
from shared.exceptions import RemoteError
from shared.rpc import RPCClient, RPCServer, Target, Transport
from tests.conftest import AMQP_URL, TEST_EXCHANGE
from tests.integration.rpc.endpoints import EchoEndpoint

oslo_messaging = pytest.importorskip("oslo_messaging")
from oslo_config import cfg  # noqa: E402


@pytest.fixture(scope="module")
def oslo_transport() -> Iterator[Any]:
    conf = cfg.CONF  # oslo.messaging registers some options on the global CONF only
    conf([], project="ember-interop")
    oslo_messaging.set_transport_defaults(TEST_EXCHANGE)
    transport = oslo_messaging.get_rpc_transport(conf, url=AMQP_URL.replace("amqp://", "rabbit://", 1))
    yield transport
    transport.cleanup()


async def test_oslo_client_calls_ember_server(
    transport: Transport, unique_topic: str, oslo_transport: Any
) -> None:
    endpoint = EchoEndpoint()
    server = RPCServer(transport, Target(topic=unique_topic, server="ember1"), [endpoint])
    await server.start()
    try:
        client = oslo_messaging.get_rpc_client(
            oslo_transport, oslo_messaging.Target(topic=unique_topic, version="1.2"), timeout=10
        )
        ctxt = {"project_id": "p-oslo", "user_id": "u1", "request_id": "req-oslo-1", "roles": ["member"]}
        result = await asyncio.to_thread(client.call, ctxt, "echo", value=41, note="from oslo")
        assert result == {"value": 41, "note": "from oslo", "project": "p-oslo", "request_id": "req-oslo-1"}

        with pytest.raises(oslo_messaging.RemoteError) as info:
            await asyncio.to_thread(client.call, ctxt, "fail_expected", name="web")
        assert info.value.exc_type == "StackExists"
        assert "The Stack (web) already exists." in info.value.value

        with pytest.raises(oslo_messaging.RemoteError) as unsupported:
            await asyncio.to_thread(client.prepare(version="2.0").call, ctxt, "echo", value=1)
        assert unsupported.value.exc_type == "UnsupportedVersion"

        await asyncio.to_thread(client.cast, ctxt, "remember", value="cast from oslo")
        await asyncio.wait_for(endpoint.cast_event.wait(), 10)
        assert endpoint.casts == ["cast from oslo"]
    finally:
        await server.stop(grace=1)


class OsloEndpoint:
    target = oslo_messaging.Target(version="1.1")

    def add(self, ctxt: dict[str, Any], a: int, b: int) -> dict[str, Any]:
        return {"sum": a + b, "project": ctxt.get("project_id")}

    def explode(self, ctxt: dict[str, Any]) -> None:
        raise KeyError("no such key in the oslo server")


@pytest.fixture
def oslo_server(oslo_transport: Any, unique_topic: str) -> Iterator[str]:
    server = oslo_messaging.get_rpc_server(
        oslo_transport,
        oslo_messaging.Target(topic=unique_topic, server="oslo1"),
        [OsloEndpoint()],
        executor="threading",
    )
    thread = threading.Thread(target=server.start, daemon=True)
    thread.start()
    thread.join(10)
    yield unique_topic
    server.stop()
    server.wait()


async def test_ember_client_calls_oslo_server(transport: Transport, oslo_server: str) -> None:
    client = RPCClient(transport, Target(topic=oslo_server, version="1.0"), timeout=10)
    ctxt = RequestContext(project_id="p-ember", user_id="u2")
    for _ in range(50):  # the oslo server declares its queues from its own thread
        try:
            result = await client.call(ctxt, "add", a=2, b=3)
            break
        except Exception:
            await asyncio.sleep(0.2)
    else:
        pytest.fail("the oslo server never answered")
    assert result == {"sum": 5, "project": "p-ember"}
    with pytest.raises(RemoteError) as info:
        await client.call(ctxt, "explode")
    assert info.value.exc_type == "KeyError"
    await client.cast(ctxt, "add", a=1, b=1)  # a cast is accepted by oslo


async def test_ember_declarations_match_oslo_ones(rpc_settings: RpcSettings, oslo_server: str) -> None:
    """An Ember server on a topic an oslo server declared (and vice versa) declares without error."""
    transport = await Transport.connect(rpc_settings)
    try:
        server = RPCServer(
            transport, Target(topic=oslo_server, server=f"ember-{uuid.uuid4().hex[:6]}"), [EchoEndpoint()]
        )
        await server.start()
        await server.stop(grace=0)
    finally:
        await transport.close()
