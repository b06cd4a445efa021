"""The gateway's end of the live event fanout: one subscription per process, a bounded queue per client.

The engines publish each stored event (``services.engine.endpoints.live_events``);
this process's one auto-deleted queue on that fanout receives them all, and
``EventHub`` hands each to the streams that watch its stack (or, within
their ``nested_depth``, a stack above it) for the same tenant. A client
that falls ``events.client_buffer`` events behind is marked overrun and
gets nothing more: its stream says so and closes, and the client resumes
from its last event id (replayed from the store). The hub never waits on a
client, so a slow one holds up neither the bus nor the others.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from shared.config import Settings
from shared.rpc import Transport
from shared.rpc.fanout import FanoutSubscriber

LOG = logging.getLogger(__name__)


class Watch:
    """One stream's view of the fanout: the events of its stack (and below it), queued."""

    def __init__(self, stack_id: str, tenant: str, nested_depth: int, capacity: int) -> None:
        self.stack_id = stack_id
        self.tenant = tenant
        self.nested_depth = nested_depth
        self.queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue(capacity)
        self.overrun = False
        self.closed = False  # the gateway is stopping: the stream ends, its client reconnects

    def wants(self, message: dict[str, Any]) -> bool:
        if message.get("tenant") != self.tenant:
            return False
        if message.get("stack_id") == self.stack_id:
            return True
        ancestors = message.get("ancestors")
        if self.nested_depth <= 0 or not isinstance(ancestors, list) or self.stack_id not in ancestors:
            return False
        return len(ancestors) - ancestors.index(self.stack_id) <= self.nested_depth

    def offer(self, event: dict[str, Any]) -> None:
        if self.overrun:
            return
        try:
            self.queue.put_nowait(event)
        except asyncio.QueueFull:
            self.overrun = True
            self._wake()

    def close(self) -> None:
        self.closed = True
        self._wake()

    def _wake(self) -> None:
        """Make the stream look now (rather than at its next keepalive), whatever the queue holds."""
        if self.queue.full():
            self.queue.get_nowait()
        self.queue.put_nowait({})


class EventHub:
    def __init__(self, transport: Transport, settings: Settings) -> None:
        self.exchange = settings.events_exchange()
        self.capacity = settings.events.client_buffer
        self._subscriber = FanoutSubscriber(transport, self.exchange, self._on_message)
        self._watches: dict[str, set[Watch]] = {}
        self._started = False
        self._lock = asyncio.Lock()

    async def start(self) -> None:
        """Subscribe (once; later calls return at once)."""
        if self._started:
            return
        async with self._lock:
            if not self._started:
                await self._subscriber.start()
                self._started = True

    async def stop(self) -> None:
        if self._started:
            self._started = False
            await self._subscriber.stop()

    def watch(self, stack_id: str, tenant: str, nested_depth: int) -> Watch:
        watch = Watch(stack_id, tenant, nested_depth, self.capacity)
        self._watches.setdefault(stack_id, set()).add(watch)
        return watch

    def close_all(self) -> None:
        for watches in self._watches.values():
            for watch in watches:
                watch.close()

    def unwatch(self, watch: Watch) -> None:
        watches = self._watches.get(watch.stack_id)
        if watches is not None:
            watches.discard(watch)
            if not watches:
                del self._watches[watch.stack_id]

    def _on_message(self, message: dict[str, Any]) -> None:
        # One event ("event"), or the events of one stack stored in one batch ("events").
        event = message.get("event")
        batch = message.get("events")
        events = [event] if isinstance(event, dict) else batch if isinstance(batch, list) else None
        stack_id = message.get("stack_id")
        if (
            message.get("v") != 1
            or events is None
            or not all(isinstance(e, dict) for e in events)
            or not isinstance(stack_id, str)
        ):
            LOG.debug("live events: a message of an unknown shape; ignored")
            return
        ancestors = message.get("ancestors")
        candidates = (
            [stack_id, *(a for a in ancestors if isinstance(a, str))]
            if isinstance(ancestors, list)
            else [stack_id]
        )
        for candidate in candidates:
            for watch in list(self._watches.get(candidate, ())):
                if watch.wants(message):
                    for item in events:
                        watch.offer(item)
