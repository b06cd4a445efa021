"""rpc.rabbit_quorum_queue on the real broker: topic queues are quorum queues, the rest stay classic.

Quorum queues are durable, replicated and never auto-deleted or exclusive;
the reply and fanout queues are per process and transient, so they must stay
classic (the broker refuses a non-durable quorum queue). Redeclaring a queue
with an explicit ``x-queue-type`` tells its type: the broker refuses a
declaration whose type differs from the existing queue's.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from typing import Any

import aio_pika
import aiormq
import pytest

from shared.config import RpcSettings
from shared.context import RequestContext
from shared.rpc import RPCClient, RPCServer, Target, Transport
from tests.conftest import AMQP_URL
from tests.integration.rpc.endpoints import EchoEndpoint

CTX = RequestContext(user_id="u1", project_id="p1")
TTL = 60  # transient_queues_ttl of this test's queues (seconds)


@pytest.fixture
async def quorum(unique_topic: str) -> AsyncIterator[tuple[Transport, str]]:
    """A quorum-queue transport on an exchange of its own (a durable one: quorum queues are durable,
    so the services declare the exchange durable too; the shared test exchange is not)."""
    exchange = f"ember-test-quorum-{uuid.uuid4().hex[:8]}"
    settings = RpcSettings(
        transport_url=AMQP_URL,
        control_exchange=exchange,
        rabbit_quorum_queue=True,
        transient_queues_ttl=TTL,
        rpc_response_timeout=10,
    )
    transport = await Transport.connect(settings)
    try:
        yield transport, unique_topic
    finally:
        await transport.close()
        await _delete(exchange, [unique_topic, f"{unique_topic}.srv1"])


async def _delete(exchange: str, queues: list[str]) -> None:
    """Quorum queues outlive everything: remove this test's (if-unused deletes are refused for them)."""
    connection = await aio_pika.connect(AMQP_URL)
    try:
        channel = await connection.channel()
        for name in queues:
            await channel.queue_delete(name, if_unused=False, if_empty=False)
        await channel.exchange_delete(exchange)
    finally:
        await connection.close()


async def _declared_as(name: str, queue_type: str, durable: bool, arguments: dict[str, Any]) -> bool:
    """Whether the broker accepts ``name`` redeclared with this type (on a throw-away connection:
    a refusal closes the channel)."""
    connection = await aio_pika.connect(AMQP_URL)
    try:
        channel = await connection.channel()
        try:
            await channel.declare_queue(
                name, durable=durable, arguments={**arguments, "x-queue-type": queue_type}
            )
        except aiormq.exceptions.ChannelPreconditionFailed:
            return False
        return True
    finally:
        await connection.close()


async def test_calls_and_fanout_casts_work_on_quorum_topic_queues(quorum: tuple[Transport, str]) -> None:
    transport, topic = quorum
    endpoint = EchoEndpoint()
    server = RPCServer(transport, Target(topic=topic, server="srv1"), [endpoint], concurrency=8)
    await server.start()
    try:
        client = RPCClient(transport, Target(topic=topic, version="1.2"), timeout=5)
        results = await asyncio.gather(*(client.call(CTX, "echo", value=n) for n in range(20)))
        assert [r["value"] for r in results] == list(range(20))
        direct = client.prepare(server="srv1")
        assert (await direct.call(CTX, "echo", value=7))["value"] == 7
        await client.prepare(fanout=True).cast(CTX, "remember", value="to-all")
        await asyncio.wait_for(endpoint.cast_event.wait(), 5)
        assert endpoint.casts == ["to-all"]

        # The topic queue and this server's own queue are quorum queues ...
        assert not await _declared_as(topic, "classic", True, {})
        assert await _declared_as(topic, "quorum", True, {})
        server_args = {"x-expires": TTL * 1000}  # ... the server's expiring once unused
        assert await _declared_as(f"{topic}.srv1", "quorum", True, server_args)
        assert not await _declared_as(f"{topic}.srv1", "classic", True, server_args)
        # ... the caller's reply queue stays a classic, transient one.
        reply_q = await client._waiter.ensure_started()
        assert await _declared_as(reply_q, "classic", False, {"x-expires": TTL * 1000})
    finally:
        await server.stop(grace=1)
