"""Listing stacks and events: filters, tags, sort, limit + marker pagination, counts."""

from __future__ import annotations

from typing import Any

import pytest

from shared.clients.store import StoreClient
from shared.context import RequestContext
from shared.exceptions import InvalidInput


@pytest.fixture
async def five(store: StoreClient, ctx: RequestContext, new_stack: Any) -> list[Any]:
    stacks = []
    for i, (status, tags) in enumerate(
        [
            ("COMPLETE", ["a"]),
            ("FAILED", ["a", "b"]),
            ("COMPLETE", ["b"]),
            ("FAILED", []),
            ("COMPLETE", ["a", "c_d"]),
        ]
    ):
        stack = await new_stack(ctx, f"s{i}", tags=tags)
        stacks.append(await store.stack_update(ctx, stack.id, {"action": "CREATE", "status": status}))
    return stacks


async def test_default_order_is_newest_first(
    store: StoreClient, ctx: RequestContext, five: list[Any]
) -> None:
    assert [s.name for s in await store.stack_get_all(ctx)] == ["s4", "s3", "s2", "s1", "s0"]


async def test_sort_by_name_ascending(store: StoreClient, ctx: RequestContext, five: list[Any]) -> None:
    names = [s.name for s in await store.stack_get_all(ctx, sort_keys=["name"], sort_dir="asc")]
    assert names == ["s0", "s1", "s2", "s3", "s4"]


async def test_sort_by_status_then_name(store: StoreClient, ctx: RequestContext, five: list[Any]) -> None:
    rows = await store.stack_get_all(ctx, sort_keys=["status", "name"], sort_dir="asc")
    assert [s.name for s in rows] == ["s0", "s2", "s4", "s1", "s3"]


async def test_marker_pagination_walks_every_stack_once(
    store: StoreClient, ctx: RequestContext, five: list[Any]
) -> None:
    for keys in (None, ["name"], ["status"], ["updated_at"]):
        seen: list[str] = []
        marker = None
        while True:
            page = await store.stack_get_all(ctx, limit=2, marker=marker, sort_keys=keys, sort_dir="asc")
            if not page:
                break
            assert len(page) <= 2
            seen.extend(s.name for s in page)
            marker = page[-1].id
        assert sorted(seen) == ["s0", "s1", "s2", "s3", "s4"], keys
        assert len(seen) == 5


async def test_unknown_marker_is_invalid_input(
    store: StoreClient, ctx: RequestContext, five: list[Any]
) -> None:
    with pytest.raises(InvalidInput, match="marker"):
        await store.stack_get_all(ctx, marker="00000000-0000-0000-0000-000000000000")


async def test_filters_match_one_or_any_of_many(
    store: StoreClient, ctx: RequestContext, five: list[Any]
) -> None:
    failed = await store.stack_get_all(ctx, filters={"status": "FAILED"}, sort_keys=["name"], sort_dir="asc")
    assert [s.name for s in failed] == ["s1", "s3"]
    some = await store.stack_get_all(ctx, filters={"name": ["s0", "s4", "zz"]})
    assert {s.name for s in some} == {"s0", "s4"}
    assert await store.stack_count_all(ctx, filters={"status": "COMPLETE", "action": "CREATE"}) == 3
    assert await store.stack_count_all(ctx, filters={"id": five[0].id}) == 1


async def test_tag_filters(store: StoreClient, ctx: RequestContext, five: list[Any]) -> None:
    async def names(**kw: Any) -> set[str]:
        return {s.name for s in await store.stack_get_all(ctx, **kw)}

    assert await names(tags=["a"]) == {"s0", "s1", "s4"}
    assert await names(tags=["a", "b"]) == {"s1"}
    assert await names(tags_any=["b", "c_d"]) == {"s1", "s2", "s4"}
    assert await names(not_tags=["a", "b"]) == {"s0", "s2", "s3", "s4"}
    assert await names(not_tags_any=["a"]) == {"s2", "s3"}
    # LIKE wildcards in a tag are literal characters.
    assert await names(tags=["c_d"]) == {"s4"}
    assert await names(tags=["c%"]) == set()
    assert await store.stack_count_all(ctx, tags=["b"]) == 2


