"""Resource and event routes: shapes, links, filters, 404s."""

from __future__ import annotations

from typing import Any

import httpx

from tests.integration.api.conftest import TENANT

BASE = "http://ember.test"


async def test_resources_have_heat_keys_and_links(client: httpx.AsyncClient, stack: dict[str, Any]) -> None:
    resp = await client.get(stack["path"] + "/resources")
    assert resp.status_code == 200
    resources = {r["resource_name"]: r for r in resp.json()["resources"]}
    assert set(resources) == {"a", "b"}
    a = resources["a"]
    assert a["logical_resource_id"] == "a"
    assert a["resource_status"] == "CREATE_COMPLETE"
    assert a["resource_type"] == "OS::Heat::None"
    assert "resource_action" not in a and "resource_identity" not in a and "stack_identity" not in a
    assert a["links"] == [
        {"href": f"{BASE}{stack['path']}/resources/a", "rel": "self"},
        {"href": f"{BASE}{stack['path']}", "rel": "stack"},
    ]


async def test_resource_filter_by_name(client: httpx.AsyncClient, stack: dict[str, Any]) -> None:
    resp = await client.get(stack["path"] + "/resources", params={"name": "b"})
    assert [r["resource_name"] for r in resp.json()["resources"]] == ["b"]


async def test_show_resource_and_missing_resource(client: httpx.AsyncClient, stack: dict[str, Any]) -> None:
    resp = await client.get(stack["path"] + "/resources/a")
    assert resp.status_code == 200
    assert resp.json()["resource"]["physical_resource_id"]
    missing = await client.get(stack["path"] + "/resources/zzz")
    assert missing.status_code == 404
    assert missing.json()["error"]["type"] == "ResourceNotFound"
    meta = await client.get(stack["path"] + "/resources/a/metadata")
    assert meta.json() == {"metadata": {}}


async def test_events_have_heat_keys_and_three_links(
    client: httpx.AsyncClient, stack: dict[str, Any]
) -> None:
    resp = await client.get(stack["path"] + "/events")
    assert resp.status_code == 200
    events = resp.json()["events"]
    assert events
    ev = next(e for e in events if e["resource_name"] == "a")
    assert set(ev) == {
        "event_time",
        "id",
        "links",
        "logical_resource_id",
        "physical_resource_id",
        "resource_name",
        "resource_status",
        "resource_status_reason",
    }
    assert ev["resource_status"] in ("CREATE_IN_PROGRESS", "CREATE_COMPLETE")
    assert [link["rel"] for link in ev["links"]] == ["self", "resource", "stack"]
    assert ev["links"][0]["href"] == f"{BASE}{stack['path']}/resources/a/events/{ev['id']}"
    assert ev["links"][1]["href"] == f"{BASE}{stack['path']}/resources/a"


async def test_event_filters_and_limit(client: httpx.AsyncClient, stack: dict[str, Any]) -> None:
    resp = await client.get(
        stack["path"] + "/events", params={"resource_status": "COMPLETE", "resource_name": "b"}
    )
    events = resp.json()["events"]
    assert [(e["resource_name"], e["resource_status"]) for e in events] == [("b", "CREATE_COMPLETE")]
    limited = (await client.get(stack["path"] + "/events", params={"limit": 2})).json()["events"]
    assert len(limited) == 2
    page2 = (
        await client.get(stack["path"] + "/events", params={"limit": 2, "marker": limited[-1]["id"]})
    ).json()
    assert page2["events"][0]["id"] not in {e["id"] for e in limited}


async def test_resource_events_and_one_event(client: httpx.AsyncClient, stack: dict[str, Any]) -> None:
    resp = await client.get(stack["path"] + "/resources/a/events")
    events = resp.json()["events"]
    assert events and {e["resource_name"] for e in events} == {"a"}
    one = await client.get(f"{stack['path']}/resources/a/events/{events[0]['id']}")
    assert one.status_code == 200
    event = one.json()["event"]
    assert event["id"] == events[0]["id"]
    assert event["resource_type"] == "OS::Heat::None"
    missing = await client.get(f"{stack['path']}/resources/a/events/no-such-event")
    assert missing.status_code == 404
    none = await client.get(stack["path"] + "/resources/zzz/events")
    assert none.status_code == 404


async def test_event_lookup_redirect_by_name(client: httpx.AsyncClient, stack: dict[str, Any]) -> None:
    resp = await client.get(f"/v1/{TENANT}/stacks/{stack['name']}/events", follow_redirects=True)
    assert resp.status_code == 200
    assert resp.json()["events"]
