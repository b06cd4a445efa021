"""Bad input gets a specific EmberError naming the field, never a raw SQL error, and no rows."""

from __future__ import annotations

from typing import Any

import pytest

from shared.clients.store import StoreClient
from shared.context import RequestContext
from shared.exceptions import EntityNotFound, InvalidInput, InvalidRPCArguments, StackNotFound


async def test_unknown_key_is_rejected_by_name(
    store: StoreClient, ctx: RequestContext, new_stack: Any
) -> None:
    with pytest.raises(InvalidInput, match=r"stack\.colour: unknown key"):
        await new_stack(ctx, colour="red")


async def test_wrong_type_is_rejected_by_name(
    store: StoreClient, ctx: RequestContext, new_stack: Any
) -> None:
    stack = await new_stack(ctx)
    with pytest.raises(InvalidInput, match=r"values\.timeout"):
        await store.stack_update(ctx, stack.id, {"timeout": "soon"})
    with pytest.raises(InvalidInput, match=r"values\.status"):
        await store.stack_update(ctx, stack.id, {"status": "DONE"})
    with pytest.raises(InvalidInput, match=r"values\.parameters"):
        await store.stack_update(ctx, stack.id, {"parameters": ["not", "a", "dict"]})


async def test_oversized_values_are_rejected(store: StoreClient, ctx: RequestContext, new_stack: Any) -> None:
    with pytest.raises(InvalidInput, match=r"stack\.name"):
        await new_stack(ctx, "x" * 256)
    stack = await new_stack(ctx)
    with pytest.raises(InvalidInput, match=r"values\.parameters"):
        await store.stack_update(ctx, stack.id, {"parameters": {"big": "x" * (1024 * 1024 + 1)}})
    with pytest.raises(InvalidInput, match=r"stack\.tags"):
        await new_stack(ctx, tags=["a,b"])


async def test_null_for_a_required_column_is_rejected(
    store: StoreClient, ctx: RequestContext, new_stack: Any
) -> None:
    stack = await new_stack(ctx)
    with pytest.raises(InvalidInput, match="action"):
        await store.stack_update(ctx, stack.id, {"action": None})
    resource = await store.resource_create(ctx, stack.id, {"name": "r", "type": "T"})
    with pytest.raises(InvalidInput, match="properties_data"):
        await store.resource_update(ctx, resource.id, {"properties_data": None})


async def test_missing_template_reference_is_named(store: StoreClient, ctx: RequestContext) -> None:
    with pytest.raises(InvalidInput, match="raw_template_id"):
        await store.stack_create(ctx, {"name": "orphan", "raw_template_id": 10**9})
    with pytest.raises(InvalidInput, match="raw_template_id"):
        await store.stack_create(ctx, {"name": "orphan"})
    assert await store.stack_count_all(ctx, filters={"name": "orphan"}) == 0


async def test_stack_store_without_project_is_rejected(store: StoreClient) -> None:
    anonymous = RequestContext(user_id="u")
    with pytest.raises(InvalidInput, match="project"):
        await store.stack_store(anonymous, {"template": {}}, {"name": "x"})


async def test_resource_for_missing_stack_is_stack_not_found(store: StoreClient, ctx: RequestContext) -> None:
    with pytest.raises(StackNotFound):
        await store.resource_create(ctx, "no-such-stack", {"name": "r", "type": "T"})


async def test_bad_query_arguments(store: StoreClient, ctx: RequestContext) -> None:
    with pytest.raises(InvalidInput, match=r"query\.sort_keys"):
        await store.stack_get_all(ctx, sort_keys=["password"])
    with pytest.raises(InvalidInput, match=r"query\.filters\.colour"):
        await store.stack_get_all(ctx, filters={"colour": "red"})
    with pytest.raises(InvalidInput, match=r"query\.limit"):
        await store.stack_get_all(ctx, limit=-1)
    with pytest.raises(InvalidInput, match=r"query\.sort_dir"):
        await store.stack_get_all(ctx, sort_dir="sideways")


async def test_wrong_scalar_argument_type_names_the_argument(store: StoreClient, ctx: RequestContext) -> None:
    with pytest.raises(InvalidRPCArguments, match="resource_id"):
        await store.rpc.call(ctx, "resource_get", resource_id="abc")


async def test_nul_in_looked_up_text_is_never_a_database_error(
    store: StoreClient, ctx: RequestContext
) -> None:
    # PostgreSQL text cannot hold NUL: lookups answer "not found" or "invalid", never a 500.
    for call in (
        store.stack_get_by_name(ctx, "a\x00b"),
        store.stack_get(ctx, "a\x00b"),
        store.stack_get_all(ctx, filters={"name": "a\x00"}),
    ):
        try:
            await call
        except (EntityNotFound, InvalidInput):
            pass
    with pytest.raises(InvalidInput):
        await store.stack_store(ctx, {"template": {}}, {"name": "nul\x00name"})