async def test_limit_zero_and_limit(store: StoreClient, ctx: RequestContext, five: list[Any]) -> None:
    assert await store.stack_get_all(ctx, limit=0) == []
    assert len(await store.stack_get_all(ctx, limit=3)) == 3


@pytest.fixture
async def events(store: StoreClient, ctx: RequestContext, new_stack: Any) -> tuple[Any, list[Any]]:
    stack = await new_stack(ctx)
    resources = await store.resource_create_many(
        ctx,
        stack.id,
        [{"name": n, "type": t} for n, t in [("a", "OS::Heat::None"), ("b", "OS::Heat::Value")]],
    )
    out = []
    for resource in resources:
        for status in ("IN_PROGRESS", "COMPLETE"):
            result = await store.resource_transition(ctx, resource.id, {"action": "CREATE", "status": status})
            out.append(result.event)
    return stack, out


async def test_events_newest_first_unless_asked_and_paged(
    store: StoreClient, ctx: RequestContext, events: Any
) -> None:
    """As Heat's database API: no order given -> newest first; ``asc`` pages through history."""
    stack, made = events
    assert [e.uuid for e in await store.event_get_all_by_stack(ctx, stack.id)] == [e.uuid for e in made][::-1]
    seen: list[str] = []
    marker = None
    while page := await store.event_get_all_by_stack(ctx, stack.id, limit=3, marker=marker, sort_dir="asc"):
        seen.extend(e.uuid for e in page)
        marker = page[-1].uuid
    assert seen == [e.uuid for e in made]
    newest = await store.event_get_all_by_stack(ctx, stack.id, sort_dir="desc", limit=1)
    assert newest[0].uuid == made[-1].uuid


async def test_event_filters_and_count(store: StoreClient, ctx: RequestContext, events: Any) -> None:
    stack, made = events
    done = await store.event_get_all_by_stack(ctx, stack.id, filters={"resource_status": "COMPLETE"})
    assert [e.resource_name for e in done] == ["b", "a"]
    by_name_only = await store.event_get_all_by_stack(ctx, stack.id, sort_keys=["resource_name"])
    assert [e.resource_name for e in by_name_only] == ["a", "a", "b", "b"]  # keys alone: ascending
    assert await store.event_count_all_by_stack(ctx, stack.id) == 4
    assert await store.event_count_all_by_stack(ctx, stack.id, {"resource_name": "a"}) == 2
    assert await store.event_count_all_by_stack(ctx, stack.id, {"resource_type": "OS::Heat::Value"}) == 2
    assert await store.event_count_all_by_stack(ctx, stack.id, {"resource_action": ["DELETE"]}) == 0
    by_name = await store.event_get_all_by_stack(ctx, stack.id, sort_keys=["resource_name"], sort_dir="desc")
    assert [e.resource_name for e in by_name] == ["b", "b", "a", "a"]
    assert (await store.event_get(ctx, made[0].uuid)).uuid == made[0].uuid


async def test_events_of_nested_stacks_only_within_the_tenant(
    store: StoreClient, make_ctx: Any, new_stack: Any
) -> None:
    """nested_stack_ids widens the list (nested_depth); another tenant's stack adds nothing."""
    owner, other = make_ctx(), make_ctx()
    parent, child, foreign = await new_stack(owner), await new_stack(owner), await new_stack(other)
    for ctxt, stack in ((owner, parent), (owner, child), (other, foreign)):
        await store.event_create(ctxt, {"stack_id": stack.id, "resource_name": f"r-{stack.id[:4]}"})
    listed = await store.event_get_all_by_stack(
        owner, parent.id, nested_stack_ids=[child.id, foreign.id], sort_dir="asc"
    )
    assert [e.stack_id for e in listed] == [parent.id, child.id]
    only_parent = await store.event_get_all_by_stack(owner, parent.id)
    assert [e.stack_id for e in only_parent] == [parent.id]
