"""One action's walk over a stack's resources, with failure, timeout, cancel and drain handled once.

Every stack action — create, delete, rollback, update — is a ``step`` per
node of a dependency graph run by ``runtime.scheduler.run_graph``.
``ActionWalk.run`` wraps that walk the same way for all of them:

- a resource failure stops new starts, cancels what still runs (nested
  stacks included) and stores every queued transition before it returns
  the reason Heat words (``Resource CREATE failed: ...``);
- the stack's timeout does the same with ``Create timed out``;
- a cancel (a delete overriding a create, an engine stopping) records the
  action FAILED with the cancel's reason and re-raises;
- a halt (a newer update supersedes this one) lets what runs finish,
  stores its states and re-raises ``Halted``: the caller writes nothing;
- success drains the write-behind transitions, so nothing is reported
  COMPLETE before its rows are stored.

It returns the failure reason, or None; the caller decides the stack's next
state (COMPLETE, FAILED, rollback).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from services.engine.model.stack import Stack
from services.engine.persistence.repository import StackRepository
from services.engine.runtime.runner import ActionRunner
from services.engine.runtime.scheduler import Graph, Halted, run_graph
from services.engine.states import Status, resource_failed, timed_out
from shared.exceptions import EmberError, ResourceFailure

LOG = logging.getLogger(__name__)

Step = Callable[[str], Awaitable[None]]


class ActionWalk:
    def __init__(self, repo: StackRepository, runner: ActionRunner, concurrency: int) -> None:
        self.repo = repo
        self.runner = runner
        self.concurrency = concurrency

    async def run(
        self,
        stack: Stack,
        action: str,
        step: Step,
        *,
        graph: Graph | None = None,
        reverse: bool = False,
        skip: Callable[[str], bool] | None = None,
        timeout: float | None = None,
    ) -> str | None:
        """Run ``step`` over ``graph`` (default: the stack's dependencies); the failure reason, or None."""
        stack.transitions.reopen()  # a walk after one the store failed (a rollback) gets its own chance
        await self.repo.ensure_resource_rows(stack)
        try:
            async with asyncio.timeout(timeout):
                await run_graph(
                    graph or stack.definition.dependencies,
                    step,
                    reverse=reverse,
                    limit=self.concurrency,
                    skip=skip,
                    halt=stack.cancel_note.halt,
                )
        except Halted:
            await self._drain_quietly(stack)
            raise
        except TimeoutError:
            await self._stop_after_failure(stack, timed_out(action))
            return timed_out(action)
        except ResourceFailure as exc:
            await self._stop_after_failure(stack, f"Stack {action} failed: another resource failed")
            return resource_failed(action, str(exc))
        except asyncio.CancelledError:
            reason = stack.cancel_reason or f"Stack {action} cancelled"
            await self.cancel_children(stack, reason)
            await self._drain_quietly(stack)
            await self._record_cancel(stack, action, reason)
            raise
        except EmberError as exc:
            await self._stop_after_failure(stack, f"Stack {action} failed: {type(exc).__name__}")
            return resource_failed(action, f"{type(exc).__name__}: {exc}")
        try:
            await stack.transitions.drain()
        except EmberError as exc:
            return f"Stack {action} failed: could not store resource states: {exc}"
        return None

    async def cancel_children(self, stack: Stack, reason: str) -> None:
        for child_id in list(stack.children):
            await self.runner.cancel(child_id, reason)

    async def _stop_after_failure(self, stack: Stack, reason: str) -> None:
        """Nested stacks still running stop too; every queued state is stored."""
        await self.cancel_children(stack, reason)
        await self._drain_quietly(stack)

    async def _drain_quietly(self, stack: Stack) -> None:
        try:
            await stack.transitions.drain()
        except EmberError as exc:
            LOG.error("stack %s: resource states not stored: %s", stack.id, exc)

    async def _record_cancel(self, stack: Stack, action: str, reason: str) -> None:
        try:
            await self.repo.state_set(stack, action, Status.FAILED, reason)
        except EmberError as exc:
            LOG.error("could not record the cancel of stack %s: %s", stack.id, exc)
