"""A fanout of JSON messages: publishers send, every subscribed process gets a copy.

Generic (it knows nothing of what the messages mean): the engines use it to
push stored events to the api instances. Delivery is best effort and live
only; a subscriber that was away reads what it missed from wherever the
data is kept. One exchange per fanout (never auto-deleted: see
``Transport.consume_fanout``), one auto-deleted queue per subscriber process.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from shared.rpc.envelope import encode_json
from shared.rpc.outbox import Outbox
from shared.rpc.transport import Consumer, Delivery, Transport

LOG = logging.getLogger(__name__)

# Seconds a message waits in the outbox for the broker connection to come back.
READY_TIMEOUT = 30.0

Handler = Callable[[dict[str, Any]], Awaitable[None] | None]


class FanoutPublisher:
    """Publishes to the fanout ``exchange`` without ever making the caller wait."""

    def __init__(self, transport: Transport, exchange: str, capacity: int = 10000) -> None:
        self.exchange = exchange
        self._transport = transport

        async def send(body: bytes, key: str) -> None:
            await transport.publish(body, key, exchange=exchange, mandatory=False, lasting=True)

        async def ready() -> bool:
            return await transport.wait_connected(READY_TIMEOUT)

        self.outbox = Outbox(send, f"fanout-{exchange}", capacity, ready)

    def publish(self, message: dict[str, Any]) -> bool:
        """Queue ``message`` (JSON-able); False when it was dropped."""
        try:
            body = encode_json(message)
        except (TypeError, ValueError) as exc:
            LOG.error("fanout %s: message is not JSON (%s); dropped", self.exchange, exc)
            return False
        return self.outbox.put(body, self.exchange)

    async def close(self) -> None:
        await self.outbox.close()


class FanoutSubscriber:
    """Calls ``handler`` with every message published to ``exchange`` while it is started."""

    def __init__(self, transport: Transport, exchange: str, handler: Handler) -> None:
        self.exchange = exchange
        self._transport = transport
        self._handler = handler
        self._consumer: Consumer | None = None
        self.received = 0

    async def start(self) -> None:
        self._consumer = await self._transport.consume_fanout(self.exchange, self._on_delivery)

    async def _on_delivery(self, delivery: Delivery) -> None:
        try:
            message = json.loads(delivery.body)
        except (UnicodeDecodeError, ValueError, RecursionError):
            LOG.warning("fanout %s: a message that is not JSON; ignored", self.exchange)
            return
        if not isinstance(message, dict):
            LOG.warning("fanout %s: a message that is not an object; ignored", self.exchange)
            return
        self.received += 1
        try:
            result = self._handler(message)
            if result is not None:
                await result
        except Exception:  # one bad message must not stop the subscription
            LOG.exception("fanout %s: handler failed", self.exchange)

    async def stop(self) -> None:
        if self._consumer is not None:
            consumer, self._consumer = self._consumer, None
            await consumer.close()
