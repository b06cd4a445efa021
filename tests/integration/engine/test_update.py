"""Stack update, preview and cancel over the real bus: every kind of change, rollback, PATCH, refusals."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from shared.context import RequestContext
from shared.exceptions import (
    ImmutableParameterModified,
    NotSupported,
    PlanStale,
    ResourceActionRestricted,
    StackValidationFailed,
)
from tests.integration.engine.conftest import EngineServices

UPDATED = {"UPDATE_COMPLETE", "UPDATE_FAILED", "ROLLBACK_COMPLETE", "ROLLBACK_FAILED"}


def tmpl(resources: dict[str, Any], **sections: Any) -> dict[str, Any]:
    return {"heat_template_version": "2021-04-16", "resources": resources, **sections}


def tr(value: str = "a", **props: Any) -> dict[str, Any]:
    return {"type": "OS::Heat::TestResource", "properties": {"value": value, **props}}


async def _created(services: EngineServices, ctx: RequestContext, template: dict[str, Any], **kw: Any) -> Any:
    identity = await services.client.create_stack(ctx, "upd", template, **kw)
    await services.wait_for_status(ctx, identity, {"CREATE_COMPLETE"})
    return identity


async def _resources(
    services: EngineServices, ctx: RequestContext, identity: Any
) -> dict[str, dict[str, Any]]:
    return {r["resource_name"]: r for r in await services.client.list_stack_resources(ctx, identity)}


async def _events_of(services: EngineServices, ctx: RequestContext, identity: Any, name: str) -> list[str]:
    events = await services.client.list_events(ctx, identity, filters={"resource_name": name}, sort_dir="asc")
    return [f"{e['resource_action']}_{e['resource_status']}" for e in events]


async def test_every_kind_of_change_in_one_update(
    engine_services: EngineServices, ctx: RequestContext
) -> None:
    before = tmpl(
        {
            "kept": tr("k"),
            "changed": tr("c1"),
            "replaced": {"type": "OS::Heat::RandomString", "properties": {"length": 8}},
            "removed": tr("r"),
            "user": tr(value={"get_resource": "replaced"}),
        }
    )
    identity = await _created(engine_services, ctx, before)
    old = await _resources(engine_services, ctx, identity)
    after = tmpl(
        {
            "kept": tr("k"),
            "changed": tr("c2"),
            "replaced": {"type": "OS::Heat::RandomString", "properties": {"length": 12}},
            "added": tr("n"),
            "user": tr(value={"get_resource": "replaced"}),
        },
        outputs={"secret": {"value": {"get_attr": ["replaced", "value"]}}},
    )
    preview = await engine_services.client.preview_update_stack(ctx, identity, after)
    names = {key: sorted(r["resource_name"] for r in items) for key, items in preview.items()}
    assert names == {
        "unchanged": ["kept"],
        "updated": ["changed", "user"],
        "replaced": ["replaced"],
        "added": ["added"],
        "deleted": ["removed"],
    }
    assert (await engine_services.client.show_stack(ctx, identity))[0]["stack_status"] == "COMPLETE"

    await engine_services.client.update_stack(ctx, identity, after)
    stack = await engine_services.wait_for_status(ctx, identity, UPDATED)
    assert (stack["stack_action"], stack["stack_status"]) == ("UPDATE", "COMPLETE"), stack[
        "stack_status_reason"
    ]
    assert stack["stack_status_reason"] == "Stack UPDATE completed successfully"
    new = await _resources(engine_services, ctx, identity)
    assert sorted(new) == ["added", "changed", "kept", "replaced", "user"]
    assert new["kept"]["physical_resource_id"] == old["kept"]["physical_resource_id"]
    assert new["changed"]["physical_resource_id"] == old["changed"]["physical_resource_id"]
    assert new["changed"]["resource_action"] == "UPDATE"
    assert new["replaced"]["physical_resource_id"] != old["replaced"]["physical_resource_id"]
    assert len(stack["outputs"][0]["output_value"]) == 12
    assert await _events_of(engine_services, ctx, identity, "kept") == [
        "CREATE_IN_PROGRESS",
        "CREATE_COMPLETE",
    ]
    assert (await _events_of(engine_services, ctx, identity, "removed"))[-1] == "DELETE_COMPLETE"
    replaced_events = await _events_of(engine_services, ctx, identity, "replaced")
    assert replaced_events.count("CREATE_COMPLETE") == 2 and replaced_events[-1] == "DELETE_COMPLETE"
    detail = await engine_services.client.describe_stack_resource(ctx, identity, "user")
    assert detail["properties"]["value"] == stack["outputs"][0]["output_value"]  # moved on to the new one
    await engine_services.client.delete_stack(ctx, identity)
    await engine_services.wait_for_status(ctx, identity, {"DELETE_COMPLETE"})


async def test_an_update_with_nothing_changed_writes_no_resource_event(
    engine_services: EngineServices, ctx: RequestContext
) -> None:
    template = tmpl({f"r{i}": tr(str(i)) for i in range(5)})
    identity = await _created(engine_services, ctx, template)
    count = len(await engine_services.client.list_events(ctx, identity, sort_dir="asc"))
    await engine_services.client.update_stack(ctx, identity, template)
    await engine_services.wait_for_status(ctx, identity, {"UPDATE_COMPLETE"})
    events = await engine_services.client.list_events(ctx, identity, sort_dir="asc")
    assert len(events) == count + 2  # the stack's UPDATE_IN_PROGRESS and UPDATE_COMPLETE only


async def test_a_failed_update_rolls_back_to_the_previous_template(
    engine_services: EngineServices, ctx: RequestContext
) -> None:
    before = tmpl({"a": tr("one"), "b": tr("keep")})
    identity = await _created(engine_services, ctx, before, args={"disable_rollback": False})
    old = await _resources(engine_services, ctx, identity)
    after = tmpl(
        {
            "a": tr("two", update_replace=True),
            "b": tr("keep"),
            "bad": tr("x", fail=True),
        }
    )
    await engine_services.client.update_stack(ctx, identity, after, args={"disable_rollback": False})
    stack = await engine_services.wait_for_status(ctx, identity, {"ROLLBACK_COMPLETE", "ROLLBACK_FAILED"})
    assert stack["stack_status"] == "COMPLETE", stack["stack_status_reason"]
    assert await engine_services.client.get_template(ctx, identity) == before
    rows = await _resources(engine_services, ctx, identity)
    assert sorted(rows) == ["a", "b"]
    assert rows["b"]["physical_resource_id"] == old["b"]["physical_resource_id"]
    detail = await engine_services.client.describe_stack_resource(ctx, identity, "a")
    assert detail["attributes"]["output"] == "one"
    events = await engine_services.client.list_events(
        ctx, identity, filters={"resource_name": "upd"}, sort_dir="asc"
    )
    states = [f"{e['resource_action']}_{e['resource_status']}" for e in events]
    assert states[-4:] == ["UPDATE_IN_PROGRESS", "UPDATE_FAILED", "ROLLBACK_IN_PROGRESS", "ROLLBACK_COMPLETE"]


async def test_an_update_repairs_a_failed_stack(engine_services: EngineServices, ctx: RequestContext) -> None:
    identity = await engine_services.client.create_stack(
        ctx, "broken", tmpl({"ok": tr("a"), "bad": tr("b", fail=True)})
    )
    await engine_services.wait_for_status(ctx, identity, {"CREATE_FAILED"})
    await engine_services.client.update_stack(ctx, identity, tmpl({"ok": tr("a"), "bad": tr("b")}))
    stack = await engine_services.wait_for_status(ctx, identity, UPDATED)
    assert stack["stack_status"] == "COMPLETE", stack["stack_status_reason"]
    rows = await _resources(engine_services, ctx, identity)
    assert {r["resource_status"] for r in rows.values()} == {"COMPLETE"}


async def test_patch_keeps_the_template_and_merges_parameters(
    engine_services: EngineServices, ctx: RequestContext
) -> None:
    template = tmpl(
        {"r": tr(value={"get_param": "v"})},
        parameters={"v": {"type": "string", "default": "dflt"}, "w": {"type": "string", "default": "w0"}},
    )
    identity = await _created(
        engine_services, ctx, template, params={"parameters": {"v": "first", "w": "w1"}}
    )
    await engine_services.client.update_stack(
        ctx, identity, None, params={"parameters": {"w": "w2"}}, args={"existing": True}
    )
    stack = await engine_services.wait_for_status(ctx, identity, UPDATED)
    assert stack["parameters"]["v"] == "first" and stack["parameters"]["w"] == "w2"
    await engine_services.client.update_stack(
        ctx, identity, None, args={"existing": True, "clear_parameters": ["v"]}
    )
    stack = await engine_services.wait_for_status(ctx, identity, {"UPDATE_COMPLETE"})
    await asyncio.sleep(0)
    assert stack["parameters"]["v"] == "dflt"
    detail = await engine_services.client.describe_stack_resource(ctx, identity, "r")
    assert detail["attributes"]["output"] == "dflt"


async def test_refusals_change_nothing(engine_services: EngineServices, ctx: RequestContext) -> None:
    template = tmpl(
        {"r": tr(value={"get_param": "v"})},
        parameters={"v": {"type": "string", "default": "a", "immutable": True}},
    )
    identity = await _created(engine_services, ctx, template)
    with pytest.raises(ImmutableParameterModified, match="v"):
        await engine_services.client.update_stack(ctx, identity, template, params={"parameters": {"v": "b"}})
    restricted = {"resource_registry": {"resources": {"r": {"restricted_actions": ["update"]}}}}
    changed = tmpl({"r": tr("other")})
    with pytest.raises(ResourceActionRestricted, match="update is restricted for resource r"):
        await engine_services.client.update_stack(ctx, identity, changed, params=restricted)
    with pytest.raises(StackValidationFailed, match=r"resources\.r\.properties"):
        await engine_services.client.update_stack(
            ctx, identity, tmpl({"r": {"type": "OS::Heat::RandomString", "properties": {"length": -1}}})
        )
    with pytest.raises(NotSupported, match="Cancelling update when stack is CREATE_COMPLETE"):
        await engine_services.client.stack_cancel_update(ctx, identity)
    stack = (await engine_services.client.show_stack(ctx, identity))[0]
    assert (stack["stack_action"], stack["stack_status"]) == ("CREATE", "COMPLETE")


async def test_cancel_update_rolls_back_and_cancel_without_rollback_stops(
    engine_services: EngineServices, ctx: RequestContext
) -> None:
    identity = await _created(engine_services, ctx, tmpl({"r": tr("a")}))
    slow = tmpl({"r": tr("b", action_wait_secs={"update": 60})})
    await engine_services.client.update_stack(ctx, identity, slow)
    await _wait_resource(engine_services, ctx, identity, "UPDATE_IN_PROGRESS")
    await engine_services.client.stack_cancel_update(ctx, identity)
    stack = await engine_services.wait_for_status(ctx, identity, {"ROLLBACK_COMPLETE", "ROLLBACK_FAILED"})
    assert stack["stack_status"] == "COMPLETE", stack["stack_status_reason"]
    detail = await engine_services.client.describe_stack_resource(ctx, identity, "r")
    assert detail["attributes"]["output"] == "a"

    await engine_services.client.update_stack(ctx, identity, slow)
    await _wait_resource(engine_services, ctx, identity, "UPDATE_IN_PROGRESS")
    await engine_services.client.stack_cancel_update(ctx, identity, cancel_with_rollback=False)
    stack = await engine_services.wait_for_status(ctx, identity, {"UPDATE_FAILED"})
    assert "cancelled" in stack["stack_status_reason"]


async def _wait_resource(services: EngineServices, ctx: RequestContext, identity: Any, state: str) -> None:
    for _ in range(200):
        rows = await services.client.list_stack_resources(ctx, identity)
        if any(f"{r['resource_action']}_{r['resource_status']}" == state for r in rows):
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"no resource reached {state}")


def _group(count: int, value: str = "m-%index%", **props: Any) -> dict[str, Any]:
    return tmpl(
        {
            "group": {
                "type": "OS::Heat::ResourceGroup",
                "properties": {
                    "count": count,
                    "resource_def": {"type": "OS::Heat::TestResource", "properties": {"value": value}},
                    **props,
                },
            }
        },
        outputs={"values": {"value": {"get_attr": ["group", "output"]}}},
    )


async def _members(services: EngineServices, ctx: RequestContext, identity: Any) -> dict[str, str]:
    rows = await services.client.list_stack_resources(ctx, identity, nested_depth=1)
    return {r["resource_name"]: r["physical_resource_id"] for r in rows if r["resource_name"] != "group"}


async def test_a_resource_group_grows_shrinks_and_changes_members_by_nested_update(
    engine_services: EngineServices, ctx: RequestContext
) -> None:
    identity = await _created(engine_services, ctx, _group(2))
    group_id = (await _resources(engine_services, ctx, identity))["group"]["physical_resource_id"]
    first = await _members(engine_services, ctx, identity)

    await engine_services.client.update_stack(ctx, identity, _group(4))
    stack = await engine_services.wait_for_status(ctx, identity, UPDATED)
    assert stack["stack_status"] == "COMPLETE", stack["stack_status_reason"]
    assert stack["outputs"][0]["output_value"] == ["m-0", "m-1", "m-2", "m-3"]
    grown = await _members(engine_services, ctx, identity)
    assert {k: grown[k] for k in first} == first  # the existing members were kept
    assert (await _resources(engine_services, ctx, identity))["group"]["physical_resource_id"] == group_id

    policies = [{"resource_list": ["1"]}]
    await engine_services.client.update_stack(
        ctx, identity, _group(2, "v-%index%", removal_policies=policies)
    )
    stack = await engine_services.wait_for_status(ctx, identity, {"UPDATE_COMPLETE", "UPDATE_FAILED"})
    assert stack["stack_status"] == "COMPLETE", stack["stack_status_reason"]
    assert stack["outputs"][0]["output_value"] == ["v-0", "v-2"]
    shrunk = await _members(engine_services, ctx, identity)
    assert sorted(shrunk) == ["0", "2"] and shrunk["0"] == first["0"]  # updated in place, "1" removed


PROVIDED = """
heat_template_version: 2021-04-16
parameters:
  word: {type: string}
