"""Suspend, resume, check, mark-unhealthy and signal over the real bus."""

from __future__ import annotations

from typing import Any

import pytest

from shared.context import RequestContext
from shared.exceptions import BadRequest, NotFound, NotSupported
from tests.integration.engine.conftest import EngineServices


def tmpl(resources: dict[str, Any]) -> dict[str, Any]:
    return {"heat_template_version": "2021-04-16", "resources": resources}


async def _states(services: EngineServices, ctx: RequestContext, identity: Any) -> dict[str, str]:
    rows = await services.client.list_stack_resources(ctx, identity)
    return {r["resource_name"]: f"{r['resource_action']}_{r['resource_status']}" for r in rows}


async def test_suspend_resume_and_check_walk_every_resource(
    engine_services: EngineServices, ctx: RequestContext
) -> None:
    client = engine_services.client
    template = tmpl(
        {
            "base": {"type": "OS::Heat::TestResource", "properties": {"action_wait_secs": {"suspend": 0.2}}},
            "top": {"type": "OS::Heat::TestResource", "properties": {"value": {"get_resource": "base"}}},
        }
    )
    identity = await client.create_stack(ctx, "acts", template)
    await engine_services.wait_for_status(ctx, identity, {"CREATE_COMPLETE"})
    with pytest.raises(NotSupported, match="Resume of a stack in state CREATE_COMPLETE"):
        await client.stack_resume(ctx, identity)

    await client.stack_suspend(ctx, identity)
    stack = await engine_services.wait_for_status(ctx, identity, {"SUSPEND_COMPLETE", "SUSPEND_FAILED"})
    assert stack["stack_status_reason"] == "Stack SUSPEND completed successfully"
    assert await _states(engine_services, ctx, identity) == {
        "base": "SUSPEND_COMPLETE",
        "top": "SUSPEND_COMPLETE",
    }
    events = await client.list_events(
        ctx, identity, filters={"resource_status": "COMPLETE", "resource_action": "SUSPEND"}, sort_dir="asc"
    )
    assert [e["resource_name"] for e in events][:2] == ["top", "base"]  # reverse dependency order

    await client.stack_resume(ctx, identity)
    await engine_services.wait_for_status(ctx, identity, {"RESUME_COMPLETE"})
    await client.stack_check(ctx, identity)
    await engine_services.wait_for_status(ctx, identity, {"CHECK_COMPLETE"})
    assert await _states(engine_services, ctx, identity) == {
        "base": "CHECK_COMPLETE",
        "top": "CHECK_COMPLETE",
    }

    await client.resource_mark_unhealthy(ctx, identity, "top", True, "broken by hand")
    detail = await client.describe_stack_resource(ctx, identity, "top")
    assert (detail["resource_status"], detail["resource_status_reason"]) == ("FAILED", "broken by hand")
    await client.resource_mark_unhealthy(ctx, identity, "top", False)
    assert (await _states(engine_services, ctx, identity))["top"] == "CHECK_COMPLETE"

    with pytest.raises(BadRequest, match="does not take signals"):
        await client.resource_signal(ctx, identity, "top", {"status": "SUCCESS"})
    await client.delete_stack(ctx, identity)
    await engine_services.wait_for_status(ctx, identity, {"DELETE_COMPLETE"})


