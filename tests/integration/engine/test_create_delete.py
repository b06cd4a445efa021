"""create_stack -> CREATE_COMPLETE -> delete_stack -> DELETE_COMPLETE over the real bus and store."""

from __future__ import annotations

from typing import Any

from shared.context import RequestContext
from tests.integration.engine.conftest import EngineServices

SIMPLE = {
    "heat_template_version": "2018-08-31",
    "parameters": {"length": {"type": "number", "default": 8}},
    "resources": {
        "none": {"type": "OS::Heat::None"},
        "value": {"type": "OS::Heat::Value", "properties": {"value": {"get_resource": "none"}}},
        "random": {"type": "OS::Heat::RandomString", "properties": {"length": {"get_param": "length"}}},
    },
    "outputs": {
        "ref": {"value": {"get_attr": ["value", "value"]}},
        "random": {"value": {"get_attr": ["random", "value"]}, "description": "the random string"},
    },
}


async def test_create_then_delete_simple_stack(engine_services: EngineServices, ctx: RequestContext) -> None:
    client = engine_services.client
    identity = await client.create_stack(ctx, "simple", SIMPLE, params={"parameters": {"length": 12}})
    assert identity["stack_name"] == "simple" and identity["tenant"] == ctx.project_id
    stack = await engine_services.wait_for_status(ctx, identity, {"CREATE_COMPLETE", "CREATE_FAILED"})
    assert stack["stack_status_reason"] == "Stack CREATE completed successfully", stack
    outputs = {o["output_key"]: o["output_value"] for o in stack["outputs"]}
    assert len(outputs["random"]) == 12
    resources = {r["resource_name"]: r for r in await client.list_stack_resources(ctx, identity)}
    assert outputs["ref"] == resources["none"]["physical_resource_id"]
    assert all(r["resource_status"] == "COMPLETE" for r in resources.values())
    assert stack["parameters"]["length"] == "12"
    assert stack["parameters"]["OS::stack_id"] == identity["stack_id"]

    await client.delete_stack(ctx, identity)
    deleted = await engine_services.wait_for_status(ctx, identity, {"DELETE_COMPLETE", "DELETE_FAILED"})
    assert deleted["stack_status_reason"] == "Stack DELETE completed successfully"
    events = await client.list_events(ctx, identity, sort_dir="asc")
    stack_events = [
        (e["resource_action"], e["resource_status"]) for e in events if e["resource_name"] == "simple"
    ]
    assert stack_events == [
        ("CREATE", "IN_PROGRESS"),
        ("CREATE", "COMPLETE"),
        ("DELETE", "IN_PROGRESS"),
        ("DELETE", "COMPLETE"),
    ]


def _names(events: list[dict[str, Any]], status: str) -> list[str]:
    return [
        e["resource_name"]
        for e in events
        if e["resource_status"] == status and e["resource_action"] == "CREATE"
    ]
