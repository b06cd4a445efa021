"""The gateway's live event routing (EventHub, Watch) and a stream's overrun, without a broker."""

from __future__ import annotations

from typing import Any

from services.api.live import EventHub, Watch
from services.api.routes.event_stream import EventStream, frame
from shared.config import EventStreamSettings, Settings

ROOT, CHILD, GRANDCHILD = "root-id", "child-id", "grandchild-id"


def message(stack_id: str, ancestors: list[str], tenant: str = "demo", n: int = 1) -> dict[str, Any]:
    event = {
        "event_identity": {
            "tenant": tenant,
            "stack_name": "s",
            "stack_id": stack_id,
            "path": f"/resources/r/events/e{n}",
        },
        "stack_identity": {"tenant": tenant, "stack_name": "s", "stack_id": stack_id, "path": ""},
        "resource_name": "r",
        "resource_action": "CREATE",
        "resource_status": "IN_PROGRESS",
        "resource_type": "OS::Heat::None",
    }
    return {"v": 1, "tenant": tenant, "stack_id": stack_id, "ancestors": ancestors, "event": event}


def hub(buffer: int = 10) -> EventHub:
    settings = Settings(events=EventStreamSettings(client_buffer=buffer))
    return EventHub(transport=None, settings=settings)  # type: ignore[arg-type]  # never started here


def test_a_watch_takes_its_stack_and_nested_stacks_to_its_depth_for_its_tenant_only() -> None:
    flat, one_down, deep = Watch(ROOT, "demo", 0, 10), Watch(ROOT, "demo", 1, 10), Watch(ROOT, "demo", 5, 10)
    own, child, grandchild = message(ROOT, []), message(CHILD, [ROOT]), message(GRANDCHILD, [ROOT, CHILD])
    assert [flat.wants(m) for m in (own, child, grandchild)] == [True, False, False]
    assert [one_down.wants(m) for m in (own, child, grandchild)] == [True, True, False]
    assert [deep.wants(m) for m in (own, child, grandchild)] == [True, True, True]
    assert not deep.wants(message(ROOT, [], tenant="other"))
    # A watch of the child sees the grandchild one level down.
    assert Watch(CHILD, "demo", 1, 10).wants(grandchild)


def test_the_hub_hands_messages_to_the_watches_they_concern_and_ignores_bad_ones() -> None:
    events = hub()
    root_watch = events.watch(ROOT, "demo", 1)
    other_watch = events.watch("unrelated", "demo", 5)
    events._on_message(message(CHILD, [ROOT]))
    events._on_message({"v": 2, "stack_id": ROOT, "event": {}})  # a version this gateway does not know
    events._on_message({"v": 1, "stack_id": 7, "event": []})
    assert root_watch.queue.qsize() == 1 and other_watch.queue.empty()
    events.unwatch(root_watch)
    events._on_message(message(ROOT, []))
    assert root_watch.queue.qsize() == 1  # no longer watched


async def test_a_client_that_falls_behind_is_told_and_cut_off() -> None:
    events = hub(buffer=2)
    watch = events.watch(ROOT, "demo", 0)
    for n in range(5):  # nobody reads: the third overruns the buffer
        events._on_message(message(ROOT, [], n=n))
    assert watch.overrun
    stream = EventStream(
        events,
        engine=None,
        ctx=None,
        base="http://x",
        stack={"stack_identity": {"stack_id": ROOT}},  # type: ignore[arg-type]
        nested_depth=None,
        keepalive=5,
    )
    stream.last_id = "e0"
    frames = [text async for text in stream._live(watch)]
    assert frames == [frame({"last_event_id": "e0"}, event="overrun")]
