"""AutoScalingGroup and ScalingPolicy over the real bus: signals resize the group's nested stack."""

from __future__ import annotations

from typing import Any

import pytest

from shared.context import RequestContext
from shared.exceptions import BadRequest, StackValidationFailed
from tests.integration.engine.conftest import EngineServices


def scaling(policies: dict[str, dict[str, Any]], **group: Any) -> dict[str, Any]:
    resources: dict[str, Any] = {
        "group": {
            "type": "OS::Heat::AutoScalingGroup",
            "properties": {"min_size": 1, "max_size": 3, "resource": {"type": "OS::Heat::None"}, **group},
        },
        "other": {"type": "OS::Heat::None"},
    }
    for name, props in policies.items():
        resources[name] = {
            "type": "OS::Heat::ScalingPolicy",
            "properties": {"auto_scaling_group_id": {"get_resource": "group"}, **props},
        }
    return {
        "heat_template_version": "2021-04-16",
        "resources": resources,
        "outputs": {"size": {"value": {"get_attr": ["group", "current_size"]}}},
    }


async def _size(services: EngineServices, ctx: RequestContext, identity: Any) -> int:
    size: int = (await services.client.show_output(ctx, identity, "size"))["output_value"]
    return size


async def test_policies_resize_within_bounds_and_cooldown_holds_them(
    engine_services: EngineServices, ctx: RequestContext
) -> None:
    client = engine_services.client
    template = scaling(
        {
            "up": {"adjustment_type": "change_in_capacity", "scaling_adjustment": 5, "cooldown": 3600},
            "exact": {"adjustment_type": "exact_capacity", "scaling_adjustment": 1},
            "half": {"adjustment_type": "percent_change_in_capacity", "scaling_adjustment": -10},
        }
    )
    identity = await client.create_stack(ctx, "scaling", template)
    await engine_services.wait_for_status(ctx, identity, {"CREATE_COMPLETE"})
    assert await _size(engine_services, ctx, identity) == 1  # min_size without desired_capacity

    await client.resource_signal(ctx, identity, "up", {})
    assert await _size(engine_services, ctx, identity) == 3  # +5 stops at max_size
    await client.resource_signal(ctx, identity, "exact", {})
    assert await _size(engine_services, ctx, identity) == 1
    await client.resource_signal(ctx, identity, "up", {})  # cooling down: nothing happens
    assert await _size(engine_services, ctx, identity) == 1
    await client.resource_signal(ctx, identity, "half", {"previous": "alarm", "current": "ok", "reason": "x"})
    assert await _size(engine_services, ctx, identity) == 1
    events = await client.list_events(
        ctx, identity, filters={"resource_name": "group", "resource_action": "SIGNAL"}, sort_dir="asc"
    )
    assert [e["resource_status_reason"] for e in events] == [
        "Scaling by change_in_capacity 5: 3 members",
        "Scaling by exact_capacity 1: 1 members",
    ]
    policy_events = await client.list_events(ctx, identity, filters={"resource_name": "up"}, sort_dir="asc")
    assert [e["resource_action"] for e in policy_events].count("SIGNAL") == 1  # the no-op left none


async def test_a_policy_on_something_else_and_bad_bounds_are_refused(
    engine_services: EngineServices, ctx: RequestContext
) -> None:
    client = engine_services.client
    template = scaling({"wrong": {"adjustment_type": "change_in_capacity", "scaling_adjustment": 1}})
    template["resources"]["wrong"]["properties"]["auto_scaling_group_id"] = {"get_resource": "other"}
    identity = await client.create_stack(ctx, "wrongpolicy", template)
    await engine_services.wait_for_status(ctx, identity, {"CREATE_COMPLETE"})
    with pytest.raises(BadRequest, match="is not an OS::Heat::AutoScalingGroup"):
        await client.resource_signal(ctx, identity, "wrong", {})
    detail = await client.describe_stack_resource(ctx, identity, "wrong")
    assert detail["metadata"] == {"scaling_in_progress": False}
    with pytest.raises(StackValidationFailed, match="min_size can not be greater than max_size"):
        await client.create_stack(ctx, "badbounds", scaling({}, min_size=4))


