"""Signals and wait conditions over the real bus: resource_signal, the SIGNAL event, the handle's token."""

from __future__ import annotations

import asyncio
import copy
import json
from typing import Any

import pytest

from shared.context import SIGNAL_ROLE, RequestContext
from shared.exceptions import BadRequest, Forbidden
from tests.integration.engine.conftest import EngineServices


def tmpl(resources: dict[str, Any], outputs: dict[str, Any] | None = None) -> dict[str, Any]:
    return copy.deepcopy(
        {"heat_template_version": "2021-04-16", "resources": resources, "outputs": outputs or {}}
    )


WAIT = {
    "handle": {"type": "OS::Heat::WaitConditionHandle"},
    "wait": {
        "type": "OS::Heat::WaitCondition",
        "properties": {"handle": {"get_resource": "handle"}, "count": 2, "timeout": 60},
    },
}


async def _state(services: EngineServices, ctx: RequestContext, identity: Any, name: str) -> str:
    row = await services.client.describe_stack_resource(ctx, identity, name)
    return f"{row['resource_action']}_{row['resource_status']}"


async def _wait_resource(
    services: EngineServices, ctx: RequestContext, identity: Any, name: str, state: str
) -> None:
    for _ in range(400):
        if await _state(services, ctx, identity, name) == state:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"{name} never reached {state}")


def signal_ctx(ctx: RequestContext, token: str) -> RequestContext:
    """What the gateway makes of a request that carries a handle's token instead of a user's."""
    return RequestContext(
        user_id=SIGNAL_ROLE, project_id=ctx.project_id, roles=[SIGNAL_ROLE], auth_token=token
    )


async def test_wait_condition_completes_after_count_signals_with_their_data(
    engine_services: EngineServices, ctx: RequestContext
) -> None:
    client = engine_services.client
    template = tmpl(WAIT, {"data": {"value": {"get_attr": ["wait", "data"]}}})
    identity = await client.create_stack(ctx, "waits", template)
    await _wait_resource(engine_services, ctx, identity, "wait", "CREATE_IN_PROGRESS")
    handle = await client.describe_stack_resource(ctx, identity, "handle", with_attr=["token"])
    token = handle["attributes"]["token"]

    # The handle's own token signals it, without a user; the native handle fills in what is missing.
    await client.resource_signal(signal_ctx(ctx, token), identity, "handle", {"data": "one", "id": "a"})
    row = await client.describe_stack_resource(ctx, identity, "wait")
    assert row["resource_status"] == "IN_PROGRESS", row["resource_status_reason"]  # 1 of 2
    await client.resource_signal(ctx, identity, "handle", {"status": "SUCCESS", "data": "two"})
    stack = await engine_services.wait_for_status(ctx, identity, {"CREATE_COMPLETE", "CREATE_FAILED"})
    assert stack["stack_status"] == "COMPLETE", stack["stack_status_reason"]

    output = await client.show_output(ctx, identity, "data")
    assert json.loads(output["output_value"]) == {"a": "one", "2": "two"}
    meta = await client.describe_stack_resource(ctx, identity, "handle")
    assert meta["metadata"]["2"] == {"status": "SUCCESS", "reason": "Signal 2 received", "data": "two"}
    events = await client.list_events(ctx, identity, filters={"resource_action": "SIGNAL"}, sort_dir="asc")
    assert [(e["resource_name"], e["resource_status"], e["resource_status_reason"]) for e in events] == [
        ("handle", "COMPLETE", "Signal: status:SUCCESS reason:Signal 1 received"),
        ("handle", "COMPLETE", "Signal: status:SUCCESS reason:Signal 2 received"),
    ]

    # Removing the wait condition clears what its handle received (as Heat), so a wait
    # condition added back later waits for new signals instead of counting the old ones.
    await client.update_stack(ctx, identity, tmpl({"handle": WAIT["handle"]}))
    stack = await engine_services.wait_for_status(ctx, identity, {"UPDATE_COMPLETE", "UPDATE_FAILED"})
    assert stack["stack_status"] == "COMPLETE", stack["stack_status_reason"]
    assert (await client.describe_stack_resource(ctx, identity, "handle"))["metadata"] == {}
    await client.update_stack(ctx, identity, tmpl(WAIT))
    await _wait_resource(engine_services, ctx, identity, "wait", "CREATE_IN_PROGRESS")
    await asyncio.sleep(0.3)
    assert await _state(engine_services, ctx, identity, "wait") == "CREATE_IN_PROGRESS"
    await client.delete_stack(ctx, identity)
    await engine_services.wait_for_status(ctx, identity, {"DELETE_COMPLETE"})


