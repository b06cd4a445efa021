"""Background stack actions under the stack lock.

The lock rules live in one place, ``StackLock.take``: a free lock is taken;
a lock held by this engine with no action running here is stale (left by a
failed release, or by this engine before a restart) and is taken over; a
lock held by an engine that does not answer a liveness call is stolen; a
lock held by a live engine is refused. ``start_with_lock`` then runs the
action as a task of this engine and releases the lock however it ends.
``cancel`` stops an action (a delete overriding a create); ``stop`` drains
actions on shutdown and fails what still runs after the grace period.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from shared.clients.store import StoreClient
from shared.context import RequestContext, request_id_var
from shared.exceptions import ActionInProgress, EmberError, EngineShuttingDown

if TYPE_CHECKING:
    from services.engine.stack import Stack

LOG = logging.getLogger(__name__)

Liveness = Callable[[str], Awaitable[bool]]


class StackLock:
    """Heat's stack lock: a store row naming the engine that holds it."""

    def __init__(self, store: StoreClient, engine_id: str, is_alive: Liveness) -> None:
        self.store = store
        self.engine_id = engine_id
        self.is_alive = is_alive
        self.is_running: Callable[[str], bool] = lambda _stack_id: False

    async def take(self, ctxt: RequestContext, stack_id: str, is_alive: Liveness | None = None) -> str | None:
        """Take the lock; None when taken, else the live engine holding it."""
        is_alive = is_alive or self.is_alive
        for _ in range(3):
            holder = await self.store.stack_lock_create(ctxt, stack_id, self.engine_id)
            if holder is None:
                return None
            if holder == self.engine_id:
                if self.is_running(stack_id):
                    return holder
                LOG.info("taking over this engine's stale lock on stack %s", stack_id)
                return None
            if await is_alive(holder):
                return holder
            LOG.info("engine %s holding stack %s does not answer: stealing its lock", holder, stack_id)
            if await self.store.stack_lock_steal(ctxt, stack_id, holder, self.engine_id) is None:
                return None
            # The lock changed hands meanwhile: look again.
        return await self.store.stack_lock_get_engine_id(ctxt, stack_id) or "unknown"

    async def acquire(self, ctxt: RequestContext, stack_id: str, stack_name: str, action: str) -> None:
        """Take the lock or raise ActionInProgress."""
        if await self.take(ctxt, stack_id) is not None:
            raise ActionInProgress(stack_name=stack_name, action=action)

    async def release(self, ctxt: RequestContext, stack_id: str) -> None:
        try:
            await self.store.stack_lock_release(ctxt, stack_id, self.engine_id)
        except EmberError as exc:
            LOG.error("could not release the lock of stack %s: %s", stack_id, exc)


class ActionRunner:
    def __init__(self, lock: StackLock) -> None:
        self.lock = lock
        lock.is_running = self.is_running
        self._running: dict[str, tuple[asyncio.Task[None], Stack]] = {}
        self._stopping = False

    def is_running(self, stack_id: str) -> bool:
        return stack_id in self._running

    async def start_with_lock(
        self,
        stack: Stack,
        action: str,
        run: Callable[[], Awaitable[None]],
        prepare: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        """Lock, await ``prepare`` (e.g. record DELETE_IN_PROGRESS), then start ``run`` in the background."""
        if self._stopping:
            raise EngineShuttingDown()
        await self.lock.acquire(stack.ctxt, stack.id, stack.name, action)
        await self.start_locked(stack, action, run, prepare)

    async def start_locked(
        self,
        stack: Stack,
        action: str,
        run: Callable[[], Awaitable[None]],
        prepare: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        """Like ``start_with_lock`` for a stack whose lock this engine already holds."""
        if self._stopping:
            await self.lock.release(stack.ctxt, stack.id)
            raise EngineShuttingDown()
        if prepare is not None:
            try:
                await prepare()
            except BaseException:
                await self.lock.release(stack.ctxt, stack.id)
                raise
        task = asyncio.create_task(self._run(stack, run), name=f"stack:{stack.id}:{action}")
        self._running[stack.id] = (task, stack)
        # A task cancelled before its first step never enters _run: clean up here too.
        task.add_done_callback(lambda t: self._forget_if_never_ran(t, stack))

    def _forget_if_never_ran(self, task: asyncio.Task[None], stack: Stack) -> None:
        entry = self._running.get(stack.id)
        if entry is not None and entry[0] is task:
            self._running.pop(stack.id, None)
            asyncio.get_running_loop().create_task(self.lock.release(stack.ctxt, stack.id))

    async def _run(self, stack: Stack, run: Callable[[], Awaitable[None]]) -> None:
        token = request_id_var.set(stack.ctxt.request_id)
        try:
            await run()
        except asyncio.CancelledError:
            LOG.info("stack %s action cancelled: %s", stack.id, stack.cancel_reason)
        except Exception as exc:
            LOG.exception("stack %s action failed unexpectedly", stack.id)
            await self._fail(
                stack, f"Stack {stack.action} failed: internal error: {type(exc).__name__}: {exc}"
            )
        finally:
            # Release before forgetting: a delete arriving in between must not see
            # "not running here" while this engine still holds the lock.
            await asyncio.shield(self.lock.release(stack.ctxt, stack.id))
            self._running.pop(stack.id, None)
            request_id_var.reset(token)

    @staticmethod
    async def _fail(stack: Stack, reason: str) -> None:
        """Never leave a stack IN_PROGRESS because its action broke (e.g. the store timed out)."""
        try:
            await stack.state_set(stack.action, "FAILED", reason)
        except Exception as exc:
            LOG.error("could not mark stack %s FAILED: %s", stack.id, exc)

    async def cancel(self, stack_id: str, reason: str, timeout: float = 20.0) -> bool:
        """Cancel the running action of a stack on this engine; True if there was one."""
        entry = self._running.get(stack_id)
        if entry is None:
            return False
        task, stack = entry
        stack.cancel_reason = reason
        task.cancel()
        await asyncio.wait({task}, timeout=timeout)
        return True

    async def stop(self, grace: float) -> None:
        """Refuse new actions, let running ones finish for ``grace`` seconds, then fail them."""
        self._stopping = True
        deadline = time.monotonic() + grace
        # Loop: an action may start a nested stack's action while we wait.
        while self._running and time.monotonic() < deadline:
            tasks = {task for task, _stack in self._running.values()}
            LOG.info("waiting for %d running stack action(s)", len(tasks))
            await asyncio.wait(tasks, timeout=max(deadline - time.monotonic(), 0))
        for task, stack in list(self._running.values()):
            stack.cancel_reason = f"Engine stopped during stack {stack.action}"
            task.cancel()
        remaining = {task for task, _stack in self._running.values()}
        if remaining:
            await asyncio.wait(remaining, timeout=30)