def _valued_group(value: str, **props: Any) -> dict[str, Any]:
    return {
        "heat_template_version": "2021-04-16",
        "resources": {
            "group": {
                "type": "OS::Heat::AutoScalingGroup",
                "properties": {
                    "min_size": 1,
                    "max_size": 5,
                    "desired_capacity": 3,
                    "resource": {"type": "OS::Heat::Value", "properties": {"value": value}},
                    **props,
                },
            }
        },
        "outputs": {"values": {"value": {"get_attr": ["group", "outputs_list", "value"]}}},
    }


async def _child_history(services: EngineServices, ctx: RequestContext, identity: Any) -> list[str]:
    rows = {r["resource_name"]: r for r in await services.client.list_stack_resources(ctx, identity)}
    child = {"stack_name": None, "stack_id": rows["group"]["physical_resource_id"]}
    events = await services.client.list_events(ctx, child, sort_dir="asc")
    return [
        f"{'stack' if e['resource_name'] == e['stack_name'] else 'member'} {e['resource_action']}"
        for e in events
        if e["resource_status"] == "COMPLETE" and e["resource_action"] != "CREATE"
    ]


@pytest.mark.parametrize(
    ("policy", "history"),
    [
        # Heat's default policy: one member at a time, nothing kept in service.
        ({}, ["member UPDATE", "stack UPDATE"] * 3),
        # All three kept in service: a new member first, two renewed, the oldest removed at the end.
        (
            {"rolling_updates": {"max_batch_size": 1, "min_in_service": 3}},
            [
                *("stack UPDATE", "member UPDATE", "stack UPDATE", "member UPDATE", "stack UPDATE"),
                *("member DELETE", "stack UPDATE"),
            ],
        ),
    ],
)
async def test_a_changed_definition_rolls_through_the_members(
    engine_services: EngineServices, ctx: RequestContext, policy: dict[str, Any], history: list[str]
) -> None:
    client = engine_services.client
    identity = await client.create_stack(ctx, "rolling", _valued_group("old", **policy))
    await engine_services.wait_for_status(ctx, identity, {"CREATE_COMPLETE"})
    await client.update_stack(ctx, identity, _valued_group("new", **policy))
    stack = await engine_services.wait_for_status(ctx, identity, {"UPDATE_COMPLETE", "UPDATE_FAILED"})
    assert stack["stack_status"] == "COMPLETE", stack["stack_status_reason"]
    assert (await client.show_output(ctx, identity, "values"))["output_value"] == ["new"] * 3
    assert await _child_history(engine_services, ctx, identity) == history


async def test_a_shrinking_group_removes_its_oldest_members(
    engine_services: EngineServices, ctx: RequestContext
) -> None:
    client = engine_services.client
    identity = await client.create_stack(ctx, "shrink", _valued_group("v"))
    await engine_services.wait_for_status(ctx, identity, {"CREATE_COMPLETE"})
    rows = {r["resource_name"]: r for r in await client.list_stack_resources(ctx, identity)}
    child = {"stack_name": None, "stack_id": rows["group"]["physical_resource_id"]}
    first = {r["resource_name"] for r in await client.list_stack_resources(ctx, child)}
    await client.update_stack(ctx, identity, _valued_group("v", desired_capacity=4))
    await engine_services.wait_for_status(ctx, identity, {"UPDATE_COMPLETE"})
    newest = {r["resource_name"] for r in await client.list_stack_resources(ctx, child)} - first
    assert len(newest) == 1
    await client.update_stack(ctx, identity, _valued_group("v", desired_capacity=1))
    await engine_services.wait_for_status(ctx, identity, {"UPDATE_COMPLETE"})
    assert {r["resource_name"] for r in await client.list_stack_resources(ctx, child)} == newest
