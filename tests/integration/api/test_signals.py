"""Signals through the gateway: a handle's own token under token auth, heatclient's resources.signal."""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from tests.integration.api.conftest import TENANT, asgi_client, unique_name, wait_status
from tests.integration.api.test_heatclient import heat, run

WAITS = {
    "heat_template_version": "2021-04-16",
    "resources": {
        "handle": {"type": "OS::Heat::WaitConditionHandle"},
        "cfn_handle": {"type": "AWS::CloudFormation::WaitConditionHandle"},
        "wait": {
            "type": "OS::Heat::WaitCondition",
            "properties": {"handle": {"get_resource": "handle"}, "timeout": 60},
        },
    },
    "outputs": {"cfn_url": {"value": {"get_resource": "cfn_handle"}}},
}


@pytest.fixture
async def waiting(client: httpx.AsyncClient, engine_backend: Any) -> dict[str, Any]:
    if not engine_backend.real:
        pytest.skip("needs the real engine")
    name = unique_name("sig")
    resp = await client.post(f"/v1/{TENANT}/stacks", json={"stack_name": name, "template": WAITS})
    assert resp.status_code == 201, resp.text
    path = f"/v1/{TENANT}/stacks/{name}/{resp.json()['stack']['id']}"
    for _ in range(400):
        handle = (await client.get(f"{path}/resources/handle", params={"with_attr": "curl_cli"})).json()
        if handle["resource"]["attributes"].get("token"):
            break
        await asyncio.sleep(0.05)
    return {"path": path, "name": name, "attributes": handle["resource"]["attributes"]}


async def test_a_handle_token_signals_its_handle_only_and_nothing_else(
    app: Any, client: httpx.AsyncClient, waiting: dict[str, Any]
) -> None:
    path, attrs = waiting["path"], waiting["attributes"]
    assert attrs["endpoint"] == f"{attrs['endpoint'].split('/v1/')[0]}{path}/resources/handle/signal"
    assert f"X-Auth-Token: {attrs['token']}" in attrs["curl_cli"]
    async with asgi_client(app, token=attrs["token"]) as sender:
        assert (await sender.get(path)).status_code == 401  # not a user token anywhere else
        refused = await sender.post(f"{path}/resources/cfn_handle/signal", json={})
        assert refused.status_code == 403, refused.text
        lookup = await sender.post(f"/v1/{TENANT}/stacks/{waiting['name']}/resources/handle/signal", json={})
        assert lookup.status_code in (401, 404), lookup.text  # no lookup by name with a handle token
        sent = await sender.post(f"{path}/resources/handle/signal", json={"data": "hi"})
        assert sent.status_code == 200, sent.text
    async with asgi_client(app, token="made-up") as stranger:
        assert (await stranger.post(f"{path}/resources/handle/signal", json={})).status_code == 403
    await wait_status(client, path, "CREATE_COMPLETE")
    meta = (await client.get(f"{path}/resources/handle/metadata")).json()["metadata"]
    assert meta == {"1": {"status": "SUCCESS", "reason": "Signal 1 received", "data": "hi"}}


async def test_a_presigned_cfn_url_needs_no_header(
    app: Any, client: httpx.AsyncClient, waiting: dict[str, Any]
) -> None:
    for _ in range(400):  # the fixture waits for the native handle; the CFN one may be a moment later
        url = (await client.get(f"{waiting['path']}/outputs/cfn_url")).json()["output"]["output_value"]
        if isinstance(url, str) and url.startswith("http"):
            break
        await asyncio.sleep(0.05)
    body = {"Status": "SUCCESS", "Reason": "r", "UniqueId": "1", "Data": "d"}
    async with asgi_client(app, token=None) as anonymous:
        parts = urlsplit(url)
        resp = await anonymous.post(f"{parts.path}?{parts.query}", json=body)
        assert resp.status_code == 200, resp.text


async def test_heatclient_signals_a_handle(live_server: str, waiting: dict[str, Any]) -> None:
    hc = heat(live_server)
    await run(hc.resources.signal, waiting["name"], "handle", data={"status": "SUCCESS", "id": "x"})
    stack = await run(hc.stacks.get, waiting["name"])
    for _ in range(200):
        if stack.stack_status != "CREATE_IN_PROGRESS":
            break
        await asyncio.sleep(0.05)
        stack = await run(hc.stacks.get, waiting["name"])
    assert stack.stack_status == "CREATE_COMPLETE", stack.stack_status_reason
    events = await run(hc.events.list, waiting["name"], resource_name="handle")
    assert any(e.resource_status_reason == "Signal: status:SUCCESS reason:Signal 1 received" for e in events)
