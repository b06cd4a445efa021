"""oslo.messaging notifications: what ``oslo_messaging.Notifier`` with the messaging driver sends.

A notification is ``{message_id, publisher_id, event_type, priority,
payload, timestamp}`` plus the sender's context as ``_context_<key>`` (its
auth token left out, as oslo sanitises it) and a ``_unique_id``, in the 2.0
envelope, published to the control exchange with routing key
``<topic>.<priority in lower case>`` for each configured topic. As oslo's
rabbit driver does, the first notification on a key (after each reconnect)
declares the queue of that name, so nothing is lost before a listener
starts. So an ``oslo_messaging.get_notification_listener`` on the same
exchange and topic receives them as it would an OpenStack service's.

Sending never blocks or fails the caller (``shared.rpc.outbox``).
"""

from __future__ import annotations

import datetime
import logging
import uuid
from collections.abc import Sequence
from typing import Any, Literal

from shared.rpc.envelope import notification_body
from shared.rpc.fanout import READY_TIMEOUT
from shared.rpc.outbox import Outbox
from shared.rpc.transport import Transport

LOG = logging.getLogger(__name__)

Priority = Literal["AUDIT", "DEBUG", "INFO", "WARN", "ERROR", "CRITICAL", "SAMPLE"]

# Context keys a notification never carries (oslo's _sanitize_context drops the token).
_SECRET_CONTEXT_KEYS = frozenset({"auth_token", "auth_token_info"})


class Notifier:
    """Sends notifications as ``publisher_id`` to ``topics``; ``driver="noop"`` sends nothing."""

    def __init__(
        self,
        transport: Transport | None,
        publisher_id: str,
        topics: Sequence[str] = ("notifications",),
        driver: Literal["messaging", "noop"] = "messaging",
        capacity: int = 10000,
    ) -> None:
        self.publisher_id = publisher_id
        self.topics = tuple(topics)
        self.enabled = driver == "messaging" and transport is not None and bool(self.topics)
        self._transport = transport
        self._declared: set[str] = set()
        self._epoch = -1
        self.outbox = Outbox(self._send, f"notify-{publisher_id}", capacity, self._ready)

    async def _ready(self) -> bool:
        assert self._transport is not None
        return await self._transport.wait_connected(READY_TIMEOUT)

    async def _send(self, body: bytes, key: str) -> None:
        transport = self._transport
        assert transport is not None
        if transport.epoch != self._epoch:  # a reconnect may have lost the queues: declare again
            self._declared.clear()
            self._epoch = transport.epoch
        if key not in self._declared:
            await transport.declare_topic_queue(key)
            self._declared.add(key)
        await transport.publish(body, key, mandatory=False)

    def notify(
        self, context: dict[str, Any], event_type: str, payload: dict[str, Any], priority: Priority
    ) -> None:
        """Queue one notification to every topic (returns at once; see the module's docstring)."""
        if not self.enabled:
            return
        message = {
            "message_id": str(uuid.uuid4()),
            "publisher_id": self.publisher_id,
            "event_type": event_type,
            "priority": priority,
            "payload": payload,
            # oslo's str(timeutils.utcnow()): "YYYY-MM-DD HH:MM:SS.ffffff", naive UTC.
            "timestamp": str(datetime.datetime.now(datetime.UTC).replace(tzinfo=None)),
        }
        safe = {k: v for k, v in context.items() if k not in _SECRET_CONTEXT_KEYS}
        try:
            body = notification_body(message, safe)
        except Exception as exc:  # not JSON-able, or text UTF-8 cannot carry
            LOG.error("notification %s is not JSON (%s); dropped", event_type, exc)
            return
        for topic in self.topics:
            self.outbox.put(body, f"{topic}.{priority.lower()}")

    def info(self, context: dict[str, Any], event_type: str, payload: dict[str, Any]) -> None:
        self.notify(context, event_type, payload, "INFO")

    def error(self, context: dict[str, Any], event_type: str, payload: dict[str, Any]) -> None:
        self.notify(context, event_type, payload, "ERROR")

    async def close(self) -> None:
        await self.outbox.close()
