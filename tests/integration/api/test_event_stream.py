"""The live event stream over real HTTP (uvicorn) with the real engine and store on the real bus.

The create's events are read live, the connection is dropped mid-way and
taken up again with Last-Event-ID: together the two connections carry the
stored list exactly (same events, same shapes, none twice), and the stream
ends with the stack as GET shows it.
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from shared.clients.events import EventStreamClient
from shared.clients.store import StoreClient
from shared.config import EventStreamSettings, Settings, StoreSettings
from shared.context import RequestContext
from tests.integration.api.conftest import TENANT, EngineBackend, backend_app, serve, unique_name

CHAIN = {
    "heat_template_version": "2018-08-31",
    "resources": {
        "first": {"type": "OS::Heat::TestResource", "properties": {"wait_secs": 0.2}},
        "second": {"type": "OS::Heat::TestResource", "properties": {"wait_secs": 0.2}, "depends_on": "first"},
        "third": {"type": "OS::Heat::TestResource", "properties": {"wait_secs": 0.2}, "depends_on": "second"},
    },
}
NESTED = {
    "heat_template_version": "2018-08-31",
    "resources": {
        "inner": {"type": "inner.yaml"},
        "outer": {"type": "OS::Heat::None"},
    },
}
INNER = (
    "heat_template_version: 2018-08-31\nresources:\n  leaf:\n    type: OS::Heat::TestResource\n"
    "    properties: {wait_secs: 0.3}\n"
)


@pytest.fixture
def real_engine(engine_backend: EngineBackend) -> EngineBackend:
    if not engine_backend.real:
        pytest.skip("the stream comes from the real engine's events")
    return engine_backend


async def _create(http: httpx.AsyncClient, template: dict[str, Any], **extra: Any) -> tuple[str, str, str]:
    name = unique_name("live")
    resp = await http.post(f"/v1/{TENANT}/stacks", json={"stack_name": name, "template": template, **extra})
    assert resp.status_code == 201, resp.text
    sid = resp.json()["stack"]["id"]
    return name, sid, f"/v1/{TENANT}/stacks/{name}/{sid}"


async def test_a_create_streams_live_and_a_reconnect_with_last_event_id_misses_nothing(
    live_server: str, real_engine: EngineBackend
) -> None:
    async with httpx.AsyncClient(base_url=live_server, headers={"X-Auth-Token": "demo-token"}) as http:
        name, sid, path = await _create(http, CHAIN)
        listed = (await http.get(path + "/events", params={"sort_dir": "asc"})).json()["events"]
        assert listed, "a new stack has its first event stored with it"

        first = EventStreamClient(
            live_server, TENANT, name, sid, token="demo-token", last_event_id=listed[-1]["id"]
        )
        seen: list[dict[str, Any]] = []
        reader = first.events()
        async for event in reader:
            seen.append(event)
            if len(seen) == 2:
                break
        await reader.aclose()  # the client goes away mid-create

        second = EventStreamClient(
            live_server, TENANT, name, sid, token="demo-token", last_event_id=seen[-1]["id"]
        )
        seen.extend([event async for event in second])

        stored = (await http.get(path + "/events", params={"sort_dir": "asc"})).json()["events"]
        shown = (await http.get(path)).json()["stack"]
    assert [e["id"] for e in listed + seen] == [e["id"] for e in stored]
    assert listed + seen == stored  # the same shape as the event list
    assert second.stack == shown
    assert shown["stack_status"] == "CREATE_COMPLETE"
    assert stored[-1]["resource_status"] == "CREATE_COMPLETE" and stored[-1]["resource_name"] == name


async def test_the_stream_speaks_sse_and_takes_nested_events_to_the_depth_asked(
    live_server: str, real_engine: EngineBackend
) -> None:
    async with httpx.AsyncClient(base_url=live_server, headers={"X-Auth-Token": "demo-token"}) as http:
        _name, _sid, path = await _create(http, NESTED, files={"inner.yaml": INNER})
        first_id = (await http.get(path + "/events", params={"sort_dir": "asc"})).json()["events"][0]["id"]
        headers = {"Accept": "text/event-stream", "Last-Event-ID": first_id}
        async with http.stream("GET", path + "/events", params={"nested_depth": 1}, headers=headers) as resp:
            assert resp.status_code == 200
            assert resp.headers["content-type"].startswith("text/event-stream")
            text = (await resp.aread()).decode()
        stored = (await http.get(path + "/events", params={"nested_depth": 1, "sort_dir": "asc"})).json()[
            "events"
        ]
    frames = [f for f in text.split("\n\n") if f.strip() and not f.startswith(":")]
    *events, last = frames
    assert last.startswith("event: stack\ndata: ")
    ids = [f.split("\n", 1)[0].removeprefix("id: ") for f in events]
    assert ids == [e["id"] for e in stored][1:]
    names = {e["resource_name"] for e in stored}
    assert "leaf" in names  # the nested stack's own resource, one level down


async def test_the_stream_is_scoped_to_the_tenant_like_the_event_list(
    live_server: str, real_engine: EngineBackend
) -> None:
    async with httpx.AsyncClient(base_url=live_server, headers={"X-Auth-Token": "demo-token"}) as http:
        name, sid, _path = await _create(http, CHAIN)
    async with httpx.AsyncClient(base_url=live_server, headers={"X-Auth-Token": "other-token"}) as other:
        resp = await other.get(f"/v1/other/stacks/{name}/{sid}/events", params={"stream": "true"})
        listed = await other.get(f"/v1/other/stacks/{name}/{sid}/events")
    assert resp.status_code == listed.status_code == 404


async def test_a_stream_that_lost_the_live_events_catches_up_from_the_store_when_quiet(
    api_settings: Settings, real_engine: EngineBackend
) -> None:
    """As after a broker blip: nothing reaches the stream live, yet it ends with every event and the stack."""
    quiet = api_settings.model_copy(update={"events": EventStreamSettings(keepalive=0.2)})
    app = backend_app(quiet, real_engine)
    hub = app.state.gateway.hub
    hub._subscriber._handler = lambda message: None  # every live event lost on its way to the streams
    async with (
        serve(app) as url,
        httpx.AsyncClient(base_url=url, headers={"X-Auth-Token": "demo-token"}) as http,
    ):
        name, sid, path = await _create(http, CHAIN)
        listed = (await http.get(path + "/events", params={"sort_dir": "asc"})).json()["events"]
        stream = EventStreamClient(url, TENANT, name, sid, token="demo-token", last_event_id=listed[-1]["id"])
        seen = [event async for event in stream]
        stored = (await http.get(path + "/events", params={"sort_dir": "asc"})).json()["events"]
    assert listed + seen == stored
    assert stream.stack is not None and stream.stack["stack_status"] == "CREATE_COMPLETE"
    assert stream.connections == 1


async def test_a_last_event_id_purged_meanwhile_replays_every_event_kept(
    live_server: str, real_engine: EngineBackend
) -> None:
    """store.max_events_per_stack purged the client's last event while it was away: the stream
    neither refuses the marker nor loses anything; it replays what is kept (all newer) and ends."""
    store = StoreClient(real_engine.transport, timeout=30, topic=real_engine.store_topic)
    admin = RequestContext.admin()
    async with httpx.AsyncClient(base_url=live_server, headers={"X-Auth-Token": "demo-token"}) as http:
        _name, sid, path = await _create(
            http, {"heat_template_version": "2018-08-31", "resources": {"n": {"type": "OS::Heat::None"}}}
        )
        await _wait_complete(http, path)
        first_id = (await http.get(path + "/events", params={"sort_dir": "asc"})).json()["events"][0]["id"]
        (row,) = await store.resource_get_all_by_stack(admin, sid)
        limit = StoreSettings().max_events_per_stack
        await store.resource_transition_many(
            admin,
            [{"resource_id": row.id, "values": {"status_reason": f"step {i}"}} for i in range(limit + 10)],
        )
        kept = [e.uuid for e in await store.event_get_all_by_stack(admin, sid, sort_dir="asc")]
        assert first_id not in kept and limit <= len(kept) < limit + 10 + 3  # purged down to the limit
        headers = {"Accept": "text/event-stream", "Last-Event-ID": first_id}
        async with http.stream("GET", path + "/events", headers=headers) as resp:
            assert resp.status_code == 200
            text = (await resp.aread()).decode()
    frames = [f for f in text.split("\n\n") if f.strip() and not f.startswith(":")]
    *events, last = frames
    assert last.startswith("event: stack\ndata: ")
    assert [f.split("\n", 1)[0].removeprefix("id: ") for f in events] == kept


async def _wait_complete(http: httpx.AsyncClient, path: str) -> None:
    for _ in range(600):
        if (await http.get(path)).json()["stack"]["stack_status"] == "CREATE_COMPLETE":
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the stack did not complete")
