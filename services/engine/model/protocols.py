"""What the model needs from the world, as Protocols: it imports no store client and no task runner.

The persistence layer's ``TransitionWriter`` satisfies ``TransitionSink``;
the lifecycle's nested-stack host satisfies the plugins' ``ResourceHost``.
Tests can hand the model in-memory fakes of either.
"""

from __future__ import annotations

import asyncio
from typing import Any, Protocol

from shared.schemas.store import ResourceRecord, ResourceTransition


class TransitionSink(Protocol):
    """Where a resource's state changes and row updates go, in the order they are made."""

    def submit(
        self, resource_id: int, values: dict[str, Any], event: dict[str, Any]
    ) -> asyncio.Future[ResourceTransition]:
        """Queue a transition (row values + event); the future resolves once it is stored."""
        ...

    async def write(
        self, resource_id: int, values: dict[str, Any], event: dict[str, Any]
    ) -> ResourceTransition:
        """Store a transition and return it."""
        ...

    async def update(self, resource_id: int, values: dict[str, Any]) -> ResourceRecord:
        """Store row values that are no state change (no event), e.g. a physical id."""
        ...

    async def drain(self) -> None:
        """Wait for everything queued; raise the first failure nobody awaited."""
        ...

    def reopen(self) -> None:
        """Accept writes again after one failed for good (a new walk starts)."""
        ...
