"""Resources and events over the bus, including the hot path and bulk creation."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from shared.clients.store import StoreClient
from shared.context import RequestContext
from shared.exceptions import EntityNotFound, EventNotFound, StackNotFound
from shared.schemas.store import EventValues, ResourceCreate, ResourceTransitionItem, ResourceValues


async def test_create_get_update_delete(store: StoreClient, ctx: RequestContext, new_stack: Any) -> None:
    stack = await new_stack(ctx)
    created = await store.resource_create(
        ctx,
        stack.id,
        ResourceCreate(name="server", type="OS::Heat::None", properties_data={"p": 1}, depends_on=["x"]),
    )
    assert created.stack_id == stack.id and (created.action, created.status) == ("INIT", "COMPLETE")
    assert (await store.resource_get(ctx, created.id)) == created
    updated = await store.resource_update(
        ctx, created.id, ResourceValues(physical_resource_id="phys-1", data={"k": "v"})
    )
    assert (
        updated.physical_resource_id == "phys-1"
        and updated.data == {"k": "v"}
        and updated.properties_data == {"p": 1}
    )
    await store.resource_delete(ctx, created.id)
    with pytest.raises(EntityNotFound):
        await store.resource_get(ctx, created.id)
    with pytest.raises(EntityNotFound):
        await store.resource_delete(ctx, created.id)


async def test_create_many_in_order_in_one_call(
    store: StoreClient, ctx: RequestContext, new_stack: Any
) -> None:
    stack = await new_stack(ctx)
    made = await store.resource_create_many(
        ctx, stack.id, [ResourceCreate(name=f"r{i}", type="OS::Heat::None") for i in range(1000)]
    )
    assert [r.name for r in made] == [f"r{i}" for i in range(1000)]
    assert len({r.id for r in made}) == 1000 and len({r.uuid for r in made}) == 1000
    assert len(await store.resource_get_all_by_stack(ctx, stack.id)) == 1000


async def test_create_many_with_one_bad_row_creates_none(
    store: StoreClient, ctx: RequestContext, new_stack: Any
) -> None:
    stack = await new_stack(ctx)
    rows: list[Any] = [{"name": "ok", "type": "T"}, {"name": "bad", "type": "T", "status": "WEIRD"}]
    with pytest.raises(Exception, match=r"resources\.1\.status"):
        await store.resource_create_many(ctx, stack.id, rows)
    assert await store.resource_get_all_by_stack(ctx, stack.id) == []


async def test_get_all_by_stack_filters(store: StoreClient, ctx: RequestContext, new_stack: Any) -> None:
    stack = await new_stack(ctx)
    await store.resource_create_many(
        ctx, stack.id, [{"name": "a", "type": "T1"}, {"name": "b", "type": "T2"}, {"name": "c", "type": "T1"}]
    )
    assert [r.name for r in await store.resource_get_all_by_stack(ctx, stack.id, {"type": "T1"})] == [
        "a",
        "c",
    ]
    assert [r.name for r in await store.resource_get_all_by_stack(ctx, stack.id, {"name": ["b"]})] == ["b"]


async def test_resource_transition_writes_row_and_event(
    store: StoreClient, ctx: RequestContext, new_stack: Any
) -> None:
    stack = await new_stack(ctx)
    resource = await store.resource_create(ctx, stack.id, {"name": "r", "type": "OS::Heat::RandomString"})
    result = await store.resource_transition(
        ctx,
        resource.id,
        ResourceValues(
            action="CREATE", status="COMPLETE", status_reason="state changed", physical_resource_id="p-9"
        ),
        EventValues(resource_properties={"length": 8}),
    )
    assert (result.resource.action, result.resource.status) == ("CREATE", "COMPLETE")
    event = result.event
    assert event.stack_id == stack.id and event.resource_name == "r" and event.physical_resource_id == "p-9"
    assert event.resource_type == "OS::Heat::RandomString" and event.resource_status_reason == "state changed"
    assert event.resource_properties == {"length": 8}
    assert (await store.resource_get(ctx, resource.id)).status == "COMPLETE"
    assert (await store.event_get(ctx, event.uuid)) == event


async def test_transition_of_missing_resource_writes_no_event(
    store: StoreClient, ctx: RequestContext, new_stack: Any
) -> None:
    stack = await new_stack(ctx)
    with pytest.raises(EntityNotFound):
        await store.resource_transition(ctx, 10**9, {"status": "FAILED"})
    assert await store.event_count_all_by_stack(ctx, stack.id) == 0


async def test_other_tenants_resources_and_events_look_missing(
    store: StoreClient, make_ctx: Any, new_stack: Any
) -> None:
    owner, other = make_ctx(), make_ctx()
    stack = await new_stack(owner)
    resource = await store.resource_create(owner, stack.id, {"name": "r", "type": "T"})
    event = (await store.resource_transition(owner, resource.id, {"status": "IN_PROGRESS"})).event
    with pytest.raises(EntityNotFound):
        await store.resource_get(other, resource.id)
    with pytest.raises(EntityNotFound):
        await store.resource_update(other, resource.id, {"status": "FAILED"})
    with pytest.raises(EntityNotFound):
        await store.resource_transition(other, resource.id, {"status": "FAILED"})
    with pytest.raises(EntityNotFound):
        await store.resource_delete(other, resource.id)
    with pytest.raises(StackNotFound):
        await store.resource_create(other, stack.id, {"name": "x", "type": "T"})
    with pytest.raises(StackNotFound):
        await store.resource_get_all_by_stack(other, stack.id)
    with pytest.raises(StackNotFound):
        await store.event_get_all_by_stack(other, stack.id)
    with pytest.raises(StackNotFound):
        await store.event_create(other, {"stack_id": stack.id, "resource_name": "x"})
    with pytest.raises(EventNotFound):
        await store.event_get(other, event.uuid)
    assert (await store.resource_get(owner, resource.id)).status == "IN_PROGRESS"


async def test_event_create(store: StoreClient, ctx: RequestContext, new_stack: Any) -> None:
    stack = await new_stack(ctx)
    event = await store.event_create(
        ctx,
        {
            "stack_id": stack.id,
            "resource_name": "x",
            "resource_action": "DELETE",
            "resource_status": "FAILED",
        },
    )
    assert event.id > 0 and event.resource_properties == {}
    assert [e.uuid for e in await store.event_get_all_by_stack(ctx, stack.id)] == [event.uuid]


async def test_transition_many_in_one_call(store: StoreClient, ctx: RequestContext, new_stack: Any) -> None:
    stack = await new_stack(ctx)
    made = await store.resource_create_many(
        ctx, stack.id, [{"name": f"r{i}", "type": "T"} for i in range(300)]
    )
    items: list[Any] = [
        {"resource_id": r.id, "values": {"action": "CREATE", "status": "COMPLETE"}} for r in made[:200]
    ] + [
        ResourceTransitionItem(
            resource_id=r.id,
            values=ResourceValues(action="CREATE", status="FAILED", status_reason="boom", data={"k": 1}),
            event=EventValues(resource_properties={"p": "v"}),
        )
        for r in made[200:]
    ]
    results = await store.resource_transition_many(ctx, items)
    assert [t.resource.id for t in results] == [r.id for r in made]
    assert results[0].resource.status == "COMPLETE" and results[0].event.resource_status == "COMPLETE"
    assert results[-1].resource.data == {"k": 1} and results[-1].event.resource_properties == {"p": "v"}
    assert results[-1].event.resource_status_reason == "boom" and results[-1].event.resource_name == "r299"
    assert await store.event_count_all_by_stack(ctx, stack.id) == 300
    stored = {r.id: r for r in await store.resource_get_all_by_stack(ctx, stack.id)}
    assert stored[made[0].id].status == "COMPLETE" and stored[made[-1].id].status == "FAILED"


async def test_transition_many_same_resource_twice_records_each_step(
    store: StoreClient, ctx: RequestContext, new_stack: Any
) -> None:
    stack = await new_stack(ctx)
    resource = await store.resource_create(ctx, stack.id, {"name": "r", "type": "T"})
    steps = [
        {"resource_id": resource.id, "values": {"action": "CREATE", "status": s}}
        for s in ("IN_PROGRESS", "COMPLETE")
    ]
    results = await store.resource_transition_many(ctx, steps)
    assert [t.event.resource_status for t in results] == ["IN_PROGRESS", "COMPLETE"]
    assert (await store.resource_get(ctx, resource.id)).status == "COMPLETE"


async def test_transition_many_with_a_foreign_resource_changes_nothing(
    store: StoreClient, make_ctx: Any, new_stack: Any
) -> None:
    mine, theirs = make_ctx(), make_ctx()
    own = await store.resource_create(mine, (await new_stack(mine)).id, {"name": "a", "type": "T"})
    other_stack = await new_stack(theirs)
    foreign = await store.resource_create(theirs, other_stack.id, {"name": "b", "type": "T"})
    with pytest.raises(EntityNotFound):
        await store.resource_transition_many(
            mine,
            [
                {"resource_id": own.id, "values": {"status": "FAILED"}},
                {"resource_id": foreign.id, "values": {"status": "FAILED"}},
            ],
        )
    assert (await store.resource_get(mine, own.id)).status == "COMPLETE"
    assert (await store.resource_get(theirs, foreign.id)).status == "COMPLETE"
    assert await store.event_count_all_by_stack(theirs, other_stack.id) == 0


async def test_a_transition_named_by_its_event_uuid_is_made_once(
    store: StoreClient, ctx: RequestContext, new_stack: Any
) -> None:
    """The engine retries a write whose answer was lost: the repeat is answered, not applied again."""
    stack = await new_stack(ctx)
    a, b = await store.resource_create_many(
        ctx, stack.id, [{"name": n, "type": "OS::Heat::None"} for n in ("a", "b")]
    )
    first = await store.resource_transition(ctx, a.id, {"status": "IN_PROGRESS"}, {"uuid": "u-a-1"})
    again = await store.resource_transition(ctx, a.id, {"status": "IN_PROGRESS"}, {"uuid": "u-a-1"})
    assert again.event.uuid == first.event.uuid == "u-a-1" and again.event.id == first.event.id
    batch = [
        {"resource_id": a.id, "values": {"status": "COMPLETE"}, "event": {"uuid": "u-a-2"}},
        {"resource_id": b.id, "values": {"status": "IN_PROGRESS"}, "event": {"uuid": "u-b-1"}},
    ]
    made = await store.resource_transition_many(ctx, batch)
    repeated = await store.resource_transition_many(ctx, batch)
    assert [t.event.id for t in repeated] == [t.event.id for t in made]
    # A retried batch that overlaps a new step: the new one is applied, the old answered.
    mixed = await store.resource_transition_many(
        ctx, [batch[1], {"resource_id": b.id, "values": {"status": "COMPLETE"}, "event": {"uuid": "u-b-2"}}]
    )
    assert mixed[0].event.id == made[1].event.id and mixed[1].resource.status == "COMPLETE"
    events = await store.event_get_all_by_stack(ctx, stack.id, sort_dir="asc")
    assert [e.uuid for e in events] == ["u-a-1", "u-a-2", "u-b-1", "u-b-2"]
    assert (await store.resource_get(ctx, a.id)).status == "COMPLETE"


async def test_a_stack_transition_named_by_its_event_uuid_is_made_once(
    store: StoreClient, ctx: RequestContext, new_stack: Any
) -> None:
    stack = await new_stack(ctx)
    values = {"action": "CREATE", "status": "IN_PROGRESS"}
    first = await store.stack_transition(ctx, stack.id, values, {"uuid": "s-1"})
    await store.stack_update(ctx, stack.id, {"status": "COMPLETE"})
    again = await store.stack_transition(ctx, stack.id, values, {"uuid": "s-1"})
    assert again.event.id == first.event.id and again.stack.status == "COMPLETE"  # not set back
    assert await store.event_count_all_by_stack(ctx, stack.id) == 1


async def test_stranded_resources_are_the_in_progress_ones_nobody_works_on(
    store: StoreClient, make_ctx: Any, new_stack: Any
) -> None:
    owner, other = make_ctx(), make_ctx()
    settled, running, locked = await new_stack(owner), await new_stack(owner), await new_stack(owner)
    foreign = await new_stack(other)
    await store.stack_update(owner, settled.id, {"action": "CREATE", "status": "FAILED"})
    await store.stack_update(owner, running.id, {"action": "CREATE", "status": "IN_PROGRESS"})
    await store.stack_update(owner, locked.id, {"action": "CREATE", "status": "FAILED"})
    await store.stack_update(other, foreign.id, {"action": "CREATE", "status": "FAILED"})
    await store.stack_lock_create(owner, locked.id, "engine-x")
    ids = {}
    for ctxt, stack in ((owner, settled), (owner, running), (owner, locked), (other, foreign)):
        left, done = await store.resource_create_many(
            ctxt, stack.id, [{"name": n, "type": "OS::Heat::None"} for n in ("left", "done")]
        )
        await store.resource_update(ctxt, left.id, {"action": "CREATE", "status": "IN_PROGRESS"})
        await store.resource_update(ctxt, done.id, {"action": "CREATE", "status": "COMPLETE"})
        ids[stack.id] = left.id
    stranded = await store.resource_get_stranded(owner)
    assert [r.id for r in stranded] == [ids[settled.id]]
    everyone = {r.id for r in await store.resource_get_stranded(RequestContext.admin())}
    assert {ids[settled.id], ids[foreign.id]} <= everyone and ids[running.id] not in everyone


async def test_concurrent_copies_of_one_write_land_once_and_all_get_its_answer(
    store: StoreClient, ctx: RequestContext, new_stack: Any
) -> None:
    """A retry racing its own first attempt (both in the store at once, as on PostgreSQL or with
    several stores): one commits, the others are answered from it, none fails."""
    stack = await new_stack(ctx)
    (row,) = await store.resource_create_many(ctx, stack.id, [{"name": "r", "type": "OS::Heat::None"}])
    batch = [
        {"resource_id": row.id, "values": {"status": "IN_PROGRESS"}, "event": {"uuid": "race-1"}},
        {"resource_id": row.id, "values": {"status": "COMPLETE"}, "event": {"uuid": "race-2"}},
    ]
    answers = await asyncio.gather(*(store.resource_transition_many(ctx, batch) for _ in range(6)))
    assert len({tuple(t.event.id for t in answer) for answer in answers}) == 1
    stack_writes = await asyncio.gather(
        *(store.stack_transition(ctx, stack.id, {"status": "COMPLETE"}, {"uuid": "race-s"}) for _ in range(6))
    )
    assert len({t.event.id for t in stack_writes}) == 1
    assert sorted(e.uuid for e in await store.event_get_all_by_stack(ctx, stack.id)) == [
        "race-1",
        "race-2",
        "race-s",
    ]
