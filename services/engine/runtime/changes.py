"""Wake-ups for a stack's state changes made by this engine: a parent waits for its child.

A nested-stack resource polls its child's state through the store (the child
may run on another engine). Between two polls it waits here: a state change
this engine stores for the child ends the wait at once, so a parent hears of
a local child's completion without waiting out its back-off; a child on
another engine is still seen by the poll when the wait times out. A change
that lands between a poll and the next wait is kept (the event stays set),
so it is never missed.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import OrderedDict

#: Stacks watched at once before the oldest watch is forgotten (its watcher falls back to polling).
_MAX_WATCHED = 20000


class StackChanges:
    """Per stack id, an event set when this engine stored a new state of that stack."""

    def __init__(self, max_watched: int = _MAX_WATCHED) -> None:
        self._events: OrderedDict[str, asyncio.Event] = OrderedDict()
        self._max = max_watched

    def changed(self, stack_id: str) -> None:
        """The stack's row changed (called once the store confirmed it)."""
        event = self._events.get(stack_id)
        if event is not None:
            event.set()

    def watch(self, stack_id: str) -> asyncio.Event:
        """Start keeping the stack's changes (before starting the action a caller will wait for)."""
        event = self._events.get(stack_id)
        if event is None:
            event = self._events[stack_id] = asyncio.Event()
            while len(self._events) > self._max:
                self._events.popitem(last=False)
        return event

    async def wait(self, stack_id: str, timeout: float) -> bool:
        """Until the stack changes (or changed since it was watched or last waited for), at most
        ``timeout`` seconds; whether it did."""
        event = self.watch(stack_id)
        if not event.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), timeout)
        woke = event.is_set()
        event.clear()
        return woke

    def forget(self, stack_id: str) -> None:
        """Nobody waits for the stack any more."""
        self._events.pop(stack_id, None)
