"""Messages that are not JSON, lack fields, have wrong types or are too large never stall a server."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator

import pytest

from shared.config import RpcSettings
from shared.context import RequestContext
from shared.exceptions import MalformedMessage, MessageTooLarge
from shared.rpc import RPCClient, RPCServer, Target, Transport
from shared.rpc.client import _waiter_for
from tests.integration.rpc.endpoints import EchoEndpoint

CTX = RequestContext(project_id="p1")


@pytest.fixture
async def small_transport(rpc_settings: RpcSettings) -> AsyncIterator[Transport]:
    transport = await Transport.connect(rpc_settings.model_copy(update={"max_message_size": 2048}))
    yield transport
    await transport.close()


@pytest.fixture
async def server(small_transport: Transport, unique_topic: str) -> AsyncIterator[RPCServer]:
    server = RPCServer(small_transport, Target(topic=unique_topic), [EchoEndpoint()])
    await server.start()
    yield server
    await server.stop(grace=1)


async def _raw_call(transport: Transport, topic: str, body: bytes, *, with_properties: bool = True) -> object:
    """Publish raw bytes as a call and wait for whatever reply comes."""
    waiter = _waiter_for(transport)
    reply_q = await waiter.ensure_started()
    msg_id = uuid.uuid4().hex
    body = body.replace(b"MSGID", msg_id.encode()).replace(b"REPLYQ", reply_q.encode())
    future = waiter.expect(msg_id)
    try:
        await transport.publish(
            body,
            topic,
            message_id=msg_id if with_properties else None,
            reply_to=reply_q if with_properties else None,
        )
        return await __import__("asyncio").wait_for(future, 5)
    finally:
        waiter.forget(msg_id)


def _wrapped(inner: dict[str, object]) -> bytes:
    return json.dumps({"oslo.version": "2.0", "oslo.message": json.dumps(inner)}).encode()


async def _still_serving(transport: Transport, topic: str) -> None:
    client = RPCClient(transport, Target(topic=topic), timeout=5)
    assert (await client.call(CTX, "echo", value=1))["value"] == 1


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"\xff\xfe not json", "not JSON"),
        (b"[1, 2, 3]", "not a JSON object"),
        (json.dumps({"oslo.version": "2.0", "oslo.message": 42}).encode(), "oslo.message"),
        (json.dumps({"oslo.version": "9.9", "oslo.message": "{}"}).encode(), "envelope version"),
        (_wrapped({"args": {}}), '"method"'),
        (_wrapped({"method": "echo", "args": [1, 2]}), '"args"'),
        (_wrapped({"method": "echo", "args": {}, "version": 1.2}), '"version"'),
        (_wrapped({"method": 5}), '"method"'),
    ],
)
async def test_malformed_request_gets_a_failure_reply(
    small_transport: Transport, unique_topic: str, server: RPCServer, body: bytes, reason: str
) -> None:
    with pytest.raises(MalformedMessage) as info:
        await _raw_call(small_transport, unique_topic, body)
    assert reason in str(info.value)
    await _still_serving(small_transport, unique_topic)


async def test_reply_address_is_found_in_the_body_when_properties_are_absent(
    small_transport: Transport, unique_topic: str, server: RPCServer
) -> None:
    body = _wrapped({"method": "echo", "args": "oops", "_msg_id": "MSGID", "_reply_q": "REPLYQ"})
    with pytest.raises(MalformedMessage):
        await _raw_call(small_transport, unique_topic, body, with_properties=False)


async def test_oversized_request_gets_message_too_large(
    small_transport: Transport, unique_topic: str, server: RPCServer
) -> None:
    body = _wrapped(
        {"method": "echo", "args": {"value": 1, "note": "x" * 5000}, "_msg_id": "MSGID", "_reply_q": "REPLYQ"}
    )
    with pytest.raises(MessageTooLarge):
        await _raw_call(small_transport, unique_topic, body)
    await _still_serving(small_transport, unique_topic)


async def test_garbage_without_reply_address_is_dropped_and_server_carries_on(
    small_transport: Transport, unique_topic: str, server: RPCServer
) -> None:
    for body in (b"garbage", b"{}", _wrapped({"method": "echo"}), b"x" * 10000):
        await small_transport.publish(body, unique_topic)
    await _still_serving(small_transport, unique_topic)
