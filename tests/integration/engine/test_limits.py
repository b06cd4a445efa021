"""Heat's per-project stack limit (engine.max_stacks_per_tenant), over the bus."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from shared.clients.engine import API_VERSION
from shared.context import RequestContext
from shared.exceptions import RequestLimitExceeded, TemplateTooLarge
from shared.rpc import RPCClient, Target
from tests.integration.engine.conftest import EngineServices

QUICK = {"heat_template_version": "2021-04-16", "resources": {"n": {"type": "OS::Heat::None"}}}


async def test_a_project_at_its_stack_limit_is_refused_until_it_deletes_one(
    engine_services: EngineServices,
) -> None:
    limited = await engine_services.start_engine(max_stacks_per_tenant=2)
    on_it = RPCClient(
        engine_services.transport,
        Target(topic=engine_services.engine_topic, server=limited.engine_id, version=API_VERSION),
        timeout=30,
    )
    project = RequestContext(project_id=f"limited-{uuid.uuid4().hex[:6]}", user_id="u")

    async def create(ctxt: RequestContext, name: str) -> dict[str, Any]:
        identity: dict[str, Any] = await on_it.call(
            ctxt, "create_stack", stack_name=name, template=QUICK, params={}, files={}, args={}
        )
        return identity

    try:
        first = await create(project, "one")
        await create(project, "two")
        with pytest.raises(
            RequestLimitExceeded,
            match=r"reached the maximum of 2 stacks per tenant "
            r"\(engine\.max_stacks_per_tenant, EMBER_ENGINE__MAX_STACKS_PER_TENANT\)",
        ) as refused:
            await create(project, "three")
        assert refused.value.http_status == 400
        assert await engine_services.store.stack_count_all(project) == 2  # nothing half-made
        await engine_services.wait_for_status(project, first, {"CREATE_COMPLETE"})
        await engine_services.client.delete_stack(project, first)
        await engine_services.wait_for_status(project, first, {"DELETE_COMPLETE"})
        await create(project, "three")  # room again
        await create(
            RequestContext.admin(project_id=project.project_id), "by-admin"
        )  # admins are not limited
        assert await engine_services.store.stack_count_all(project) == 3
        other = RequestContext(project_id=f"other-{uuid.uuid4().hex[:6]}", user_id="u")
        await create(other, "elsewhere")  # the limit is per project
    finally:
        await limited.stop()


RESOURCE_LIMIT = r"\(engine\.max_resources_per_stack, EMBER_ENGINE__MAX_RESOURCES_PER_STACK\)"


def _flat(count: int) -> dict[str, Any]:
    return {
        "heat_template_version": "2021-04-16",
        "resources": {f"r{i}": {"type": "OS::Heat::None"} for i in range(count)},
    }


def _members(count: int) -> dict[str, Any]:
    """A group of ``count`` provider members of 2 resources: 1 + count + 2 * count resources in all."""
    return {
        "heat_template_version": "2021-04-16",
        "resources": {
            "group": {
                "type": "OS::Heat::ResourceGroup",
                "properties": {"count": count, "resource_def": {"type": "My::Member"}},
            }
        },
    }


MEMBER_ENV = {"resource_registry": {"My::Member": "member.yaml"}}
MEMBER_FILES = {
    "member.yaml": "heat_template_version: 2021-04-16\n"
    "resources:\n  a: {type: OS::Heat::None}\n  b: {type: OS::Heat::None}\n"
}


async def test_a_stack_over_the_resource_limit_is_refused_on_create_and_update(
    engine_services: EngineServices, ctx: RequestContext
) -> None:
    limited = await engine_services.start_engine(max_resources_per_stack=10)
    on_it = RPCClient(
        engine_services.transport,
        Target(topic=engine_services.engine_topic, server=limited.engine_id, version=API_VERSION),
        timeout=30,
    )
    name = f"flat-{uuid.uuid4().hex[:6]}"
    try:
        with pytest.raises(
            RequestLimitExceeded,
            match="11 resources, which exceeds the maximum of 10 resources per stack " + RESOURCE_LIMIT,
        ) as refused:
            await on_it.call(
                ctx, "create_stack", stack_name=name, template=_flat(11), params={}, files={}, args={}
            )
        assert refused.value.http_status == 400
        assert await engine_services.store.stack_count_all(ctx, filters={"name": name}) == 0  # nothing stored
        identity = await on_it.call(
            ctx, "create_stack", stack_name=name, template=_flat(10), params={}, files={}, args={}
        )
        await engine_services.wait_for_status(ctx, identity, {"CREATE_COMPLETE"})
        update = {"params": {}, "files": {}, "args": {}, "environment_files": None, "files_container": None}
        with pytest.raises(
            RequestLimitExceeded, match="the maximum of 10 resources per stack " + RESOURCE_LIMIT
        ):
            await on_it.call(
                ctx, "update_stack", stack_identity=identity, template=_flat(11), template_id=None, **update
            )
        stack = (await engine_services.client.show_stack(ctx, identity))[0]
        assert stack["stack_status"] == "COMPLETE" and stack["stack_action"] == "CREATE"  # not touched
    finally:
        await limited.stop()


async def test_growing_nested_stacks_past_the_resource_limit_fails_the_update(
    engine_services: EngineServices, ctx: RequestContext
) -> None:
    """The total counts every level (a group of provider members), and it is read from the store:
    the stack was made by another engine (whose limit is the default)."""
    identity = await engine_services.client.create_stack(
        ctx, f"grow-{uuid.uuid4().hex[:6]}", _members(2), params=MEMBER_ENV, files=MEMBER_FILES
    )
    await engine_services.wait_for_status(ctx, identity, {"CREATE_COMPLETE"})  # 1 + 2 + 4 resources
    limited = await engine_services.start_engine(max_resources_per_stack=10)
    on_it = RPCClient(
        engine_services.transport,
        Target(topic=engine_services.engine_topic, server=limited.engine_id, version=API_VERSION),
        timeout=30,
    )

    async def update(count: int) -> dict[str, Any]:
        await on_it.call(
            ctx,
            "update_stack",
            stack_identity=identity,
            template=_members(count),
            params=MEMBER_ENV,
            files=MEMBER_FILES,
            args={},
            environment_files=None,
            files_container=None,
            template_id=None,
        )
        return await engine_services.wait_for_status(ctx, identity, {"UPDATE_COMPLETE", "UPDATE_FAILED"})

    try:
        grown = await update(3)  # 1 + 3 + 6 = 10: at the limit
        assert grown["stack_status"] == "COMPLETE", grown["stack_status_reason"]
        refused = await update(4)  # 1 + 4 + 6 (+ 2 to come) = 11 already when the group grows
        assert refused["stack_status"] == "FAILED"
        assert (
            "the stack would have 11 resources counting its nested stacks, which exceeds the maximum of 10 "
            "resources per stack (engine.max_resources_per_stack, EMBER_ENGINE__MAX_RESOURCES_PER_STACK)"
        ) in refused["stack_status_reason"]
        assert await engine_services.store.stack_count_nested_resources(ctx, identity["stack_id"]) == 9
    finally:
        await limited.stop()
    await engine_services.client.delete_stack(ctx, identity)
    await engine_services.wait_for_status(ctx, identity, {"DELETE_COMPLETE"}, timeout=60)


async def test_a_template_over_the_size_limit_is_refused_naming_the_setting(
    engine_services: EngineServices, ctx: RequestContext
) -> None:
    limited = await engine_services.start_engine(max_template_size=200)
    on_it = RPCClient(
        engine_services.transport,
        Target(topic=engine_services.engine_topic, server=limited.engine_id, version=API_VERSION),
        timeout=30,
    )
    try:
        template = {**QUICK, "description": "x" * 300}
        with pytest.raises(
            TemplateTooLarge,
            match=r"exceeds the maximum of 200 bytes \(engine\.max_template_size, EMBER_ENGINE__MAX_TEMPLATE_SIZE\)",
        ) as refused:
            await on_it.call(
                ctx, "create_stack", stack_name="big", template=template, params={}, files={}, args={}
            )
        assert refused.value.http_status == 400
    finally:
        await limited.stop()
