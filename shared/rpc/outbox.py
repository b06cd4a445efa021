"""Fire-and-forget publishing that never makes its caller wait or fail.

Notifications and live events are by-products of work (a stack action):
publishing them must cost that work nothing. ``Outbox.put`` queues a message
without awaiting anything; one task per outbox publishes them in order.
While the broker connection is down (``ready`` says so) messages wait in
the outbox, up to ``capacity`` of them and ``ready``'s own deadline; a full
outbox drops the newest, and a publish that fails is tried once more after
``ready`` and then logged and dropped (the broker refused it). Consumers
that must not miss anything read the durable store (the event list), not
the bus.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

LOG = logging.getLogger(__name__)

DEFAULT_CAPACITY = 10000

Send = Callable[[bytes, str], Awaitable[None]]
Ready = Callable[[], Awaitable[bool]]


class Outbox:
    """A bounded queue of (body, routing key) drained by one publishing task."""

    def __init__(
        self, send: Send, name: str, capacity: int = DEFAULT_CAPACITY, ready: Ready | None = None
    ) -> None:
        """``ready``: waits (with a deadline of its own) until sending can work; False: give up."""
        self._send = send
        self._ready = ready
        self.name = name
        self._queue: asyncio.Queue[tuple[bytes, str]] = asyncio.Queue(capacity)
        self._task: asyncio.Task[None] | None = None
        self.dropped = 0
        self.sent = 0
        self.on_drop: Callable[[], None] | None = None

    def start(self) -> None:
        """Start the publishing task now (else the first ``put`` does): a service starts it with
        the rest of its long-lived tasks."""
        if self._task is None:
            self._task = asyncio.create_task(self._drain(), name=f"outbox-{self.name}")

    def put(self, body: bytes, routing_key: str) -> bool:
        """Queue a message; False (and dropped) when the outbox is full."""
        self.start()
        try:
            self._queue.put_nowait((body, routing_key))
        except asyncio.QueueFull:
            self._dropped(f"outbox {self.name} is full")
            return False
        return True

    def _dropped(self, why: str) -> None:
        self.dropped += 1
        if self.on_drop is not None:
            self.on_drop()
        # One line per hundred drops: a broker outage must not flood the log.
        if self.dropped % 100 == 1:
            LOG.warning("dropped a message (%s); %d dropped so far", why, self.dropped)

    async def _drain(self) -> None:
        while True:
            body, key = await self._queue.get()
            try:
                await self._deliver(body, key)
            finally:
                self._queue.task_done()

    async def _deliver(self, body: bytes, key: str) -> None:
        for attempt in (1, 2):
            if self._ready is not None and not await self._ready():
                self._dropped("the broker did not come back in time")
                return
            try:
                await self._send(body, key)
                self.sent += 1
                return
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # refused, or the connection went: never the caller's problem
                if attempt == 2 or self._ready is None:
                    self._dropped(f"{type(exc).__name__}: {exc}")
                    return

    async def flush(self, timeout: float = 5.0) -> None:
        """Wait (up to ``timeout``) until what was queued has been handed to the broker."""
        try:
            await asyncio.wait_for(self._queue.join(), timeout)
        except TimeoutError:
            LOG.warning("outbox %s: %d messages not sent in %.0fs", self.name, self._queue.qsize(), timeout)

    async def close(self, timeout: float = 5.0) -> None:
        """Flush, then stop the publishing task."""
        if self._task is None:
            return
        await self.flush(timeout)
        self._task.cancel()
        await asyncio.gather(self._task, return_exceptions=True)
        self._task = None
