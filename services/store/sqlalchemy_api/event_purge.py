"""Heat's ``max_events_per_stack``: a stack's oldest events are purged as new ones are stored.

The contract:

- a stack keeps at least its newest ``store.max_events_per_stack`` events
  (newest as the event list orders them: ``created_at``, then ``id``); only
  older ones are ever deleted, so nothing newer than a kept event is lost;
- the purge runs in the transaction that stores the events, after they are
  inserted, once ``store.event_purge_batch_size`` events of that stack were
  stored by this store process since its last purge: one SELECT of the
  boundary and one DELETE, every ``event_purge_batch_size`` events, instead of
  a count on every insert (Heat counts on a random 2/batch of its inserts).
  Between purges a stack holds up to ``max + batch - 1`` events (a little more
  with several store replicas, each counting its own inserts);
- ``max_events_per_stack: 0`` keeps everything.

Heat deletes ``event_purge_batch_size`` events once the count reaches the
maximum (keeping roughly ``max - batch`` to ``max``); Ember keeps the newest
``max``, so a stack that was ever purged holds at least ``max`` events. The
event list relies on that: a marker (an event id, e.g. a stream's
``Last-Event-ID``) that is not found in a stack holding ``max`` events or
more is taken for a purged one — older than everything kept — instead of
being refused (see ``ResourceQueries.event_get_all_by_stack``).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, Table, and_, delete, func, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from services.store.models import Event

LOG = logging.getLogger(__name__)

E: Table = Event.__table__  # type: ignore[assignment]

# Stacks whose inserts are counted at once; past it the counts start again (a purge comes later).
_TRACKED = 10000


class EventPurger:
    """Counts the events this process stores per stack and purges a stack's oldest in batches."""

    def __init__(self, max_events: int = 1000, batch_size: int = 200) -> None:
        self.max_events = max_events
        self.batch_size = max(1, batch_size)
        self._since_check: dict[str, int] = {}

    @property
    def enabled(self) -> bool:
        return self.max_events > 0

    def due(self, stack_ids: Iterable[str]) -> list[str]:
        """Count one stored event per item; the stacks now due a purge (their counts start again)."""
        if not self.enabled:
            return []
        counts = self._since_check
        if len(counts) > _TRACKED:
            counts.clear()
        due: list[str] = []
        for stack_id in stack_ids:
            seen = counts.get(stack_id, 0) + 1
            if seen >= self.batch_size:
                due.append(stack_id)
                seen = 0
            counts[stack_id] = seen
        return list(dict.fromkeys(due))

    async def stored(self, conn: AsyncConnection, stack_ids: Iterable[str]) -> int:
        """After events of ``stack_ids`` (one item per event) were inserted on ``conn``: purge
        the stacks that are due, in the same transaction; the events deleted."""
        return sum([await self.purge(conn, stack_id) for stack_id in self.due(stack_ids)])

    async def purge(self, conn: AsyncConnection, stack_id: str) -> int:
        """Delete the events of ``stack_id`` older than its newest ``max_events``; how many."""
        if not self.enabled:
            return 0
        boundary = (await conn.execute(self._boundary(stack_id))).one_or_none()
        if boundary is None:
            return 0
        return self._purged(stack_id, (await conn.execute(self._older(stack_id, *boundary))).rowcount)

    def stored_sync(self, conn: Connection, stack_ids: Iterable[str]) -> int:
        """``stored`` for a synchronous transaction (the single-transition hot path)."""
        deleted = 0
        for stack_id in self.due(stack_ids):
            boundary = conn.execute(self._boundary(stack_id)).one_or_none()
            if boundary is not None:
                deleted += self._purged(stack_id, conn.execute(self._older(stack_id, *boundary)).rowcount)
        return deleted

    def _boundary(self, stack_id: str) -> Any:
        """The newest event of the stack that is not kept (the first one past ``max_events``)."""
        return (
            select(E.c.created_at, E.c.id)
            .where(E.c.stack_id == stack_id)
            .order_by(E.c.created_at.desc(), E.c.id.desc())
            .offset(self.max_events)
            .limit(1)
        )

    @staticmethod
    def _older(stack_id: str, created_at: Any, event_id: int) -> Any:
        older = or_(E.c.created_at < created_at, and_(E.c.created_at == created_at, E.c.id <= event_id))
        return delete(E).where(E.c.stack_id == stack_id, older)

    def _purged(self, stack_id: str, rowcount: int | None) -> int:
        deleted = int(rowcount or 0)
        LOG.debug(
            "purged %d events of stack %s (max_events_per_stack %d)", deleted, stack_id, self.max_events
        )
        return deleted

    async def holds_purged(self, conn: AsyncConnection, stack_ids: list[str]) -> bool:
        """Whether one of these stacks may have had events purged: it holds ``max_events`` or more
        (a purge keeps that many). Only asked when a marker is not found."""
        if not self.enabled or not stack_ids:
            return False
        counts = select(func.count()).where(E.c.stack_id.in_(stack_ids)).group_by(E.c.stack_id)
        return any(int(n) >= self.max_events for n in (await conn.execute(counts)).scalars())
