"""Background stack actions under the stack lock.

``start_with_lock`` takes the lock through the store before anything runs:
if another engine holds it and answers a liveness call, the caller gets
ActionInProgress; if the holder does not answer, the lock is stolen (its
engine is dead). The action then runs as a task of this engine and the
lock is released when it ends, however it ends. ``cancel`` stops an
action (a delete that overrides a create); ``stop`` drains actions on
shutdown and fails what is still running after the grace period.
"""

from __future__ import annotations

import asyncio
import logging
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

    async def acquire(self, ctxt: RequestContext, stack_id: str, stack_name: str, action: str) -> None:
        """Take the lock or raise ActionInProgress (stealing it from a dead engine)."""
        for _ in range(3):
            holder = await self.store.stack_lock_create(ctxt, stack_id, self.engine_id)
            if holder is None:
                return
            if holder == self.engine_id or await self.is_alive(holder):
                raise ActionInProgress(stack_name=stack_name, action=action)
            LOG.info("engine %s holding stack %s does not answer: stealing its lock", holder, stack_id)
            result = await self.store.stack_lock_steal(ctxt, stack_id, holder, self.engine_id)
            if result is None:
                return
            # Someone else changed the lock meanwhile: look again.
        raise ActionInProgress(stack_name=stack_name, action=action)

    async def release(self, ctxt: RequestContext, stack_id: str) -> None:
        try:
            await self.store.stack_lock_release(ctxt, stack_id, self.engine_id)
        except EmberError as exc:
            LOG.error("could not release the lock of stack %s: %s", stack_id, exc)


class ActionRunner:
    def __init__(self, lock: StackLock) -> None:
        self.lock = lock
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
        if prepare is not None:
            try:
                await prepare()
            except BaseException:
                await self.lock.release(stack.ctxt, stack.id)
                raise
        task = asyncio.create_task(self._run(stack, run), name=f"stack:{stack.id}:{action}")
        self._running[stack.id] = (task, stack)

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
            self._running.pop(stack.id, None)
            await asyncio.shield(self.lock.release(stack.ctxt, stack.id))
            request_id_var.reset(token)

    @staticmethod
    async def _fail(stack: Stack, reason: str) -> None:
        """Never leave a stack IN_PROGRESS because its action broke (e.g. the store timed out)."""
        try:
            await stack.state_set(stack.action, "FAILED", reason)
        except Exception as exc:
            LOG.error("could not mark stack %s FAILED: %s", stack.id, exc)

    async def cancel(self, stack_id: str, reason: str, timeout: float = 30.0) -> bool:
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
        if not self._running:
            return
        tasks = {task for task, _stack in self._running.values()}
        LOG.info("waiting up to %.0fs for %d running stack action(s)", grace, len(tasks))
        _done, pending = await asyncio.wait(tasks, timeout=grace)
        for task in pending:
            for stack_task, stack in list(self._running.values()):
                if stack_task is task:
                    stack.cancel_reason = f"Engine stopped during stack {stack.action}"
            task.cancel()
        if pending:
            await asyncio.wait(pending, timeout=30)
