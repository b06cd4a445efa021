"""Nested stacks: ResourceGroup and provider templates are real child stacks."""

from __future__ import annotations

from typing import Any

from shared.context import RequestContext
from tests.integration.engine.conftest import EngineServices

DONE = {"CREATE_COMPLETE", "CREATE_FAILED"}

GROUP = {
    "heat_template_version": "2021-04-16",
    "resources": {
        "group": {
            "type": "OS::Heat::ResourceGroup",
            "properties": {
                "count": 3,
                "resource_def": {"type": "OS::Heat::Value", "properties": {"value": "member-%index%"}},
            },
        }
    },
    "outputs": {
        "values": {"value": {"get_attr": ["group", "value"]}},
        "refs": {"value": {"get_attr": ["group", "refs"]}},
        "second": {"value": {"get_attr": ["group", "resource.1", "value"]}},
        "by_name": {"value": {"get_attr": ["group", "attributes", "value"]}},
    },
}

PROVIDER = """
heat_template_version: 2021-04-16
parameters:
  greeting: {type: string}
resources:
  inner: {type: OS::Heat::Value, properties: {value: {get_param: greeting}}}
outputs:
  message: {value: {str_replace: {template: "$g world", params: {$g: {get_attr: [inner, value]}}}}}
"""


async def test_resource_group_creates_a_child_stack(
    engine_services: EngineServices, ctx: RequestContext
) -> None:
    client = engine_services.client
    identity = await client.create_stack(ctx, "grouped", GROUP)
    stack = await engine_services.wait_for_status(ctx, identity, DONE)
    assert stack["stack_status"] == "COMPLETE", stack["stack_status_reason"]
    outputs = {o["output_key"]: o["output_value"] for o in stack["outputs"]}
    assert outputs["values"] == ["member-0", "member-1", "member-2"]
    assert len(outputs["refs"]) == 3
    assert outputs["second"] == "member-1"
    assert sorted(outputs["by_name"].values()) == ["member-0", "member-1", "member-2"]
    nested = await client.list_stack_resources(ctx, identity, nested_depth=1)
    names = sorted(r["resource_name"] for r in nested)
    assert names == ["0", "1", "2", "group"]
    children = await client.list_stacks(ctx, show_nested=True, filters={"owner_id": identity["stack_id"]})
    assert len(children) == 1 and children[0]["parent"] == identity["stack_id"]

    await client.delete_stack(ctx, identity)
    await engine_services.wait_for_status(ctx, identity, {"DELETE_COMPLETE"})
    child = children[0]["stack_identity"]
    assert (await client.show_stack(ctx, child))[0]["stack_action"] == "DELETE"


async def test_provider_template_from_the_environment(
    engine_services: EngineServices, ctx: RequestContext
) -> None:
    template = {
        "heat_template_version": "2021-04-16",
        "resources": {"hello": {"type": "My::Greeter", "properties": {"greeting": "hello"}}},
        "outputs": {"message": {"value": {"get_attr": ["hello", "message"]}}},
    }
    env: dict[str, Any] = {"resource_registry": {"My::Greeter": "greeter.yaml"}}
    identity = await engine_services.client.create_stack(
        ctx, "provided", template, params=env, files={"greeter.yaml": PROVIDER}
    )
    stack = await engine_services.wait_for_status(ctx, identity, DONE)
    assert stack["stack_status"] == "COMPLETE", stack["stack_status_reason"]
    assert stack["outputs"][0]["output_value"] == "hello world"


async def test_nested_stacks_count_towards_the_resource_limit(
    engine_services: EngineServices, ctx: RequestContext
) -> None:
    limit = engine_services.settings.engine.max_resources_per_stack
    template = {
        "heat_template_version": "2021-04-16",
        "resources": {
            "group": {
                "type": "OS::Heat::ResourceGroup",
                "properties": {"count": limit, "resource_def": {"type": "OS::Heat::None"}},
            }
        },
    }
    identity = await engine_services.client.create_stack(ctx, "toobig", template)
    stack = await engine_services.wait_for_status(ctx, identity, DONE)
    assert stack["stack_status"] == "FAILED"
    assert (
        f"the stack would have {limit + 1} resources counting its nested stacks, which exceeds the maximum "
        f"of {limit} resources per stack (engine.max_resources_per_stack, EMBER_ENGINE__MAX_RESOURCES_PER_STACK)"
    ) in stack["stack_status_reason"]