resources:
  inner: {type: OS::Heat::TestResource, properties: {value: {get_param: word}}}
outputs:
  said: {value: {get_attr: [inner, output]}}
"""


async def test_a_provider_template_resource_updates_its_nested_stack(
    engine_services: EngineServices, ctx: RequestContext
) -> None:
    def body(word: str) -> dict[str, Any]:
        return tmpl(
            {"box": {"type": "My::Box", "properties": {"word": word}}},
            outputs={"said": {"value": {"get_attr": ["box", "said"]}}},
        )

    env = {"resource_registry": {"My::Box": "box.yaml"}}
    files = {"box.yaml": PROVIDED}
    identity = await _created(engine_services, ctx, body("one"), params=env, files=files)
    box = (await _resources(engine_services, ctx, identity))["box"]["physical_resource_id"]
    await engine_services.client.update_stack(ctx, identity, body("two"), params=env, files=files)
    stack = await engine_services.wait_for_status(ctx, identity, UPDATED)
    assert stack["stack_status"] == "COMPLETE", stack["stack_status_reason"]
    assert stack["outputs"][0]["output_value"] == "two"
    assert (await _resources(engine_services, ctx, identity))["box"]["physical_resource_id"] == box
    changed = {"box.yaml": PROVIDED + "  extra: {value: 1}\n"}
    preview = await engine_services.client.preview_update_stack(
        ctx, identity, body("two"), params=env, files=changed
    )
    assert [r["resource_name"] for r in preview["updated"]] == ["box"]  # same properties, new template


async def test_a_binding_preview_plan_is_done_exactly_or_refused(
    engine_services: EngineServices, ctx: RequestContext
) -> None:
    identity = await _created(engine_services, ctx, tmpl({"r": tr("a")}))
    change = tmpl({"r": tr("b")})
    preview = await engine_services.client.preview_update_stack(
        ctx, identity, change, args={"with_plan_id": True}
    )
    plan_id = preview["plan_id"]
    again = await engine_services.client.preview_update_stack(
        ctx, identity, change, args={"with_plan_id": True}
    )
    assert again["plan_id"] == plan_id  # the same stack and request: the same plan
    with pytest.raises(PlanStale):  # another request than the one previewed
        await engine_services.client.update_stack(
            ctx, identity, tmpl({"r": tr("c")}), args={"plan_id": plan_id}
        )
    await engine_services.client.update_stack(ctx, identity, change, args={"plan_id": plan_id})
    await engine_services.wait_for_status(ctx, identity, {"UPDATE_COMPLETE"})
    with pytest.raises(PlanStale, match="changed since plan"):  # the stack moved on since the preview
        await engine_services.client.update_stack(ctx, identity, change, args={"plan_id": plan_id})


async def test_a_second_update_supersedes_one_in_progress(
    engine_services: EngineServices, ctx: RequestContext
) -> None:
    def body(value: str, wait: float) -> dict[str, Any]:
        return tmpl(
            {
                "first": tr(value, action_wait_secs={"update": wait}),
                "second": {
                    "type": "OS::Heat::TestResource",
                    "properties": {"value": {"get_attr": ["first", "output"]}},
                },
            }
        )

    identity = await _created(engine_services, ctx, body("one", 0))
    await engine_services.client.update_stack(ctx, identity, body("two", 2))
    await _wait_resource(engine_services, ctx, identity, "UPDATE_IN_PROGRESS")
    await engine_services.client.update_stack(ctx, identity, body("three", 0))
    stack = await engine_services.wait_for_status(ctx, identity, {"UPDATE_COMPLETE", "UPDATE_FAILED"})
    assert stack["stack_status"] == "COMPLETE", stack["stack_status_reason"]
    detail = await engine_services.client.describe_stack_resource(ctx, identity, "second")
    assert detail["attributes"]["output"] == "three"
    # The superseded update never reached "second": it started nothing new once halted.
    events = await engine_services.client.list_events(
        ctx, identity, filters={"resource_name": "second"}, sort_dir="asc"
    )
    assert [e["resource_action"] for e in events].count("UPDATE") == 2  # one IN_PROGRESS + COMPLETE
    states = await engine_services.client.list_events(
        ctx, identity, filters={"resource_name": "upd"}, sort_dir="asc"
    )
    assert not any(e["resource_status"] == "FAILED" for e in states)


async def test_a_rolling_update_moves_group_members_a_batch_at_a_time(
    engine_services: EngineServices, ctx: RequestContext
) -> None:
    rolling = {"rolling_update": {"max_batch_size": 1, "min_in_service": 1, "pause_time": 0}}

    def group(value: str) -> dict[str, Any]:
        body = _group(3, value)
        body["resources"]["group"]["update_policy"] = rolling
        return body

    identity = await _created(engine_services, ctx, group("a-%index%"))
    await engine_services.client.update_stack(ctx, identity, group("b-%index%"))
    stack = await engine_services.wait_for_status(ctx, identity, UPDATED)
    assert stack["stack_status"] == "COMPLETE", stack["stack_status_reason"]
    assert stack["outputs"][0]["output_value"] == ["b-0", "b-1", "b-2"]
    group_id = (await _resources(engine_services, ctx, identity))["group"]["physical_resource_id"]
    child = {"stack_name": "", "stack_id": group_id}
    events = await engine_services.client.list_events(ctx, {**child, "stack_name": None}, sort_dir="asc")
    updates = [
        e["resource_name"]
        for e in events
        if e["resource_name"] != e["stack_name"]
        and (e["resource_action"], e["resource_status"]) == ("UPDATE", "COMPLETE")
    ]
    assert updates == ["0", "1", "2"]  # one member per batch, in index order
    batches = [
        e
        for e in events
        if e["resource_name"] == e["stack_name"]
        and e["resource_status"] == "COMPLETE"
        and e["resource_action"] == "UPDATE"
    ]
    assert len(batches) == 3  # one nested update per batch


async def test_batch_create_grows_a_group_a_batch_at_a_time(
    engine_services: EngineServices, ctx: RequestContext
) -> None:
    body = _group(5)
    body["resources"]["group"]["update_policy"] = {"batch_create": {"max_batch_size": 2, "pause_time": 0}}
    identity = await _created(engine_services, ctx, body)
    stack = (await engine_services.client.show_stack(ctx, identity))[0]
    assert stack["outputs"][0]["output_value"] == ["m-0", "m-1", "m-2", "m-3", "m-4"]
    group_id = (await _resources(engine_services, ctx, identity))["group"]["physical_resource_id"]
    events = await engine_services.client.list_events(
        ctx, {"stack_name": None, "stack_id": group_id}, sort_dir="asc"
    )
    child = [
        f"{e['resource_action']}_{e['resource_status']}"
        for e in events
        if e["resource_name"] == e["stack_name"] and e["resource_status"] == "COMPLETE"
    ]
    assert child == ["CREATE_COMPLETE", "UPDATE_COMPLETE", "UPDATE_COMPLETE"]  # 2 + 2 + 1 members


async def test_a_resource_whose_condition_turns_false_is_deleted(
    engine_services: EngineServices, ctx: RequestContext
) -> None:
    template = tmpl(
        {"always": tr("a"), "maybe": {**tr("m"), "condition": "wanted"}},
        parameters={"want": {"type": "boolean", "default": True}},
        conditions={"wanted": {"get_param": "want"}},
    )
    identity = await _created(engine_services, ctx, template)
    assert sorted(await _resources(engine_services, ctx, identity)) == ["always", "maybe"]
    preview = await engine_services.client.preview_update_stack(
        ctx, identity, template, params={"parameters": {"want": False}}
    )
    assert [r["resource_name"] for r in preview["deleted"]] == ["maybe"]
    await engine_services.client.update_stack(ctx, identity, template, params={"parameters": {"want": False}})
    await engine_services.wait_for_status(ctx, identity, {"UPDATE_COMPLETE"})
    assert sorted(await _resources(engine_services, ctx, identity)) == ["always"]
    await engine_services.client.update_stack(ctx, identity, template, params={"parameters": {"want": True}})
    await engine_services.wait_for_status(ctx, identity, {"UPDATE_COMPLETE"})
    assert sorted(await _resources(engine_services, ctx, identity)) == ["always", "maybe"]


async def test_a_create_rolled_back_lists_no_resources_and_no_outputs(
    engine_services: EngineServices, ctx: RequestContext
) -> None:
    template = tmpl(
        {"ok": tr("a"), "bad": tr("b", fail=True)}, outputs={"out": {"value": {"get_attr": ["ok", "output"]}}}
    )
    identity = await engine_services.client.create_stack(
        ctx, "rb", template, args={"disable_rollback": False}
    )
    stack = await engine_services.wait_for_status(ctx, identity, {"ROLLBACK_COMPLETE", "ROLLBACK_FAILED"})
    assert stack["stack_status"] == "COMPLETE", stack["stack_status_reason"]
    assert stack["outputs"] == []
    assert await engine_services.client.list_stack_resources(ctx, identity) == []
    events = await engine_services.client.list_events(
        ctx, identity, filters={"resource_name": "ok"}, sort_dir="asc"
    )
    assert events[-1]["resource_action"] == "DELETE"  # the events stay


async def test_a_preview_with_show_nested_lists_the_nested_stacks_changes(
    engine_services: EngineServices, ctx: RequestContext
) -> None:
    identity = await _created(engine_services, ctx, _group(2))
    preview = await engine_services.client.preview_update_stack(
        ctx, identity, _group(3, "n-%index%"), args={"show_nested": True}
    )
    names = {
        key: sorted((r.get("parent_resource") or "", r["resource_name"]) for r in items)
        for key, items in preview.items()
    }
    assert names["updated"] == [("", "group"), ("group", "0"), ("group", "1")]
    assert names["added"] == [("group", "2")]
    plain = await engine_services.client.preview_update_stack(ctx, identity, _group(3, "n-%index%"))
    assert [r["resource_name"] for r in plain["updated"]] == ["group"] and plain["added"] == []
