"""Heat's stack lock: a store row naming the engine that holds a stack.

The lock rules live in one place, ``StackLock.take``: a free lock is taken;
a lock held by this engine that nothing here holds on purpose (not taken
since, nor running) is stale (left by a failed release, or by this engine
before a restart) and is taken over; a
lock held by an engine that does not answer a liveness call is stolen (a
compare-and-swap in the store, so two engines never both win); a lock held
by a live engine is refused. Only the holder releases it.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from shared import metrics
from shared.clients.store import StoreClient
from shared.context import RequestContext
from shared.exceptions import ActionInProgress, EmberError

LOG = logging.getLogger(__name__)

Liveness = Callable[[str], Awaitable[bool]]


class StackLock:
    def __init__(self, store: StoreClient, engine_id: str, is_alive: Liveness) -> None:
        self.store = store
        self.engine_id = engine_id
        self.is_alive = is_alive
        #: Whether this engine runs an action on a stack (set by the ActionRunner).
        self.is_running: Callable[[str], bool] = lambda _stack_id: False
        #: Stacks whose lock this process took and has not released: an action being prepared
        #: (recording its IN_PROGRESS, loading) holds one before it runs, and is no stale lock.
        self.held: set[str] = set()

    async def take(self, ctxt: RequestContext, stack_id: str, is_alive: Liveness | None = None) -> str | None:
        """Take the lock; None when taken, else the live engine holding it."""
        is_alive = is_alive or self.is_alive
        for _ in range(3):
            holder = await self.store.stack_lock_create(ctxt, stack_id, self.engine_id)
            if holder is None:
                self.held.add(stack_id)
                return None
            if holder == self.engine_id:
                if stack_id in self.held or self.is_running(stack_id):
                    return holder
                LOG.info("taking over this engine's stale lock on stack %s", stack_id)
                self.held.add(stack_id)
                return None
            if await is_alive(holder):
                return holder
            LOG.info("engine %s holding stack %s does not answer: stealing its lock", holder, stack_id)
            if await self.store.stack_lock_steal(ctxt, stack_id, holder, self.engine_id) is None:
                self.held.add(stack_id)
                metrics.LOCK_STEALS.inc()
                return None
            # The lock changed hands meanwhile: look again.
        return await self.store.stack_lock_get_engine_id(ctxt, stack_id) or "unknown"

    async def acquire(self, ctxt: RequestContext, stack_id: str, stack_name: str, action: str) -> None:
        """Take the lock or raise ActionInProgress."""
        if await self.take(ctxt, stack_id) is not None:
            raise ActionInProgress(stack_name=stack_name, action=action)

    async def holder(self, ctxt: RequestContext, stack_id: str) -> str | None:
        return await self.store.stack_lock_get_engine_id(ctxt, stack_id)

    async def release(self, ctxt: RequestContext, stack_id: str) -> None:
        # Not held on purpose any more, even if the store does not hear of it: a lock left
        # behind by a failed release is stale from now on, and taken over when next needed.
        self.held.discard(stack_id)
        try:
            await self.store.stack_lock_release(ctxt, stack_id, self.engine_id)
        except EmberError as exc:
            LOG.error("could not release the lock of stack %s: %s", stack_id, exc)