async def test_nesting_deeper_than_the_limit_fails_the_stack(
    engine_services: EngineServices, ctx: RequestContext
) -> None:
    # A chain of provider types, each template holding the next one: only the depth limit stops it.
    # (A type cannot recurse through itself: inside its own template it means the built-in plugin.)
    limit = engine_services.settings.engine.max_nested_stack_depth
    depth = limit + 2
    registry = {f"My::Level{i}": f"level{i}.yaml" for i in range(depth)}
    files = {
        f"level{i}.yaml": f"heat_template_version: 2021-04-16\nresources:\n  deeper: {{type: My::Level{i + 1}}}\n"
        for i in range(depth - 1)
    }
    files[f"level{depth - 1}.yaml"] = (
        "heat_template_version: 2021-04-16\nresources:\n  end: {type: OS::Heat::None}\n"
    )
    template = {"heat_template_version": "2021-04-16", "resources": {"top": {"type": "My::Level0"}}}
    identity = await engine_services.client.create_stack(
        ctx, "recursive", template, params={"resource_registry": registry}, files=files
    )
    stack = await engine_services.wait_for_status(ctx, identity, DONE)
    assert stack["stack_status"] == "FAILED"
    assert (
        f"Recursion depth exceeds the maximum of {limit} levels of nested stacks "
        "(engine.max_nested_stack_depth, EMBER_ENGINE__MAX_NESTED_STACK_DEPTH)"
    ) in stack["stack_status_reason"]
    await engine_services.client.delete_stack(ctx, identity)
    await engine_services.wait_for_status(ctx, identity, {"DELETE_COMPLETE"}, timeout=60)


async def test_a_failed_group_s_child_stack_is_deleted_with_its_parent(
    engine_services: EngineServices, ctx: RequestContext
) -> None:
    template = {
        "heat_template_version": "2021-04-16",
        "resources": {
            "group": {
                "type": "OS::Heat::ResourceGroup",
                "properties": {
                    "count": 2,
                    "resource_def": {"type": "OS::Heat::TestResource", "properties": {"fail": True}},
                },
            }
        },
    }
    client = engine_services.client
    identity = await client.create_stack(ctx, "failedgroup", template)
    stack = await engine_services.wait_for_status(ctx, identity, DONE)
    assert stack["stack_status"] == "FAILED"
    children = await client.list_stacks(ctx, show_nested=True, filters={"owner_id": identity["stack_id"]})
    assert len(children) == 1
    await client.delete_stack(ctx, identity)
    await engine_services.wait_for_status(ctx, identity, {"DELETE_COMPLETE"}, timeout=60)
    child = (await client.show_stack(ctx, children[0]["stack_identity"]))[0]
    assert (child["stack_action"], child["stack_status"]) == ("DELETE", "COMPLETE")


async def test_nested_resources_name_their_child_and_children_inherit_the_timeout(
    engine_services: EngineServices, ctx: RequestContext
) -> None:
    client = engine_services.client
    identity = await client.create_stack(ctx, "linked", GROUP, args={"timeout_mins": 7})
    await engine_services.wait_for_status(ctx, identity, DONE)
    (group,) = await client.list_stack_resources(ctx, identity)
    child = group["nested_stack_id"]
    assert child["stack_id"] == group["physical_resource_id"] and child["stack_name"].startswith(
        "linked-group-"
    )
    shown = await client.describe_stack_resource(ctx, identity, "group")
    assert shown["nested_stack_id"] == child
    (child_stack,) = await client.show_stack(ctx, child)
    assert child_stack["timeout_mins"] == 7
    await client.delete_stack(ctx, identity)
    await engine_services.wait_for_status(ctx, identity, {"DELETE_COMPLETE"})
