"""Retrying the engine's idempotent store writes through a store or broker outage.

A state change whose answer did not come (the store restarting, its database
away, a broker blip) may or may not have been made. Each one the engine writes
names its event's uuid, and the store answers a write whose event it already
holds from what it holds, so sending it again is safe: the engine retries for
up to ``engine.store_retry_timeout`` seconds before it gives the action up.
Errors that say the request itself was wrong are never retried.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

from shared.exceptions import DatabaseError, MessagingTimeout, NoRoute, ServiceUnavailable

LOG = logging.getLogger(__name__)

T = TypeVar("T")

#: What an outage looks like from the engine: no answer, nobody consuming, the database away.
TRANSIENT: tuple[type[Exception], ...] = (MessagingTimeout, NoRoute, ServiceUnavailable, DatabaseError)
FIRST_DELAY = 0.2
MAX_DELAY = 5.0


async def retrying(what: str, call: Callable[[], Awaitable[T]], window: float) -> T:
    """``call()``, again after each transient failure (backing off) until ``window`` seconds have
    passed; then the last failure is raised."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + window
    delay, attempt = FIRST_DELAY, 1
    while True:
        try:
            result = await call()
        except TRANSIENT as exc:
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise
            LOG.warning(
                "%s not confirmed (%s: %s); trying again (attempt %d)",
                what,
                type(exc).__name__,
                exc,
                attempt + 1,
            )
            await asyncio.sleep(min(delay, remaining))
            delay, attempt = min(delay * 2, MAX_DELAY), attempt + 1
        else:
            if attempt > 1:
                LOG.info("%s confirmed after %d attempts", what, attempt)
            return result
