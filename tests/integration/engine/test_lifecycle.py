"""Parallelism, failure, rollback, timeout, dependency order, outputs and scoping, over the bus."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

import pytest

from shared.context import RequestContext
from shared.exceptions import (
    OutputNotFound,
    ResourceNotFound,
    StackExists,
    StackNotFound,
    StackValidationFailed,
)
from tests.integration.engine.conftest import EngineServices

DONE = {"CREATE_COMPLETE", "CREATE_FAILED", "ROLLBACK_COMPLETE", "ROLLBACK_FAILED"}


def tmpl(resources: dict[str, Any], outputs: dict[str, Any] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"heat_template_version": "2021-04-16", "resources": resources}
    if outputs:
        body["outputs"] = outputs
    return body


def waiter(secs: float, **props: Any) -> dict[str, Any]:
    return {"type": "OS::Heat::TestResource", "properties": {"wait_secs": secs, **props}}


async def _events(
    services: EngineServices, ctx: RequestContext, identity: dict[str, Any]
) -> list[dict[str, Any]]:
    return await services.client.list_events(ctx, identity, sort_dir="asc")


def _times(events: list[dict[str, Any]], name: str, status: str, action: str = "CREATE") -> int:
    for index, event in enumerate(events):
        if (
            event["resource_name"] == name
            and event["resource_status"] == status
            and event["resource_action"] == action
        ):
            return index
    raise AssertionError(f"no {action}_{status} event for {name}")


async def test_independent_resources_run_in_parallel(
    engine_services: EngineServices, ctx: RequestContext
) -> None:
    template = tmpl({"a": waiter(1), "b": waiter(1), "c": waiter(1)})
    identity = await engine_services.client.create_stack(ctx, "parallel", template)
    stack = await engine_services.wait_for_status(ctx, identity, DONE)
    assert stack["stack_status"] == "COMPLETE"
    events = await _events(engine_services, ctx, identity)
    # Every resource started before any finished: they overlapped.
    last_start = max(_times(events, n, "IN_PROGRESS") for n in "abc")
    first_end = min(_times(events, n, "COMPLETE") for n in "abc")
    assert last_start < first_end


async def test_dependencies_order_creation_and_reverse_deletion(
    engine_services: EngineServices, ctx: RequestContext
) -> None:
    template = tmpl(
        {
            "first": waiter(0.2),
            "second": {"type": "OS::Heat::Value", "properties": {"value": {"get_resource": "first"}}},
            "third": {"type": "OS::Heat::None", "depends_on": ["second"]},
        }
    )
    identity = await engine_services.client.create_stack(ctx, "ordered", template)
    await engine_services.wait_for_status(ctx, identity, DONE)
    events = await _events(engine_services, ctx, identity)
    assert _times(events, "first", "COMPLETE") < _times(events, "second", "IN_PROGRESS")
    assert _times(events, "second", "COMPLETE") < _times(events, "third", "IN_PROGRESS")
    await engine_services.client.delete_stack(ctx, identity)
    await engine_services.wait_for_status(ctx, identity, {"DELETE_COMPLETE"})
    events = await _events(engine_services, ctx, identity)
    assert _times(events, "third", "COMPLETE", "DELETE") < _times(events, "second", "IN_PROGRESS", "DELETE")
    assert _times(events, "second", "COMPLETE", "DELETE") < _times(events, "first", "IN_PROGRESS", "DELETE")


async def test_failure_without_rollback_stays_create_failed(
    engine_services: EngineServices, ctx: RequestContext
) -> None:
    template = tmpl(
        {
            "ok": {"type": "OS::Heat::None"},
            "bad": waiter(0, fail=True),
            "after": {"type": "OS::Heat::None", "depends_on": "bad"},
        }
    )
    identity = await engine_services.client.create_stack(
        ctx, "fails", template, args={"disable_rollback": True}
    )
    stack = await engine_services.wait_for_status(ctx, identity, DONE)
    assert stack["stack_action"] == "CREATE" and stack["stack_status"] == "FAILED"
    assert stack["stack_status_reason"].startswith("Resource CREATE failed: ")
    assert "resources.bad" in stack["stack_status_reason"]
    resources = {
        r["resource_name"]: r for r in await engine_services.client.list_stack_resources(ctx, identity)
    }
    assert resources["bad"]["resource_status"] == "FAILED"
    assert resources["after"]["resource_action"] == "INIT"  # never started
    # A failed stack is deletable.
    await engine_services.client.delete_stack(ctx, identity)
    await engine_services.wait_for_status(ctx, identity, {"DELETE_COMPLETE"})


async def test_failure_with_rollback_deletes_what_was_created(
    engine_services: EngineServices, ctx: RequestContext
) -> None:
    template = tmpl({"ok": {"type": "OS::Heat::None"}, "bad": waiter(0.3, fail=True)})
    identity = await engine_services.client.create_stack(
        ctx, "rollsback", template, args={"disable_rollback": False}
    )
    stack = await engine_services.wait_for_status(ctx, identity, {"ROLLBACK_COMPLETE", "ROLLBACK_FAILED"})
    assert stack["stack_status"] == "COMPLETE", stack["stack_status_reason"]
    assert await engine_services.client.list_stack_resources(ctx, identity) == []  # as Heat: none left
    events = await _events(engine_services, ctx, identity)
    ok = [(e["resource_action"], e["resource_status"]) for e in events if e["resource_name"] == "ok"]
    assert ok[-1] == ("DELETE", "COMPLETE")
    states = [
        (e["resource_action"], e["resource_status"]) for e in events if e["resource_name"] == "rollsback"
    ]
    assert states == [
        ("CREATE", "IN_PROGRESS"),
        ("CREATE", "FAILED"),
        ("ROLLBACK", "IN_PROGRESS"),
        ("ROLLBACK", "COMPLETE"),
    ]


async def test_timeout_fails_the_stack_and_cancels_what_runs(
    engine_services: EngineServices, ctx: RequestContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    # timeout_mins is in minutes; shrink a minute for the test.
    monkeypatch.setattr("services.engine.model.stack.SECONDS_PER_MINUTE", 0.5)
    template = tmpl({"slow": waiter(30), "quick": {"type": "OS::Heat::None"}})
    identity = await engine_services.client.create_stack(ctx, "slowpoke", template, args={"timeout_mins": 1})
    stack = await engine_services.wait_for_status(ctx, identity, DONE, timeout=20)
    assert (stack["stack_action"], stack["stack_status"]) == ("CREATE", "FAILED")
    assert stack["stack_status_reason"] == "Create timed out"
    resources = {
        r["resource_name"]: r for r in await engine_services.client.list_stack_resources(ctx, identity)
    }
    assert resources["slow"]["resource_status"] == "FAILED"


async def test_outputs_resolve_and_a_failing_one_reports_its_error(
    engine_services: EngineServices, ctx: RequestContext
) -> None:
    template = tmpl(
        {"val": {"type": "OS::Heat::Value", "properties": {"value": {"a": [1, 2]}, "type": "json"}}},
        outputs={
            "good": {"value": {"get_attr": ["val", "value", "a", 1]}, "description": "second item"},
            "missing": {"value": {"get_attr": ["val", "value", "missing"]}},
            "bad": {"value": {"str_split": [",", {"get_attr": ["val", "value"]}]}},
        },
    )
    identity = await engine_services.client.create_stack(ctx, "outs", template)
    stack = await engine_services.wait_for_status(ctx, identity, DONE)
    outputs = {o["output_key"]: o for o in stack["outputs"]}
    assert outputs["good"]["output_value"] == 2
    assert outputs["missing"]["output_value"] is None  # as Heat: a missing key in a path is null
    assert outputs["bad"]["output_value"] is None and "str_split" in outputs["bad"]["output_error"]
    assert stack["stack_status"] == "COMPLETE"  # a failing output never fails the stack
    listed = await engine_services.client.list_outputs(ctx, identity)
    assert {o["output_key"] for o in listed} == {"good", "missing", "bad"}
    assert (await engine_services.client.show_output(ctx, identity, "good"))["output_value"] == 2
    with pytest.raises(OutputNotFound):
        await engine_services.client.show_output(ctx, identity, "nope")


async def test_outputs_of_an_unfinished_stack_are_null_and_a_deleted_one_has_none(
    engine_services: EngineServices, ctx: RequestContext
) -> None:
    """As Heat: nothing made up for resources that are not there yet; no outputs once deleted."""
    group = {"type": "OS::Heat::ResourceGroup", "properties": {"count": 2, "resource_def": waiter(0.5)}}
    template = tmpl(
        {"group": group, "val": {"type": "OS::Heat::Value", "properties": {"value": "now"}}},
        outputs={
            "refs": {"value": {"get_attr": ["group", "refs"]}},
            "now": {"value": {"get_attr": ["val", "value"]}},
        },
    )
    identity = await engine_services.client.create_stack(ctx, "unfinished", template)
    for _ in range(200):
        stack = (await engine_services.client.show_stack(ctx, identity))[0]
        outputs = {o["output_key"]: o for o in stack["outputs"]}
        if outputs["now"]["output_value"] == "now" or stack["stack_status"] != "IN_PROGRESS":
            break
        await asyncio.sleep(0.02)
    assert stack["stack_status"] == "IN_PROGRESS", "the group should still be creating"
    assert outputs["refs"] == {
        "output_key": "refs",
        "output_value": None,
        "description": "No description given",
    }
    done = await engine_services.wait_for_status(ctx, identity, DONE)
    assert [len(o["output_value"]) for o in done["outputs"] if o["output_key"] == "refs"] == [2]
    await engine_services.client.delete_stack(ctx, identity)
    deleted = await engine_services.wait_for_status(ctx, identity, {"DELETE_COMPLETE"})
    assert "outputs" not in deleted


async def test_duplicate_name_is_stack_exists(engine_services: EngineServices, ctx: RequestContext) -> None:
    template = tmpl({"n": {"type": "OS::Heat::None"}})
    await engine_services.client.create_stack(ctx, "twice", template)
    with pytest.raises(StackExists):
        await engine_services.client.create_stack(ctx, "twice", template)


async def test_another_tenants_stack_is_not_found(engine_services: EngineServices, make_ctx: Any) -> None:
    owner, other = make_ctx(), make_ctx()
    identity = await engine_services.client.create_stack(
        owner, "mine", tmpl({"n": {"type": "OS::Heat::None"}})
    )
    await engine_services.wait_for_status(owner, identity, DONE)
    with pytest.raises(StackNotFound):
        await engine_services.client.show_stack(other, identity)
    with pytest.raises(StackNotFound):
        await engine_services.client.delete_stack(other, identity)
    with pytest.raises(StackNotFound):
        await engine_services.client.identify_stack(other, "mine")
    # The same name in another tenant is fine.
    await engine_services.client.create_stack(other, "mine", tmpl({"n": {"type": "OS::Heat::None"}}))


async def test_invalid_template_is_rejected_before_anything_is_stored(
    engine_services: EngineServices, ctx: RequestContext
) -> None:
    bad = tmpl({"r": {"type": "OS::Heat::RandomString", "properties": {"length": -1}}})
    with pytest.raises(StackValidationFailed) as info:
        await engine_services.client.create_stack(ctx, "invalid", bad)
    assert "resources.r.properties.length" in str(info.value)
    with pytest.raises(StackNotFound):
        await engine_services.client.identify_stack(ctx, "invalid")


async def test_describe_resource_and_identify(engine_services: EngineServices, ctx: RequestContext) -> None:
    template = tmpl({"v": {"type": "OS::Heat::Value", "properties": {"value": "hello"}}})
    identity = await engine_services.client.create_stack(ctx, "described", template)
    await engine_services.wait_for_status(ctx, identity, DONE)
    assert await engine_services.client.identify_stack(ctx, "described") == identity
    assert await engine_services.client.identify_stack(ctx, identity["stack_id"]) == identity
    detail = await engine_services.client.describe_stack_resource(ctx, identity, "v")
    assert detail["attributes"]["value"] == "hello"
    assert detail["properties"]["value"] == "hello"
    with pytest.raises(ResourceNotFound):
        await engine_services.client.describe_stack_resource(ctx, identity, "nope")
    stacks = await engine_services.client.list_stacks(ctx)
    assert [s["stack_name"] for s in stacks] == ["described"]
    assert datetime.fromisoformat(stacks[0]["creation_time"])
    assert await engine_services.client.count_stacks(ctx) == 1
    template_back = await engine_services.client.get_template(ctx, identity)
    assert template_back["resources"]["v"]["properties"]["value"] == "hello"


async def test_events_filter_by_resource_and_id(engine_services: EngineServices, ctx: RequestContext) -> None:
    template = tmpl({"a": {"type": "OS::Heat::None"}, "b": {"type": "OS::Heat::None"}})
    identity = await engine_services.client.create_stack(ctx, "filtered", template)
    await engine_services.wait_for_status(ctx, identity, DONE)
    only_a = await engine_services.client.list_events(
        ctx, identity, filters={"resource_name": "a"}, sort_dir="asc"
    )
    assert {e["resource_name"] for e in only_a} == {"a"} and len(only_a) == 2
    event_id = only_a[1]["event_identity"]["path"].rsplit("/", 1)[-1]
    one = await engine_services.client.list_events(ctx, identity, filters={"uuid": event_id}, sort_dir="asc")
    assert [e["resource_status"] for e in one] == ["COMPLETE"]
    page = await engine_services.client.list_events(ctx, identity, limit=2, sort_dir="desc")
    assert len(page) == 2 and page[0]["resource_name"] == "filtered"


async def test_events_newest_first_by_default_and_nested_with_their_root(
    engine_services: EngineServices, ctx: RequestContext
) -> None:
    """Heat's RPC list_events: no order -> newest first; nested_depth adds the nested stacks' events,
    each naming its own stack and the root stack it was listed under."""
    group = {
        "type": "OS::Heat::ResourceGroup",
        "properties": {"count": 2, "resource_def": {"type": "OS::Heat::None"}},
    }
    identity = await engine_services.client.create_stack(ctx, "rooted", tmpl({"g": group}))
    await engine_services.wait_for_status(ctx, identity, DONE)
    own = await engine_services.client.list_events(ctx, identity)
    assert (own[0]["resource_name"], own[0]["resource_status"]) == ("rooted", "COMPLETE")
    assert {e["stack_identity"]["stack_id"] for e in own} == {identity["stack_id"]}
    assert all("root_stack_id" not in e for e in own)
    everything = await engine_services.client.list_events(ctx, identity, nested_depth=1, sort_dir="asc")
    nested = [e for e in everything if e["stack_identity"]["stack_id"] != identity["stack_id"]]
    assert {e["resource_name"] for e in nested} >= {"0", "1"}
    assert {e["stack_name"] for e in nested} == {nested[0]["stack_name"]} != {"rooted"}
    assert all(e["root_stack_id"]["stack_id"] == identity["stack_id"] for e in everything)
    assert len(everything) == len(own) + len(nested)
    assert everything[-1]["resource_name"] == "rooted"  # the parent finishes last


async def test_a_failure_lets_running_siblings_finish_before_the_stack_fails(
    engine_services: EngineServices, ctx: RequestContext
) -> None:
    template = tmpl(
        {
            "bad": waiter(0, fail=True),
            "slow": waiter(0.5),
            "after": {"type": "OS::Heat::None", "depends_on": "slow"},
        }
    )
    identity = await engine_services.client.create_stack(ctx, "siblings", template)
    stack = await engine_services.wait_for_status(ctx, identity, DONE)
    assert stack["stack_status"] == "FAILED"
    rows = {r["resource_name"]: r for r in await engine_services.client.list_stack_resources(ctx, identity)}
    assert (rows["slow"]["resource_action"], rows["slow"]["resource_status"]) == ("CREATE", "COMPLETE")
    assert rows["after"]["resource_action"] == "INIT"  # not started once a resource had failed
    events = await _events(engine_services, ctx, identity)
    order = [(e["resource_name"], e["resource_status"]) for e in events]
    assert order.index(("slow", "COMPLETE")) < order.index(("siblings", "FAILED"))
