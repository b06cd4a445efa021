"""RPCClient after a connection drop: requests that may have been lost are published again."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from shared.config import RpcSettings
from shared.context import RequestContext
from shared.rpc import RPCClient, Target
from shared.rpc.envelope import encode_reply
from shared.rpc.transport import Delivery

CTX = RequestContext(project_id="p1")


class FakeConsumer:
    async def close(self) -> None:
        return None


class FakeTransport:
    """Records publishes; each reports whether it was confirmed as ``confirm`` asks."""

    def __init__(self) -> None:
        self.settings = RpcSettings()
        self.published: list[dict[str, Any]] = []
        self.listeners: list[Any] = []
        self.disconnected_at: float | None = None
        self.on_reply: Any = None

    async def consume_replies(self, handler: Any) -> tuple[str, FakeConsumer]:
        self.on_reply = handler
        return "reply_fake", FakeConsumer()

    def add_reconnect_listener(self, listener: Any) -> None:
        self.listeners.append(listener)

    def remove_reconnect_listener(self, listener: Any) -> None:
        self.listeners.remove(listener)

    is_closed = False

    async def wait_connected(self, timeout: float) -> bool:
        return True

    async def publish(self, body: bytes, routing_key: str, **kwargs: Any) -> bool:
        self.published.append({"body": body, "routing_key": routing_key, **kwargs})
        return bool(kwargs.get("confirm"))

    def drop_and_reconnect(self) -> None:
        self.disconnected_at = time.monotonic()
        for listener in list(self.listeners):
            listener()


async def _until(predicate: Any, timeout: float = 5) -> None:
    for _ in range(int(timeout * 100)):
        if predicate():
            return
        await asyncio.sleep(0.01)


async def test_waiting_call_sent_unconfirmed_before_a_drop_is_published_again_confirmed() -> None:
    transport = FakeTransport()
    client = RPCClient(transport, Target(topic="t"), timeout=10)  # type: ignore[arg-type]
    call = asyncio.create_task(client.call(CTX, "echo", value=1))
    await _until(lambda: len(transport.published) == 1)
    transport.drop_and_reconnect()
    await _until(lambda: len(transport.published) == 2)
    first, again = transport.published
    assert again["body"] == first["body"] and again["message_id"] == first["message_id"]
    assert again["confirm"] is True and again["routing_key"] == "t"
    msg_id = first["message_id"]
    await transport.on_reply(
        Delivery(
            body=encode_reply(msg_id, {"ok": 1}, None), message_id=msg_id, reply_to=None, routing_key=None
        )
    )
    assert await asyncio.wait_for(call, 5) == {"ok": 1}


async def test_answered_calls_are_not_published_again_after_a_drop() -> None:
    transport = FakeTransport()
    client = RPCClient(transport, Target(topic="t"), timeout=10)  # type: ignore[arg-type]
    call = asyncio.create_task(client.call(CTX, "echo", value=1))
    await _until(lambda: len(transport.published) == 1)
    msg_id = transport.published[0]["message_id"]
    await transport.on_reply(
        Delivery(body=encode_reply(msg_id, 1, None), message_id=msg_id, reply_to=None, routing_key=None)
    )
    assert await asyncio.wait_for(call, 5) == 1
    transport.drop_and_reconnect()
    await asyncio.sleep(0.05)
    assert len(transport.published) == 1
