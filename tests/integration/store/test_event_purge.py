"""store.max_events_per_stack: the oldest events are purged in batches, the newest kept, over the bus.

The session's store serves with Heat's defaults; these tests give its backend a
small limit for their own duration (the purge is the backend's, as in Heat's db api).
"""

from __future__ import annotations

from typing import Any

import pytest

from services.store.sqlalchemy_api.event_purge import EventPurger
from shared.clients.store import StoreClient
from shared.context import RequestContext
from shared.exceptions import InvalidInput

MAX, BATCH = 10, 4


@pytest.fixture
def small_limit(db: Any, monkeypatch: pytest.MonkeyPatch) -> EventPurger:
    purger = EventPurger(max_events=MAX, batch_size=BATCH)
    monkeypatch.setattr(db, "events", purger)
    return purger


async def _write_events(store: StoreClient, ctx: RequestContext, stack_id: str, step: int) -> list[str]:
    """One write of each kind that stores events, by ``step``; the uuids stored, in order."""
    kind = step % 4
    if kind == 0:
        event = await store.event_create(ctx, {"stack_id": stack_id, "resource_name": f"e{step}"})
        return [event.uuid]
    if kind == 1:
        moved = await store.stack_transition(ctx, stack_id, {"action": "CREATE", "status": "IN_PROGRESS"})
        return [moved.event.uuid]
    rows = await store.resource_create_many(
        ctx, stack_id, [{"name": f"r{step}-{i}", "type": "T"} for i in range(3)]
    )
    if kind == 2:
        single = await store.resource_transition(ctx, rows[0].id, {"status": "IN_PROGRESS"})
        return [single.event.uuid]
    batch = await store.resource_transition_many(
        ctx, [{"resource_id": r.id, "values": {"status": "COMPLETE"}} for r in rows]
    )
    return [t.event.uuid for t in batch]


async def _kept(store: StoreClient, ctx: RequestContext, stack_id: str) -> list[str]:
    return [e.uuid for e in await store.event_get_all_by_stack(ctx, stack_id, sort_dir="asc")]


async def test_a_stack_keeps_its_newest_events_and_loses_nothing_newer(
    store: StoreClient, ctx: RequestContext, new_stack: Any, small_limit: EventPurger
) -> None:
    stack = await new_stack(ctx)
    other = await new_stack(ctx)  # written in between: its events count for itself only
    written: list[str] = []
    others: list[str] = []
    purged_at_least_once = False
    for step in range(24):
        written += await _write_events(store, ctx, stack.id, step)
        others += await _write_events(store, ctx, other.id, step + 1)
        kept = await _kept(store, ctx, stack.id)
        # Only the oldest go: what is kept is exactly the newest of what was written ...
        assert kept == written[len(written) - len(kept) :]
        # ... never fewer than the limit, and never more than one batch past it.
        assert min(len(written), MAX) <= len(kept) <= MAX + BATCH - 1
        purged_at_least_once |= len(kept) < len(written)
    assert purged_at_least_once and len(written) > 3 * MAX
    kept_other = await _kept(store, ctx, other.id)
    assert kept_other == others[len(others) - len(kept_other) :] and len(kept_other) >= MAX
    assert await store.event_count_all_by_stack(ctx, stack.id) == len(await _kept(store, ctx, stack.id))


async def test_a_purged_marker_reads_as_older_than_every_kept_event(
    store: StoreClient, ctx: RequestContext, new_stack: Any, small_limit: EventPurger
) -> None:
    """A stream's Last-Event-ID (or the CLI's --wait marker) purged meanwhile: the catch-up
    (oldest first) gets every kept event, paging back (newest first) finds nothing older."""
    stack = await new_stack(ctx)
    written: list[str] = []
    for step in range(12):
        written += await _write_events(store, ctx, stack.id, step)
    kept = await _kept(store, ctx, stack.id)
    purged = written[0]
    assert purged not in kept
    after = await store.event_get_all_by_stack(ctx, stack.id, marker=purged, sort_dir="asc")
    assert [e.uuid for e in after] == kept
    assert await store.event_get_all_by_stack(ctx, stack.id, marker=purged) == []
    # A kept marker still pages as before.
    middle = kept[len(kept) // 2]
    after_middle = await store.event_get_all_by_stack(ctx, stack.id, marker=middle, sort_dir="asc")
    assert [e.uuid for e in after_middle] == kept[len(kept) // 2 + 1 :]
    # Sorted by something else than time, an unknown marker cannot be placed: refused as before.
    with pytest.raises(InvalidInput, match="marker"):
        await store.event_get_all_by_stack(ctx, stack.id, marker=purged, sort_keys=["resource_name"])


async def test_an_unknown_marker_of_a_stack_that_was_never_purged_is_refused(
    store: StoreClient, ctx: RequestContext, new_stack: Any, small_limit: EventPurger
) -> None:
    stack = await new_stack(ctx)
    await _write_events(store, ctx, stack.id, 0)
    with pytest.raises(InvalidInput, match="marker"):
        await store.event_get_all_by_stack(ctx, stack.id, marker="no-such-event", sort_dir="asc")


async def test_no_limit_keeps_every_event(
    store: StoreClient, ctx: RequestContext, new_stack: Any, db: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(db, "events", EventPurger(max_events=0, batch_size=1))
    stack = await new_stack(ctx)
    written: list[str] = []
    for step in range(8):
        written += await _write_events(store, ctx, stack.id, step)
    assert await _kept(store, ctx, stack.id) == written


async def test_nested_resources_are_counted_below_a_stack_through_every_level(
    store: StoreClient, ctx: RequestContext, new_stack: Any
) -> None:
    root = await new_stack(ctx)
    child = await new_stack(ctx, owner_id=root.id, nested_depth=1)
    grandchild = await new_stack(ctx, owner_id=child.id, nested_depth=2)
    sibling = await new_stack(ctx, owner_id=root.id, nested_depth=1)
    for stack, count in ((root, 2), (child, 3), (grandchild, 4), (sibling, 5)):
        await store.resource_create_many(
            ctx, stack.id, [{"name": f"r{i}", "type": "T"} for i in range(count)]
        )
    assert await store.stack_count_nested_resources(ctx, root.id) == 3 + 4 + 5
    assert await store.stack_count_nested_resources(ctx, child.id) == 4
    assert await store.stack_count_nested_resources(ctx, grandchild.id) == 0
    await store.stack_delete(ctx, sibling.id)  # a deleted nested stack no longer counts
    assert await store.stack_count_nested_resources(ctx, root.id) == 3 + 4