@pytest.mark.parametrize(
    ("count", "timeout", "signal", "reason"),
    [
        (
            2,
            60,
            {"status": "FAILURE", "reason": "disk full"},
            "WaitConditionFailure: resources.wait: disk full",
        ),
        (3, 1, {"reason": "booted"}, "WaitConditionTimeout: resources.wait: 1 of 3 received - booted"),
    ],
    ids=["failure-signal", "timeout"],
)
async def test_a_wait_condition_fails_on_a_failure_signal_or_its_timeout(
    engine_services: EngineServices,
    ctx: RequestContext,
    count: int,
    timeout: int,
    signal: dict[str, Any],
    reason: str,
) -> None:
    client = engine_services.client
    template = tmpl(WAIT)
    template["resources"]["wait"]["properties"].update(count=count, timeout=timeout)
    identity = await client.create_stack(ctx, f"waitfails{count}", template, args={"disable_rollback": True})
    await _wait_resource(engine_services, ctx, identity, "wait", "CREATE_IN_PROGRESS")
    await client.resource_signal(ctx, identity, "handle", signal)
    stack = await engine_services.wait_for_status(ctx, identity, {"CREATE_COMPLETE", "CREATE_FAILED"})
    assert stack["stack_status_reason"] == f"Resource CREATE failed: {reason}"


async def test_signals_are_refused_with_a_wrong_token_a_bad_body_or_a_type_that_takes_none(
    engine_services: EngineServices, ctx: RequestContext
) -> None:
    client = engine_services.client
    template = tmpl(
        {"handle": {"type": "OS::Heat::WaitConditionHandle"}, "plain": {"type": "OS::Heat::None"}}
    )
    identity = await client.create_stack(ctx, "refuses", template)
    await engine_services.wait_for_status(ctx, identity, {"CREATE_COMPLETE"})
    with pytest.raises(Forbidden):
        await client.resource_signal(signal_ctx(ctx, "not-the-token"), identity, "handle", {})
    handle = await client.describe_stack_resource(ctx, identity, "handle", with_attr=["token"])
    with pytest.raises(Forbidden):  # a handle's token is good for that handle only
        await client.resource_signal(signal_ctx(ctx, handle["attributes"]["token"]), identity, "plain", {})
    # Nor is it good for anything but signals, even straight over the bus.
    holder = signal_ctx(ctx, handle["attributes"]["token"])
    calls = {
        "show_stack": lambda: client.show_stack(holder, identity),
        "list_stack_resources": lambda: client.list_stack_resources(holder, identity),
        "describe_stack_resource": lambda: client.describe_stack_resource(holder, identity, "handle"),
        "list_software_configs": lambda: client.list_software_configs(holder),
        "delete_stack": lambda: client.delete_stack(holder, identity),
    }
    for method, call in calls.items():
        with pytest.raises(Forbidden, match=f"{method} with a resource's signal token"):
            await call()
    assert (await client.show_stack(ctx, identity))[0]["stack_status"] == "COMPLETE"
    with pytest.raises(BadRequest, match="Metadata format invalid"):
        await client.resource_signal(ctx, identity, "handle", {"status": "MAYBE"})
    with pytest.raises(BadRequest, match="does not take signals"):
        await client.resource_signal(ctx, identity, "plain", {})
    assert (await client.describe_stack_resource(ctx, identity, "handle"))["metadata"] == {}


