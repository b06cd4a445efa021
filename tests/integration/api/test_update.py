"""Update, preview and cancel through the gateway: python-heatclient unchanged, and raw HTTP as curl sends it."""

from __future__ import annotations

import asyncio
import copy
import json
from typing import Any

import httpx
import pytest
from heatclient import exc as heat_exc

from tests.integration.api.conftest import MINIMAL, TENANT, unique_name
from tests.integration.api.test_heatclient import create_and_wait, heat, run

pytestmark = pytest.mark.usefixtures("engine_backend")


async def _wait(hc: Any, name: str, done: tuple[str, ...]) -> Any:
    for _ in range(400):
        stack = await run(hc.stacks.get, name)
        if stack.stack_status in done:
            return stack
        await asyncio.sleep(0.05)
    raise AssertionError(f"{name} stuck in {stack.stack_status}")


def _grown() -> dict[str, Any]:
    template = copy.deepcopy(MINIMAL)
    template["resources"]["c"] = {
        "type": "OS::Heat::Value",
        "properties": {"value": {"get_param": "greeting"}},
    }
    del template["resources"]["b"]
    return template


async def test_heatclient_preview_update_patch_and_cancel(live_server: str, engine_backend: Any) -> None:
    if not engine_backend.real:
        pytest.skip("needs the real engine")
    hc = heat(live_server)
    name = unique_name("hcu")
    stack = await create_and_wait(hc, name)
    preview = await run(hc.stacks.preview_update, stack.id, template=_grown(), parameters={"greeting": "yo"})
    changes = preview["resource_changes"]
    assert [r["resource_name"] for r in changes["added"]] == ["c"]
    assert [r["resource_name"] for r in changes["deleted"]] == ["b"]
    assert [r["resource_name"] for r in changes["unchanged"]] == ["a"]
    assert (await run(hc.stacks.get, name)).stack_status == "CREATE_COMPLETE"  # a preview changes nothing

    await run(hc.stacks.update, stack.id, template=_grown(), parameters={"greeting": "yo"})
    updated = await _wait(hc, name, ("UPDATE_COMPLETE", "UPDATE_FAILED"))
    assert updated.stack_status == "UPDATE_COMPLETE", updated.stack_status_reason
    assert updated.outputs[0]["output_value"] == "yo"
    assert sorted(r.resource_name for r in await run(hc.resources.list, stack.id)) == ["a", "c"]

    await run(hc.stacks.update, stack.id, existing=True, parameters={"greeting": "patched"})
    patched = await _wait(hc, name, ("UPDATE_COMPLETE", "UPDATE_FAILED"))
    assert patched.outputs[0]["output_value"] == "patched"
    assert sorted(r.resource_name for r in await run(hc.resources.list, stack.id)) == ["a", "c"]

    with pytest.raises(heat_exc.HTTPBadRequest, match="Cancelling update when stack is UPDATE_COMPLETE"):
        await run(hc.actions.cancel_update, stack.id)


async def test_update_over_http_as_curl_sends_it(live_server: str, engine_backend: Any) -> None:
    if not engine_backend.real:
        pytest.skip("needs the real engine")
    headers = {"X-Auth-Token": "demo-token"}
    async with httpx.AsyncClient(base_url=live_server, headers=headers, follow_redirects=False) as http:
        name = unique_name("curlu")
        resp = await http.post(f"/v1/{TENANT}/stacks", json={"stack_name": name, "template": MINIMAL})
        assert resp.status_code == 201, resp.text
        url = resp.headers["Location"].split(live_server, 1)[-1]
        for _ in range(200):
            if (await http.get(url)).json()["stack"]["stack_status"] == "CREATE_COMPLETE":
                break
            await asyncio.sleep(0.05)
        by_name = await http.put(f"/v1/{TENANT}/stacks/{name}", json={"template": _grown()})
        assert by_name.status_code == 302 and by_name.headers["Location"].endswith(url)
        preview = await http.put(f"{url}/preview", json={"template": _grown()})
        assert preview.status_code == 200, preview.text
        assert set(preview.json()["resource_changes"]) == {
            "added",
            "deleted",
            "replaced",
            "updated",
            "unchanged",
        }
        resp = await http.put(url, json={"template": _grown()})
        assert resp.status_code == 202, resp.text
        bad = await http.patch(url, json={"parameters": {"nope": 1}})
        assert bad.status_code in (400, 409), bad.text
        action = await http.post(f"{url}/actions", json={"explode": None})
        assert action.status_code == 400 and "Invalid action explode" in action.text
        created = await http.post(
            f"/v1/{TENANT}/stacks/preview", json={"stack_name": unique_name("pv"), "template": MINIMAL}
        )
        assert created.status_code == 200, created.text
        assert sorted(r["resource_name"] for r in created.json()["stack"]["resources"]) == ["a", "b"]


