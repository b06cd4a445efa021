"""The real python-heatclient, unchanged, against a live gateway (uvicorn on a free port).

heatclient is synchronous (requests), so each call runs in a worker thread
while the session's event loop keeps serving the gateway and the engine.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, TypeVar

import pytest
from heatclient import client as heat_client
from heatclient import exc as heat_exc

from tests.integration.api.conftest import MINIMAL, TENANT, unique_name

T = TypeVar("T")


async def run(func: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    return await asyncio.to_thread(func, *args, **kwargs)


def heat(live_server: str, token: str = "demo-token", tenant: str = TENANT) -> Any:
    return heat_client.Client("1", endpoint=f"{live_server}/v1/{tenant}", token=token)


async def create_and_wait(hc: Any, name: str, **fields: Any) -> Any:
    body = await run(hc.stacks.create, stack_name=name, template=MINIMAL, **fields)
    for _ in range(400):
        stack = await run(hc.stacks.get, name)
        if not stack.stack_status.endswith("IN_PROGRESS"):
            assert body["stack"]["id"] == stack.id
            return stack
        await asyncio.sleep(0.05)
    raise AssertionError(f"{name} never finished")


async def test_heatclient_create_get_by_name_and_id(live_server: str) -> None:
    hc = heat(live_server)
    name = unique_name("hc")
    stack = await create_and_wait(hc, name, parameters={"greeting": "hey"}, timeout_mins=5)
    assert stack.stack_status == "CREATE_COMPLETE"
    assert stack.stack_name == name
    assert stack.parameters["greeting"] == "hey"
    by_id = await run(hc.stacks.get, stack.id)
    assert by_id.stack_name == name
    by_full = await run(hc.stacks.get, f"{name}/{stack.id}")
    assert by_full.id == stack.id
    assert by_full.outputs[0]["output_value"] == "hey"


async def test_heatclient_list_paginates(live_server: str) -> None:
    hc = heat(live_server)
    for _ in range(3):
        await run(hc.stacks.create, stack_name=unique_name("hcl"), template=MINIMAL)
    everything = await run(lambda: list(hc.stacks.list()))
    assert len(everything) >= 3
    two = await run(lambda: list(hc.stacks.list(limit=2)))
    assert len(two) == 2
    paged = await run(lambda: list(hc.stacks.list(limit=len(everything))))
    assert [s.id for s in paged] == [s.id for s in everything]


async def test_heatclient_resources_events_outputs_template(live_server: str) -> None:
    hc = heat(live_server)
    name = unique_name("hcr")
    await create_and_wait(hc, name)
    resources = await run(hc.resources.list, name)
    assert {r.resource_name for r in resources} == {"a", "b"}
    assert all(r.resource_status == "CREATE_COMPLETE" for r in resources)
    res = await run(hc.resources.get, name, "a")
    assert res.logical_resource_id == "a"
    events = await run(hc.events.list, name)
    assert any(e.resource_name == "a" and e.resource_status == "CREATE_COMPLETE" for e in events)
    filtered = await run(hc.events.list, name, filters={"resource_status": "COMPLETE", "resource_name": "b"})
    assert {(e.resource_name, e.resource_status) for e in filtered} == {("b", "CREATE_COMPLETE")}
    res_events = await run(hc.events.list, name, resource_name="a")
    assert res_events and {e.resource_name for e in res_events} == {"a"}
    one = await run(hc.events.get, name, "a", res_events[0].id)
    assert one.id == res_events[0].id
    outputs = await run(hc.stacks.output_list, name)
    assert outputs["outputs"][0]["output_key"] == "said"
    output = await run(hc.stacks.output_show, name, "said")
    assert output["output"]["output_value"] == "hello"
    template = await run(hc.stacks.template, name)
    assert template["resources"] == MINIMAL["resources"]


async def test_heatclient_validate_and_resource_types(live_server: str) -> None:
    hc = heat(live_server)
    result = await run(hc.stacks.validate, template=MINIMAL)
    assert result["Description"] == "two none resources"
    types = await run(hc.resource_types.list)
    assert "OS::Heat::None" in {t.resource_type for t in types}
    schema = await run(hc.resource_types.get, "OS::Heat::RandomString")
    assert schema["resource_type"] == "OS::Heat::RandomString"
    template = await run(hc.resource_types.generate_template, "OS::Heat::None", "hot")
    assert "heat_template_version" in template


async def test_heatclient_delete_then_deleted_stack_readable_by_id(live_server: str) -> None:
    hc = heat(live_server)
    name = unique_name("hcd")
    stack = await create_and_wait(hc, name)
    await run(hc.stacks.delete, name)
    for _ in range(400):
        shown = await run(hc.stacks.get, stack.id)
        if shown.stack_status == "DELETE_COMPLETE":
            break
        await asyncio.sleep(0.05)
    assert shown.stack_status == "DELETE_COMPLETE"
    with pytest.raises(heat_exc.HTTPNotFound):
        await run(hc.stacks.get, name)


async def test_heatclient_sees_404_409_400(live_server: str) -> None:
    hc = heat(live_server)
    with pytest.raises(heat_exc.HTTPNotFound) as not_found:
        await run(hc.stacks.get, "no-such-stack")
    assert "no-such-stack" in str(not_found.value)
    name = unique_name("hce")
    await run(hc.stacks.create, stack_name=name, template=MINIMAL)
    with pytest.raises(heat_exc.HTTPConflict) as conflict:
        await run(hc.stacks.create, stack_name=name, template=MINIMAL)
    assert conflict.value.error["error"]["type"] == "StackExists"
    with pytest.raises(heat_exc.HTTPBadRequest) as bad:
        await run(
            hc.stacks.create, stack_name=unique_name(), template={"heat_template_version": "1999-01-01"}
        )
    assert bad.value.error["error"]["type"] == "InvalidTemplateVersion"
    with pytest.raises(heat_exc.HTTPNotFound):
        await run(hc.resources.get, name, "no-such-resource")


async def test_heatclient_bad_token_is_unauthorized(live_server: str) -> None:
    with pytest.raises(heat_exc.HTTPUnauthorized):
        await run(lambda: list(heat(live_server, token="wrong").stacks.list()))
