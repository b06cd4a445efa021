"""The engine's Prometheus numbers that come from stored transitions (a StateObserver).

Action durations run from a stack's IN_PROGRESS to its COMPLETE or FAILED
as this engine saw them (an action taken over from a dead engine counts
from the takeover). The stacks-by-state gauge is the store's count, asked
for every ``interval`` seconds while metrics are on.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence

from services.engine.model.stack import Stack
from services.engine.states import Status
from shared import metrics
from shared.clients.store import StoreClient
from shared.context import RequestContext
from shared.exceptions import EmberError
from shared.schemas.store import EventRecord, ResourceTransition

LOG = logging.getLogger(__name__)

_FINISHED = frozenset({Status.COMPLETE.value, Status.FAILED.value})
_MAX_RUNNING = 100000


class EngineStats:
    def __init__(self) -> None:
        self._started: dict[tuple[str, str], float] = {}

    def stack_changed(self, stack: Stack, event: EventRecord) -> None:
        action, status = event.resource_action or "", event.resource_status or ""
        key = (stack.id, action)
        if status == Status.IN_PROGRESS:
            if len(self._started) < _MAX_RUNNING:
                self._started[key] = time.monotonic()
        elif status in _FINISHED:
            began = self._started.pop(key, None)
            if began is not None:
                metrics.STACK_ACTION_SECONDS.labels(action, status).observe(time.monotonic() - began)

    def resources_changed(self, stack: Stack, transitions: Sequence[ResourceTransition]) -> None:
        for item in transitions:
            row = item.resource
            if row.status in _FINISHED:
                metrics.RESOURCES_ACTED.labels(row.action, row.status).inc()


class StackCounts:
    """Keeps ``ember_engine_stacks{action,status}`` at the store's counts."""

    def __init__(self, store: StoreClient, interval: float) -> None:
        self._store = store
        self._interval = interval
        self._task: asyncio.Task[None] | None = None
        self._seen: set[tuple[str, str]] = set()

    async def refresh(self) -> None:
        counts = await self._store.stack_state_counts(RequestContext.admin())
        now = {(c["action"], c["status"]): int(c["count"]) for c in counts}
        for key in self._seen - now.keys():
            metrics.STACKS.labels(*key).set(0)
        for key, count in now.items():
            metrics.STACKS.labels(*key).set(count)
        self._seen |= now.keys()

    async def _loop(self) -> None:
        while True:
            try:
                await self.refresh()
            except EmberError as exc:
                LOG.debug("could not count stacks by state: %s", exc)
            await asyncio.sleep(self._interval)

    def start(self) -> None:
        self._task = asyncio.create_task(self._loop(), name="stack-counts")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
