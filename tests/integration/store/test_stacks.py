"""Stacks over the bus: store, get, list, update, delete, tenant isolation."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import func, select

from services.store.models import RawTemplate, Stack, UserCreds
from shared.clients.store import StoreClient
from shared.context import RequestContext
from shared.exceptions import EntityNotFound, InvalidInput, StackExists, StackNotFound
from shared.schemas.store import StackValues


async def test_stack_store_creates_template_creds_and_stack(store: StoreClient, ctx: RequestContext) -> None:
    stack = await store.stack_store(
        ctx,
        {"template": {"resources": {}}, "files": {"a": "b"}},
        {"name": "s1", "parameters": {"x": 1}, "tags": ["t1"]},
    )
    assert stack.tenant == ctx.project_id and stack.name == "s1"
    assert stack.action == "INIT" and stack.parameters == {"x": 1} and stack.tags == ["t1"]
    template = await store.raw_template_get(ctx, stack.raw_template_id)
    assert template.template == {"resources": {}} and template.files == {"a": "b"}
    assert stack.user_creds_id is not None
    creds = await store.user_creds_get(ctx, stack.user_creds_id)
    assert (
        creds.auth_token == "secret-token"
        and creds.user_id == "user-1"
        and creds.project_id == ctx.project_id
    )
    again = await store.stack_get(ctx, stack.id)
    assert again == stack


async def test_stack_store_can_take_the_new_stacks_lock(store: StoreClient, ctx: RequestContext) -> None:
    stack = await store.stack_store(ctx, {"template": {}}, {"name": "locked"}, lock_engine_id="engine-a")
    assert await store.stack_lock_get_engine_id(ctx, stack.id) == "engine-a"
    assert await store.stack_lock_create(ctx, stack.id, "engine-b") == "engine-a"
    with pytest.raises(StackExists):  # a failed store takes no lock either
        await store.stack_store(ctx, {"template": {}}, {"name": "locked"}, lock_engine_id="engine-b")
    with pytest.raises(InvalidInput):
        await store.stack_store(ctx, {"template": {}}, {"name": "bad-lock"}, lock_engine_id="")


async def test_stack_store_with_resources_is_one_transaction(store: StoreClient, ctx: RequestContext) -> None:
    stored = await store.stack_store_with_resources(
        ctx,
        {"template": {}},
        {
            "name": "whole",
            "action": "CREATE",
            "status": "IN_PROGRESS",
            "status_reason": "Stack CREATE started",
        },
        resources=[
            {"name": f"r{i}", "type": "OS::Heat::None", "depends_on": ["r0"] if i else []} for i in range(3)
        ],
        event={"resource_status_reason": "Stack CREATE started"},
        lock_engine_id="engine-a",
    )
    assert [r.name for r in stored.resources] == ["r0", "r1", "r2"]
    assert stored.resources[1].depends_on == ["r0"] and stored.resources[0].action == "INIT"
    events = await store.event_get_all_by_stack(ctx, stored.stack.id)
    assert [(e.resource_name, e.resource_action, e.resource_status) for e in events] == [
        ("whole", "CREATE", "IN_PROGRESS")
    ]
    assert await store.stack_lock_get_engine_id(ctx, stored.stack.id) == "engine-a"
    with pytest.raises(StackExists):  # nothing of a failed store remains
        await store.stack_store_with_resources(
            ctx, {"template": {}}, {"name": "whole"}, resources=[{"name": "x", "type": "T"}]
        )
    with pytest.raises(InvalidInput):
        await store.stack_store_with_resources(
            ctx, {"template": {}}, {"name": "bad"}, resources=[{"name": "x"}]
        )
    with pytest.raises(EntityNotFound):
        await store.stack_get_by_name(ctx, "bad")


async def test_stack_create_from_parts(store: StoreClient, ctx: RequestContext) -> None:
    template = await store.raw_template_create(ctx, {"template": {"a": 1}})
    creds = await store.user_creds_create(ctx)
    stack = await store.stack_create(
        ctx, {"name": "parts", "raw_template_id": template.id, "user_creds_id": creds.id, "timeout": 5}
    )
    assert stack.raw_template_id == template.id and stack.user_creds_id == creds.id and stack.timeout == 5


async def _row_counts(db: Any) -> tuple[int, ...]:
    async with db.db.read() as session:
        return tuple(
            [
                int(await session.scalar(select(func.count()).select_from(m)) or 0)
                for m in (RawTemplate, UserCreds, Stack)
            ]
        )


async def test_duplicate_name_raises_stack_exists_and_leaves_nothing(
    store: StoreClient, db: Any, ctx: RequestContext, new_stack: Any
) -> None:
    await new_stack(ctx, "dup")
    before = await _row_counts(db)
    with pytest.raises(StackExists, match=r"The Stack \(dup\) already exists"):
        await new_stack(ctx, "dup")
    assert await _row_counts(db) == before  # no template, credentials or stack row left behind


async def test_same_name_in_two_tenants_is_allowed(make_ctx: Any, new_stack: Any) -> None:
    a, b = make_ctx(), make_ctx()
    assert (await new_stack(a, "same")).tenant == a.project_id
    assert (await new_stack(b, "same")).tenant == b.project_id


async def test_racing_creates_of_one_name_exactly_one_wins(
    store: StoreClient, ctx: RequestContext, new_stack: Any
) -> None:
    results = await asyncio.gather(*(new_stack(ctx, "race") for _ in range(10)), return_exceptions=True)
    assert sum(not isinstance(r, BaseException) for r in results) == 1
    assert all(isinstance(r, StackExists) for r in results if isinstance(r, BaseException))
    assert await store.stack_count_all(ctx, filters={"name": "race"}) == 1


async def test_name_is_free_again_after_delete(
    store: StoreClient, ctx: RequestContext, new_stack: Any
) -> None:
    first = await new_stack(ctx, "reuse")
    await store.stack_delete(ctx, first.id)
    second = await new_stack(ctx, "reuse")
    assert second.id != first.id


async def test_get_by_name(store: StoreClient, ctx: RequestContext, new_stack: Any) -> None:
    stack = await new_stack(ctx, "by-name")
    assert (await store.stack_get_by_name(ctx, "by-name")).id == stack.id
    with pytest.raises(EntityNotFound):
        await store.stack_get_by_name(ctx, "nope")


async def test_missing_stack_raises_stack_not_found(store: StoreClient, ctx: RequestContext) -> None:
    with pytest.raises(StackNotFound):
        await store.stack_get(ctx, "00000000-0000-0000-0000-000000000000")


async def test_other_tenants_stack_looks_missing(store: StoreClient, make_ctx: Any, new_stack: Any) -> None:
    owner, other = make_ctx(), make_ctx()
    stack = await new_stack(owner)
    with pytest.raises(StackNotFound) as missing:
        await store.stack_get(other, "00000000-0000-0000-0000-000000000000")
    with pytest.raises(StackNotFound) as foreign:
        await store.stack_get(other, stack.id)
    assert type(missing.value) is type(foreign.value)
    with pytest.raises(StackNotFound):
        await store.stack_update(other, stack.id, {"status_reason": "hijack"})
    with pytest.raises(StackNotFound):
        await store.stack_delete(other, stack.id)
    with pytest.raises(EntityNotFound):
        await store.stack_get_by_name(other, stack.name)
    with pytest.raises(EntityNotFound):
        await store.user_creds_get(other, stack.user_creds_id)
    assert [s.id for s in await store.stack_get_all(other)] == []
    assert (await store.stack_get(owner, stack.id)).status_reason is None


async def test_admin_sees_every_tenant(store: StoreClient, make_ctx: Any, new_stack: Any) -> None:
    stack = await new_stack(make_ctx())
    admin = RequestContext.admin()
    assert (await store.stack_get(admin, stack.id)).id == stack.id
    assert stack.id in {s.id for s in await store.stack_get_all(admin, filters={"id": stack.id})}


async def test_update_sets_only_given_columns(
    store: StoreClient, ctx: RequestContext, new_stack: Any
) -> None:
    stack = await new_stack(ctx, parameters={"p": 1}, timeout=7)
    updated = await store.stack_update(ctx, stack.id, StackValues(action="CREATE", status="IN_PROGRESS"))
    assert (updated.action, updated.status) == ("CREATE", "IN_PROGRESS")
    assert updated.parameters == {"p": 1} and updated.timeout == 7
    assert updated.updated_at is None  # Heat's updated_time: written only when given
    now = datetime.now(UTC)
    stamped = await store.stack_update(ctx, stack.id, StackValues(updated_at=now))
    assert stamped.updated_at == now


async def test_update_to_a_taken_name_raises_stack_exists(
    store: StoreClient, ctx: RequestContext, new_stack: Any
) -> None:
    await new_stack(ctx, "taken")
    other = await new_stack(ctx, "free")
    with pytest.raises(StackExists):
        await store.stack_update(ctx, other.id, {"name": "taken"})


async def test_soft_delete_keeps_row_readable_and_drops_creds(
    store: StoreClient, ctx: RequestContext, new_stack: Any
) -> None:
    stack = await new_stack(ctx)
    await store.resource_create(ctx, stack.id, {"name": "r", "type": "OS::Heat::None"})
    await store.stack_delete(ctx, stack.id)
    with pytest.raises(StackNotFound):
        await store.stack_get(ctx, stack.id)
    deleted = await store.stack_get(ctx, stack.id, show_deleted=True)
    assert deleted.deleted_at is not None and deleted.user_creds_id is None
    with pytest.raises(EntityNotFound):
        await store.user_creds_get(ctx, stack.user_creds_id)
    assert await store.resource_get_all_by_stack(ctx, stack.id) == []
    assert stack.id not in {s.id for s in await store.stack_get_all(ctx)}
    assert stack.id in {s.id for s in await store.stack_get_all(ctx, show_deleted=True)}
    with pytest.raises(StackNotFound):
        await store.stack_delete(ctx, stack.id)


async def test_stack_transition_updates_and_records_event(
    store: StoreClient, ctx: RequestContext, new_stack: Any
) -> None:
    stack = await new_stack(ctx)
    result = await store.stack_transition(
        ctx, stack.id, {"action": "CREATE", "status": "IN_PROGRESS", "status_reason": "Stack CREATE started"}
    )
    assert result.stack.status == "IN_PROGRESS"
    event = result.event
    assert (event.resource_action, event.resource_status) == ("CREATE", "IN_PROGRESS")
    assert event.resource_name == stack.name and event.physical_resource_id == stack.id
    assert event.resource_type == "OS::Heat::Stack" and event.resource_status_reason == "Stack CREATE started"
    assert [e.uuid for e in await store.event_get_all_by_stack(ctx, stack.id)] == [event.uuid]


async def test_nested_stacks_hidden_unless_show_nested(
    store: StoreClient, ctx: RequestContext, new_stack: Any
) -> None:
    parent = await new_stack(ctx)
    child = await new_stack(ctx, owner_id=parent.id, nested_depth=1, parent_resource_name="group")
    ids = {s.id for s in await store.stack_get_all(ctx)}
    assert parent.id in ids and child.id not in ids
    assert child.id in {s.id for s in await store.stack_get_all(ctx, show_nested=True)}
    assert [s.id for s in await store.stack_get_all(ctx, filters={"owner_id": parent.id})] == [child.id]


async def test_owner_of_another_tenant_is_rejected(store: StoreClient, make_ctx: Any, new_stack: Any) -> None:
    foreign = await new_stack(make_ctx())
    with pytest.raises(InvalidInput, match="owner_id"):
        await new_stack(make_ctx(), owner_id=foreign.id)
