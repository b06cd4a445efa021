"""Resource transitions of one stack, written to the store in batches.

When many resources change state at once (a flat stack starts a wave of
resources; their completions arrive together) each transition would cost a
store round trip and a transaction of its own. The writer gathers the
transitions requested while a write is in flight (and those of the next
few loop turns) and sends them in one ``resource_transition_many`` call:
one round trip, one transaction. Nothing waits on a timer. ``write``
returns once the transition is stored; ``submit`` queues it (write-behind)
so that a resource's COMPLETE and its dependents' IN_PROGRESS share a batch,
and ``drain`` waits for all of it and raises a failure nobody awaited.
Events keep the order in which transitions were queued. ``update`` writes
row values that are no state change (a physical id stored before waiting on
an external create); it is the only other resource-row write the engine
makes, so every such write goes through this one object. The caller awaits its
resource's earlier transition first (``write``), which keeps the order.

What is stored is always a prefix of what was queued: batches go one at a
time, in order; one that the store does not confirm is sent again (each event
names its uuid, so a repeat is harmless; see ``retry``) for up to
``retry_window`` seconds; and once one fails for good the writer is broken:
nothing queued after it is sent, so no state lands on top of one that did not.
A dependent never starts on a COMPLETE the store will not hold.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Callable, Sequence
from typing import Any

from services.engine.persistence.retry import TRANSIENT, retrying
from shared.clients.store import StoreClient
from shared.context import RequestContext
from shared.schemas.store import ResourceRecord, ResourceTransition

LOG = logging.getLogger(__name__)

MAX_BATCH = 500
_JOIN_TURNS = 4

_Pending = tuple[int, dict[str, Any], dict[str, Any], "asyncio.Future[ResourceTransition]"]


class TransitionWriter:
    def __init__(
        self,
        store: StoreClient,
        ctxt: RequestContext,
        max_batch: int = MAX_BATCH,
        retry_window: float = 0.0,
        channel: TransitionChannel | None = None,
    ) -> None:
        self._store = store
        #: Carries this writer's batches to the store, merged with those of the writers that share it.
        self.channel = channel or TransitionChannel(store, ctxt, max_batch)
        self._ctxt = ctxt
        self._max_batch = max_batch
        self._retry_window = retry_window
        #: The failure after which nothing more is written (see the module's docstring).
        self._broken: Exception | None = None
        self._pending: list[_Pending] = []
        self._flusher: asyncio.Task[None] | None = None
        self._idle = asyncio.Event()
        self._idle.set()
        self._failure: Exception | None = None
        self.round_trips = 0
        #: Called with each stored batch (the repository's observers); must not raise.
        self.on_stored: Callable[[Sequence[ResourceTransition]], None] | None = None

    def submit(
        self, resource_id: int, values: dict[str, Any], event: dict[str, Any]
    ) -> asyncio.Future[ResourceTransition]:
        """Queue a transition; the future resolves once it is stored (``drain`` surfaces failures)."""
        future: asyncio.Future[ResourceTransition] = asyncio.get_running_loop().create_future()
        if self._broken is not None:
            future.set_exception(self._broken)
            future.exception()  # retrieved here; the caller (or drain) reports it
            self._failure = self._failure or self._broken
            return future
        event.setdefault("uuid", str(uuid.uuid4()))  # names the write, so a retry is recognised
        self._pending.append((resource_id, values, event, future))
        if self._flusher is None:
            self._idle.clear()
            self._flusher = asyncio.create_task(self._flush(), name="transition-writer")
        return future

    async def write(
        self, resource_id: int, values: dict[str, Any], event: dict[str, Any]
    ) -> ResourceTransition:
        """Store a transition and return it (raises what the store raised)."""
        return await asyncio.shield(self.submit(resource_id, values, event))

    async def update(self, resource_id: int, values: dict[str, Any]) -> ResourceRecord:
        """Store row values with no event (the caller has awaited its own earlier transitions);
        setting values is idempotent, so an unconfirmed one is sent again like a transition."""

        async def send() -> ResourceRecord:
            self.round_trips += 1
            return await self._store.resource_update(self._ctxt, resource_id, values)

        return await retrying(f"resource {resource_id} row", send, self._retry_window)

    def reopen(self) -> None:
        """Write again after a failure: a new walk (whatever it writes follows what is stored)."""
        self._broken = None

    async def drain(self) -> None:
        """Wait for every queued transition; raise the first failure of one nobody awaited."""
        await self._idle.wait()
        failure, self._failure = self._failure, None
        if failure is not None:
            raise failure

    async def _flush(self) -> None:
        try:
            # A completion's dependents queue their own first transition a few
            # loop turns later; waiting those turns lets both share a batch.
            for _ in range(_JOIN_TURNS):
                await asyncio.sleep(0)
            while self._pending:
                batch, self._pending = self._pending[: self._max_batch], self._pending[self._max_batch :]
                await self._send(batch)
        finally:
            self._flusher = None
            self._idle.set()

    async def _send(self, batch: list[_Pending]) -> None:
        if self._broken is not None:
            self._fail(batch, self._broken)
            return

        async def send() -> list[ResourceTransition]:
            self.round_trips += 1
            return await self.channel.send(
                [{"resource_id": rid, "values": values, "event": event} for rid, values, event, _ in batch]
            )

        try:
            results = await retrying(f"{len(batch)} resource state(s)", send, self._retry_window)
        except Exception as exc:
            self._broken = exc
            self._failure = self._failure or exc
            self._fail(batch, exc)
            return
        for (*_, future), result in zip(batch, results, strict=True):
            if not future.done():
                future.set_result(result)
        if self.on_stored is not None:
            self.on_stored(results)

    @staticmethod
    def _fail(batch: list[_Pending], exc: Exception) -> None:
        for *_, future in batch:
            if not future.done():
                future.set_exception(exc)
                future.exception()  # retrieved here; drain() reports it


_Sent = tuple[list[dict[str, Any]], "asyncio.Future[list[ResourceTransition]]"]


class TransitionChannel:
    """One stack tree's batches, merged into one store call when they are ready together.

    Each stack has its own writer (its order, its failure, its drain), but the
    1,000 member stacks of a group each send a batch per wave of resources: a
    call apiece would be thousands of transactions. Writers of the stacks under one
    root (same request context) share a channel; what they send while a call is
    in flight goes in the next call, one round trip and transaction for all. When
    a merged call fails for something that is no outage, each writer's part is
    sent alone, so one stack's failure (a row gone) is never another's.
    """

    def __init__(self, store: StoreClient, ctxt: RequestContext, max_batch: int = MAX_BATCH) -> None:
        self._store = store
        self.ctxt = ctxt
        self._max_batch = max_batch
        self._pending: list[_Sent] = []
        self._flusher: asyncio.Task[None] | None = None
        self.round_trips = 0

    async def send(self, items: list[dict[str, Any]]) -> list[ResourceTransition]:
        """Store the transitions (``resource_transition_many`` items); their results, in order."""
        future: asyncio.Future[list[ResourceTransition]] = asyncio.get_running_loop().create_future()
        self._pending.append((items, future))
        if self._flusher is None:
            self._flusher = asyncio.create_task(self._flush(), name="transition-channel")
        return await future

    async def _flush(self) -> None:
        try:
            for _ in range(_JOIN_TURNS):
                await asyncio.sleep(0)
            while self._pending:
                group: list[_Sent] = []
                size = 0
                while self._pending and (not group or size + len(self._pending[0][0]) <= self._max_batch):
                    sent = self._pending.pop(0)
                    group.append(sent)
                    size += len(sent[0])
                await self._deliver(group)
        finally:
            self._flusher = None

    async def _deliver(self, group: list[_Sent]) -> None:
        try:
            results = await self._call([item for items, _ in group for item in items])
        except asyncio.CancelledError:
            for _, future in group:
                future.cancel()
            raise
        except Exception as exc:
            if len(group) == 1 or isinstance(exc, TRANSIENT):
                # An outage is every writer's: each retries (retry.py) rather than all, one by one, now.
                for _, future in group:
                    _settle(future, exc)
                return
            for items, future in group:  # each writer's part alone: its own result or failure
                try:
                    _settle(future, await self._call(items))
                except Exception as alone:
                    _settle(future, alone)
            return
        start = 0
        for items, future in group:
            _settle(future, results[start : start + len(items)])
            start += len(items)

    async def _call(self, items: list[dict[str, Any]]) -> list[ResourceTransition]:
        self.round_trips += 1
        if len(items) == 1:
            item = items[0]
            return [
                await self._store.resource_transition(
                    self.ctxt, item["resource_id"], item["values"], item["event"]
                )
            ]
        return await self._store.resource_transition_many(self.ctxt, items)


def _settle(future: asyncio.Future[list[ResourceTransition]], outcome: Any) -> None:
    if future.done():
        return
    if isinstance(outcome, BaseException):
        future.set_exception(outcome)
    else:
        future.set_result(outcome)
