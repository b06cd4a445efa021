"""Background stack actions under the stack lock, one per stack on this engine.

``start_with_lock`` takes the lock (``locks.StackLock``) and runs a ``Job``
as a task of this engine; ``start_locked`` does the same for a stack whose
lock was taken with its row (a new stack). The lock is released however
the task ends. ``cancel`` stops a running job (a delete overriding a create,
a cancel_update); ``stop`` drains jobs on shutdown and cancels what still
runs after the grace period. The runner knows stack ids and the callbacks a
job gives it, never a Stack: what a failure or a cancel means for a stack's
state is the job's own business.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from services.engine.runtime.locks import StackLock
from shared.context import RequestContext, request_id_var
from shared.exceptions import EngineShuttingDown

LOG = logging.getLogger(__name__)


@dataclass
class Job:
    """One background action on one stack, and how to tell it what happened."""

    ctxt: RequestContext
    stack_id: str
    stack_name: str
    action: str
    run: Callable[[], Awaitable[None]]
    #: Records an unexpected exception (the stack must never stay IN_PROGRESS).
    on_crash: Callable[[Exception], Awaitable[None]]
    #: Tells the job why it is about to be cancelled (its resources' FAILED reason).
    on_cancel: Callable[[str], None]
    #: The stack's current action, for "Engine stopped during stack ROLLBACK".
    current_action: Callable[[], str]
    #: Asks the job to start nothing new and end once what runs has finished (None: it cannot).
    on_halt: Callable[[], None] | None = None


class ActionRunner:
    def __init__(self, lock: StackLock) -> None:
        self.lock = lock
        lock.is_running = self.is_running
        self._running: dict[str, tuple[asyncio.Task[None], Job]] = {}
        self._stopping = False

    def is_running(self, stack_id: str) -> bool:
        return stack_id in self._running

    async def start_with_lock(self, job: Job, prepare: Callable[[], Awaitable[None]] | None = None) -> None:
        """Lock, await ``prepare`` (e.g. record DELETE_IN_PROGRESS), then run the job in the background.

        Raises ActionInProgress when a live engine holds the lock.
        """
        if self._stopping:
            raise EngineShuttingDown()
        await self.lock.acquire(job.ctxt, job.stack_id, job.stack_name, job.action)
        await self.start_locked(job, prepare)

    async def start_locked(self, job: Job, prepare: Callable[[], Awaitable[None]] | None = None) -> None:
        """Like ``start_with_lock`` for a stack whose lock this engine already holds."""
        if self._stopping:
            await self.lock.release(job.ctxt, job.stack_id)
            raise EngineShuttingDown()
        if prepare is not None:
            try:
                await prepare()
            except BaseException:
                await self.lock.release(job.ctxt, job.stack_id)
                raise
        task = asyncio.create_task(self._run(job), name=f"stack:{job.stack_id}:{job.action}")
        self._running[job.stack_id] = (task, job)
        # A task cancelled before its first step never enters _run: clean up here too.
        task.add_done_callback(lambda t: self._forget_if_never_ran(t, job))

    def _forget_if_never_ran(self, task: asyncio.Task[None], job: Job) -> None:
        entry = self._running.get(job.stack_id)
        if entry is not None and entry[0] is task:
            self._running.pop(job.stack_id, None)
            asyncio.get_running_loop().create_task(self.lock.release(job.ctxt, job.stack_id))

    async def _run(self, job: Job) -> None:
        token = request_id_var.set(job.ctxt.request_id)
        try:
            await job.run()
        except asyncio.CancelledError:
            LOG.info("stack %s action %s cancelled", job.stack_id, job.action)
        except Exception as exc:
            LOG.exception("stack %s action failed unexpectedly", job.stack_id)
            try:
                await job.on_crash(exc)
            except Exception as again:
                LOG.error("could not record the failure of stack %s: %s", job.stack_id, again)
        finally:
            # Release before forgetting: a delete arriving in between must not see
            # "not running here" while this engine still holds the lock.
            await asyncio.shield(self.lock.release(job.ctxt, job.stack_id))
            self._running.pop(job.stack_id, None)
            request_id_var.reset(token)

    async def cancel(self, stack_id: str, reason: str, timeout: float = 20.0) -> bool:
        """Cancel the running action of a stack on this engine; True if there was one."""
        entry = self._running.get(stack_id)
        if entry is None:
            return False
        task, job = entry
        job.on_cancel(reason)
        task.cancel()
        await asyncio.wait({task}, timeout=timeout)
        return True

    async def halt(self, stack_id: str, timeout: float = 60.0) -> bool:
        """Ask a stack's running job to stop launching and wait for it to end; True if there was one."""
        entry = self._running.get(stack_id)
        if entry is None:
            return False
        task, job = entry
        if job.on_halt is None:
            return False
        job.on_halt()
        await asyncio.wait({task}, timeout=timeout)
        return True

    async def stop(self, grace: float) -> None:
        """Refuse new actions, let running ones finish for ``grace`` seconds, then cancel them."""
        self._stopping = True
        deadline = time.monotonic() + grace
        # Loop: an action may start a nested stack's action while we wait.
        while self._running and time.monotonic() < deadline:
            tasks = {task for task, _job in self._running.values()}
            LOG.info("waiting for %d running stack action(s)", len(tasks))
            await asyncio.wait(tasks, timeout=max(deadline - time.monotonic(), 0))
        for task, job in list(self._running.values()):
            job.on_cancel(f"Engine stopped during stack {job.current_action()}")
            task.cancel()
        remaining = {task for task, _job in self._running.values()}
        if remaining:
            await asyncio.wait(remaining, timeout=30)