async def test_concurrent_signals_are_all_kept(engine_services: EngineServices, ctx: RequestContext) -> None:
    client = engine_services.client
    identity = await client.create_stack(
        ctx, "many", tmpl({"handle": {"type": "OS::Heat::WaitConditionHandle"}})
    )
    await engine_services.wait_for_status(ctx, identity, {"CREATE_COMPLETE"})
    await asyncio.gather(
        *(client.resource_signal(ctx, identity, "handle", {"id": f"s{i}", "data": i}) for i in range(6))
    )
    meta = (await client.describe_stack_resource(ctx, identity, "handle"))["metadata"]
    assert {k: v["data"] for k, v in meta.items()} == {f"s{i}": i for i in range(6)}


async def test_cfn_wait_condition_waits_on_its_presigned_url(
    engine_services: EngineServices, ctx: RequestContext
) -> None:
    client = engine_services.client
    template = tmpl(
        {
            "handle": {"type": "AWS::CloudFormation::WaitConditionHandle"},
            "wait": {
                "type": "AWS::CloudFormation::WaitCondition",
                "properties": {"Handle": {"get_resource": "handle"}, "Timeout": 60},
            },
        },
        {"url": {"value": {"get_resource": "handle"}}, "data": {"value": {"get_attr": ["wait", "Data"]}}},
    )
    identity = await client.create_stack(ctx, "cfnwait", template)
    await _wait_resource(engine_services, ctx, identity, "wait", "CREATE_IN_PROGRESS")
    with pytest.raises(BadRequest, match="Metadata format invalid"):  # the CFN handle wants every key
        await client.resource_signal(ctx, identity, "handle", {"Status": "SUCCESS"})
    body = {"Status": "SUCCESS", "Reason": "ok", "UniqueId": "i1", "Data": "up"}
    await client.resource_signal(ctx, identity, "handle", body)
    stack = await engine_services.wait_for_status(ctx, identity, {"CREATE_COMPLETE", "CREATE_FAILED"})
    assert stack["stack_status"] == "COMPLETE", stack["stack_status_reason"]
    url = (await client.show_output(ctx, identity, "url"))["output_value"]
    assert f"/stacks/cfnwait/{identity['stack_id']}/resources/handle/signal?signal_token=" in url
    assert json.loads((await client.show_output(ctx, identity, "data"))["output_value"]) == {"i1": "up"}


async def test_an_update_handle_is_replaced_by_every_update(
    engine_services: EngineServices, ctx: RequestContext
) -> None:
    client = engine_services.client
    template = tmpl(
        {"handle": {"type": "OS::Heat::UpdateWaitConditionHandle"}, "plain": {"type": "OS::Heat::None"}},
        {"url": {"value": {"get_resource": "handle"}}},
    )
    identity = await client.create_stack(ctx, "updhandle", template)
    await engine_services.wait_for_status(ctx, identity, {"CREATE_COMPLETE"})
    body = {"Status": "SUCCESS", "Reason": "r", "UniqueId": "1", "Data": "d"}
    await client.resource_signal(ctx, identity, "handle", body)
    before = await client.describe_stack_resource(ctx, identity, "handle")
    assert before["metadata"] == {"1": {"Status": "SUCCESS", "Reason": "r", "Data": "d"}}
    url = (await client.show_output(ctx, identity, "url"))["output_value"]

    await client.update_stack(ctx, identity, template)  # the very same template
    await engine_services.wait_for_status(ctx, identity, {"UPDATE_COMPLETE", "UPDATE_FAILED"})
    after = await client.describe_stack_resource(ctx, identity, "handle")
    assert after["physical_resource_id"] != before["physical_resource_id"]
    assert after["metadata"] == {}  # the senders must signal again
    assert (await client.show_output(ctx, identity, "url"))["output_value"] != url
    plain = await client.describe_stack_resource(ctx, identity, "plain")
    assert plain["resource_action"] == "CREATE"  # only the handle changed
