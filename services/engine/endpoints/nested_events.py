"""A stack's events with those of its nested stacks down to ``nested_depth`` levels, as Heat lists them.

The events of the stack and of every stack below it (``owner_id`` links,
breadth first, at most ``MAX_STACKS`` stacks) in the order they were stored
(event id), or newest first for ``sort_dir=desc``; a marker is the uuid of
any event of the set; the filters apply to every stack's events.
"""

from __future__ import annotations

from typing import Any

from services.engine.endpoints import formatting
from shared.clients.store import StoreClient
from shared.context import RequestContext
from shared.exceptions import InvalidInput
from shared.schemas.engine import EventInfo
from shared.schemas.store import EventRecord, StackRecord

MAX_STACKS = 1000


async def stack_tree(
    store: StoreClient, ctxt: RequestContext, root: StackRecord, depth: int
) -> list[StackRecord]:
    """``root`` and the stacks below it, ``depth`` levels down (breadth first)."""
    found = [root]
    level = [root]
    for _ in range(depth):
        if not level or len(found) >= MAX_STACKS:
            break
        level = await store.stack_get_all(
            ctxt, filters={"owner_id": [s.id for s in level]}, show_nested=True, sort_dir="asc"
        )
        found.extend(level[: MAX_STACKS - len(found)])
    return found


async def nested_events(
    store: StoreClient,
    ctxt: RequestContext,
    root: StackRecord,
    depth: int,
    filters: dict[str, Any] | None,
    limit: int | None,
    marker: str | None,
    sort_dir: str | None,
) -> list[EventInfo]:
    pairs: list[tuple[EventRecord, StackRecord]] = []
    for stack in await stack_tree(store, ctxt, root, depth):
        events = await store.event_get_all_by_stack(ctxt, stack.id, filters=filters)
        pairs.extend((event, stack) for event in events)
    pairs.sort(key=lambda pair: pair[0].id, reverse=sort_dir == "desc")
    if marker is not None:
        at = next((i for i, (event, _) in enumerate(pairs) if event.uuid == marker), None)
        if at is None:
            raise InvalidInput(field="marker", reason=f"no event {marker} in stack {root.id} or below it")
        pairs = pairs[at + 1 :]
    if limit is not None:
        pairs = pairs[:limit]
    return [formatting.format_event(stack, event) for event, stack in pairs]