async def test_abandon_then_adopt_takes_the_same_resources_back(
    engine_services: EngineServices, ctx: RequestContext
) -> None:
    client = engine_services.client
    template = tmpl(
        {
            "word": {"type": "OS::Heat::RandomString", "properties": {"length": 10}},
            "group": {
                "type": "OS::Heat::ResourceGroup",
                "properties": {"count": 2, "resource_def": {"type": "OS::Heat::TestResource"}},
            },
        }
    )
    identity = await client.create_stack(ctx, "abandoned", template)
    await engine_services.wait_for_status(ctx, identity, {"CREATE_COMPLETE"})
    before = {
        r["resource_name"]: r["physical_resource_id"]
        for r in await client.list_stack_resources(ctx, identity, nested_depth=1)
    }
    secret = (await client.describe_stack_resource(ctx, identity, "word"))["attributes"]["value"]

    data = await client.abandon_stack(ctx, identity)
    assert data["id"] == identity["stack_id"] and data["template"] == template
    assert data["resources"]["word"]["resource_data"]["value"] == secret
    assert sorted(data["resources"]["group"]["resources"]) == ["0", "1"]  # the nested stack's, inside
    assert await client.list_stacks(ctx, show_nested=True) == []  # gone from Ember, nested stack too

    adopted = await client.create_stack(ctx, "adopted", {}, args={"adopt_stack_data": data})
    stack = await engine_services.wait_for_status(ctx, adopted, {"ADOPT_COMPLETE", "ADOPT_FAILED"})
    assert stack["stack_status"] == "COMPLETE", stack["stack_status_reason"]
    rows = await client.list_stack_resources(ctx, adopted, nested_depth=1)
    after = {r["resource_name"]: r["physical_resource_id"] for r in rows}
    assert {k: v for k, v in after.items() if k != "group"} == {
        k: v for k, v in before.items() if k != "group"
    }
    assert {r["resource_action"] for r in rows} == {"ADOPT"}
    assert (await client.describe_stack_resource(ctx, adopted, "word"))["attributes"]["value"] == secret
    await client.delete_stack(ctx, adopted)
    await engine_services.wait_for_status(ctx, adopted, {"DELETE_COMPLETE"})


async def test_snapshot_then_restore_moves_the_stack_back(
    engine_services: EngineServices, ctx: RequestContext
) -> None:
    client = engine_services.client

    def body(value: str, extra: bool = False) -> dict[str, Any]:
        resources: dict[str, Any] = {"r": {"type": "OS::Heat::TestResource", "properties": {"value": value}}}
        if extra:
            resources["more"] = {"type": "OS::Heat::None"}
        return tmpl(resources)

    identity = await client.create_stack(ctx, "snapped", body("one"))
    await engine_services.wait_for_status(ctx, identity, {"CREATE_COMPLETE"})
    snapshot = await client.stack_snapshot(ctx, identity, "first")
    assert (snapshot["name"], snapshot["status"]) == ("first", "IN_PROGRESS")
    await engine_services.wait_for_status(ctx, identity, {"SNAPSHOT_COMPLETE"})
    shown = await client.show_snapshot(ctx, identity, snapshot["id"])
    assert shown["status"] == "COMPLETE" and shown["data"]["template"] == body("one")
    assert [s["id"] for s in await client.stack_list_snapshots(ctx, identity)] == [snapshot["id"]]

    await client.update_stack(ctx, identity, body("two", extra=True))
    await engine_services.wait_for_status(ctx, identity, {"UPDATE_COMPLETE"})
    await client.stack_restore(ctx, identity, snapshot["id"])
    stack = await engine_services.wait_for_status(ctx, identity, {"RESTORE_COMPLETE", "RESTORE_FAILED"})
    assert stack["stack_status"] == "COMPLETE", stack["stack_status_reason"]
    assert await client.get_template(ctx, identity) == body("one")
    assert [r["resource_name"] for r in await client.list_stack_resources(ctx, identity)] == ["r"]
    assert (await client.describe_stack_resource(ctx, identity, "r"))["attributes"]["output"] == "one"

    other = await client.create_stack(ctx, "other", body("x"))
    await engine_services.wait_for_status(ctx, other, {"CREATE_COMPLETE"})
    with pytest.raises(NotFound):  # a snapshot belongs to its stack only
        await client.show_snapshot(ctx, other, snapshot["id"])
    await client.delete_snapshot(ctx, identity, snapshot["id"])
    assert await client.stack_list_snapshots(ctx, identity) == []
    with pytest.raises(NotFound):
        await client.stack_restore(ctx, identity, snapshot["id"])


async def test_engines_heartbeat_and_list_services_is_for_operators(
    engine_services: EngineServices, ctx: RequestContext
) -> None:
    from shared.exceptions import Forbidden

    with pytest.raises(Forbidden):
        await engine_services.client.list_services(ctx)
    other = await engine_services.start_engine(heartbeat_interval=0.2)
    try:
        services = {
            s["engine_id"]: s for s in await engine_services.client.list_services(RequestContext.admin())
        }
        assert services[other.engine_id]["status"] == "up"
        assert services[other.engine_id]["binary"] == "ember-engine"
        assert engine_services.engine.engine_id in services
    finally:
        await other.stop()
    after = {s["engine_id"] for s in await engine_services.client.list_services(RequestContext.admin())}
    assert other.engine_id not in after  # a clean stop removes it from the list
