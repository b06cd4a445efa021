"""Whether any server consumes a topic, as the broker counts it, cached briefly.

A call to a topic queue that exists but has no consumer (every engine
stopped: the queue outlives them) is a route, so the broker accepts it and
the caller would wait out its whole timeout. A passive queue declare tells
the broker's consumer count instead; callers that would rather fail fast
(the gateway) ask before calling and again while a call waits long.
The answer is cached for ``ttl`` seconds and concurrent askers share one
probe, so a busy gateway asks the broker a few times a second at most.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass

from shared.exceptions import MessagingError, NoRoute, ServiceUnavailable
from shared.rpc.transport import CONNECTION_ERRORS, Transport

LOG = logging.getLogger(__name__)

_PROBE_ERRORS: tuple[type[BaseException], ...] = (*CONNECTION_ERRORS, TimeoutError, MessagingError)

DEFAULT_TTL = 2.0
#: Seconds nothing may consume before that counts as an outage: servers reconnecting after a
#: broker blip are away for about a second.
DEFAULT_GRACE = 2.0
GRACE_POLL = 0.25


class Presence:
    """Consumer counts of queues on one transport, cached for ``ttl`` seconds."""

    def __init__(self, transport: Transport, ttl: float = DEFAULT_TTL) -> None:
        self.transport = transport
        self.ttl = ttl
        self._cache: dict[str, tuple[float, int | None]] = {}
        self._probes: dict[str, asyncio.Task[int | None]] = {}

    async def consumers(self, queue: str) -> int | None:
        """Consumers on ``queue`` (None: no such queue); raises CONNECTION_ERRORS / TimeoutError."""
        cached = self._cache.get(queue)
        now = time.monotonic()
        if cached is not None and cached[0] > now:
            return cached[1]
        probe = self._probes.get(queue)
        if probe is None:
            probe = asyncio.get_running_loop().create_task(self.transport.consumer_count(queue))
            self._probes[queue] = probe
            probe.add_done_callback(lambda _t: self._probes.pop(queue, None))
        count = await asyncio.shield(probe)
        self._cache[queue] = (time.monotonic() + self.ttl, count)
        return count

    def forget(self, queue: str) -> None:
        self._cache.pop(queue, None)

    async def require(self, queue: str, service: str, grace: float = 0.0) -> None:
        """Raise NoRoute when ``queue`` does not exist, ServiceUnavailable when nothing consumes it
        for ``grace`` seconds on end (servers reconnecting after a broker blip are back within
        about a second: not a reason to fail a request).

        When the broker cannot be asked (the connection is down, or the
        broker user may not look at the queue) nothing is raised: the call
        itself then rides out the reconnect or times out.
        """
        give_up = time.monotonic() + grace
        while True:
            try:
                count = await self.consumers(queue)
            except _PROBE_ERRORS as exc:
                LOG.debug("cannot count the consumers of %s: %s", queue, exc)
                return
            if count is None:
                raise NoRoute(topic=queue, routing_key=queue)
            if count > 0:
                return
            remaining = give_up - time.monotonic()
            if remaining <= 0:
                raise ServiceUnavailable(service=service, topic=queue)
            await asyncio.sleep(min(GRACE_POLL, remaining))
            self.forget(queue)


@dataclass(frozen=True, slots=True)
class FailFast:
    """What an RPCClient checks so that its calls fail at once when no server listens.

    Before a call, and every ``check_every`` seconds while it waits, the
    client asks ``presence`` whether anything consumes the call's queue, and
    fails with ServiceUnavailable (naming ``service``) when nothing has for
    ``grace`` seconds. A call whose server died therefore fails within about
    ``check_every`` + ``grace`` seconds instead of at its timeout (its request may still run if a
    server comes back before the request expires).
    """

    presence: Presence
    service: str
    check_every: float = 3.0
    #: How long nothing may consume before a call fails (a blip's reconnect is shorter).
    grace: float = DEFAULT_GRACE