async def test_heatclient_suspend_resume_check_and_mark_unhealthy(
    live_server: str, engine_backend: Any
) -> None:
    if not engine_backend.real:
        pytest.skip("needs the real engine")
    hc = heat(live_server)
    name = unique_name("hca")
    stack = await create_and_wait(hc, name)
    await run(hc.actions.suspend, stack.id)
    assert (await _wait(hc, name, ("SUSPEND_COMPLETE", "SUSPEND_FAILED"))).stack_status == "SUSPEND_COMPLETE"
    await run(hc.actions.resume, stack.id)
    assert (await _wait(hc, name, ("RESUME_COMPLETE", "RESUME_FAILED"))).stack_status == "RESUME_COMPLETE"
    assert stack.updated_time is None
    await run(hc.actions.check, stack.id)
    checked = await _wait(hc, name, ("CHECK_COMPLETE", "CHECK_FAILED"))
    assert checked.stack_status == "CHECK_COMPLETE" and checked.updated_time is not None
    assert await run(hc.resources.metadata, stack.id, "a") == {}
    await run(hc.resources.mark_unhealthy, stack.id, "a", True, "it broke")
    resource = await run(hc.resources.get, stack.id, "a")
    assert (resource.resource_status, resource.resource_status_reason) == ("CHECK_FAILED", "it broke")
    with pytest.raises(heat_exc.HTTPBadRequest, match="does not take signals"):
        await run(hc.resources.signal, stack.id, "a", data={"status": "SUCCESS"})


async def test_heatclient_abandon_and_adopt(live_server: str, engine_backend: Any) -> None:
    if not engine_backend.real:
        pytest.skip("needs the real engine")
    hc = heat(live_server)
    name = unique_name("hcab")
    stack = await create_and_wait(hc, name)
    ids = {r.resource_name: r.physical_resource_id for r in await run(hc.resources.list, stack.id)}
    exported = await run(hc.stacks.export, stack.id)  # Heat's export: the same data, nothing removed
    assert (await run(hc.stacks.get, name)).stack_status == "CREATE_COMPLETE"
    data = await run(hc.stacks.abandon, stack.id)
    assert sorted(data["resources"]) == ["a", "b"]
    assert exported["resources"] == data["resources"] and exported["template"] == data["template"]
    with pytest.raises(heat_exc.HTTPNotFound):
        await run(hc.stacks.get, name)  # gone by name; by id it reads DELETE_COMPLETE, as Heat
    assert (await run(hc.stacks.get, stack.id)).stack_status == "DELETE_COMPLETE"
    new_name = unique_name("hcad")
    await run(hc.stacks.create, stack_name=new_name, adopt_stack_data=json.dumps(data))
    adopted = await _wait(hc, new_name, ("ADOPT_COMPLETE", "ADOPT_FAILED"))
    assert adopted.stack_status == "ADOPT_COMPLETE", adopted.stack_status_reason
    assert {r.resource_name: r.physical_resource_id for r in await run(hc.resources.list, adopted.id)} == ids


async def test_heatclient_snapshots(live_server: str, engine_backend: Any) -> None:
    if not engine_backend.real:
        pytest.skip("needs the real engine")
    hc = heat(live_server)
    name = unique_name("hcs")
    stack = await create_and_wait(hc, name)
    snapshot = await run(hc.stacks.snapshot, stack.id, "snap")
    await _wait(hc, name, ("SNAPSHOT_COMPLETE", "SNAPSHOT_FAILED"))
    listed = await run(hc.stacks.snapshot_list, stack.id)
    assert [s["id"] for s in listed["snapshots"]] == [snapshot["id"]]
    shown = await run(hc.stacks.snapshot_show, stack.id, snapshot["id"])
    assert shown["snapshot"]["status"] == "COMPLETE"
    await run(hc.stacks.update, stack.id, template=_grown())
    await _wait(hc, name, ("UPDATE_COMPLETE", "UPDATE_FAILED"))
    await run(hc.stacks.restore, stack.id, snapshot["id"])
    restored = await _wait(hc, name, ("RESTORE_COMPLETE", "RESTORE_FAILED"))
    assert restored.stack_status == "RESTORE_COMPLETE", restored.stack_status_reason
    assert sorted(r.resource_name for r in await run(hc.resources.list, stack.id)) == ["a", "b"]
    await run(hc.stacks.snapshot_delete, stack.id, snapshot["id"])
    assert (await run(hc.stacks.snapshot_list, stack.id))["snapshots"] == []


async def test_heatclient_services_list_needs_admin(live_server: str, engine_backend: Any) -> None:
    if not engine_backend.real:
        pytest.skip("needs the real engine")
    with pytest.raises(heat_exc.HTTPForbidden):
        await run(heat(live_server).services.list)
    services = await run(heat(live_server, token="admin-token", tenant="admin").services.list)
    assert services and {s.status for s in services} <= {"up", "down"}
    assert all(s.binary == "ember-engine" for s in services)
