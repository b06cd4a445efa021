"""The event stream client: SSE parsing, the end of an action, overrun -> reconnect, no stream -> fallback."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from shared.clients.events import EventStreamClient, StreamFailed, StreamUnsupported, parse


async def lines(text: str) -> AsyncIterator[str]:
    for line in text.split("\n"):
        yield line


async def test_parse_reads_events_ids_and_skips_comments() -> None:
    body = ': keepalive\n\nid: 1\ndata: {"a": 1}\n\nevent: stack\ndata: {"s": 2}\n\n'
    assert [m async for m in parse(lines(body))] == [
        ("message", "1", '{"a": 1}'),
        ("stack", None, '{"s": 2}'),
    ]


def gateway(bodies: list[tuple[int, str, str]], seen: list[httpx.Request]) -> httpx.AsyncClient:
    """An HTTP client whose answers are ``bodies`` in turn (status, content type, text)."""

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        status, kind, text = bodies[len(seen) - 1]
        return httpx.Response(status, headers={"content-type": kind}, text=text)

    return httpx.AsyncClient(transport=httpx.MockTransport(answer))


async def test_an_overrun_reconnects_from_the_last_id_and_the_stack_ends_the_iteration() -> None:
    seen: list[httpx.Request] = []
    sse = "text/event-stream"
    http = gateway(
        [
            (200, sse, 'id: e1\ndata: {"id": "e1"}\n\nevent: overrun\ndata: {"last_event_id": "e1"}\n\n'),
            (
                200,
                sse,
                'id: e2\ndata: {"id": "e2"}\n\nevent: stack\ndata: {"stack_status": "CREATE_COMPLETE"}\n\n',
            ),
        ],
        seen,
    )
    client = EventStreamClient("http://gw", "demo", "web", "sid", token="t", http=http, reconnect_delay=0)
    assert [e["id"] async for e in client] == ["e1", "e2"]
    assert client.stack == {"stack_status": "CREATE_COMPLETE"} and client.overruns == 1
    assert seen[1].headers["Last-Event-ID"] == "e1" and "Last-Event-ID" not in seen[0].headers
    assert seen[0].url.path == "/v1/demo/stacks/web/sid/events" and seen[0].url.params["stream"] == "true"
    assert seen[0].headers["X-Auth-Token"] == "t"


async def test_a_gateway_without_the_stream_or_refusing_it_is_told_apart() -> None:
    http = gateway([(200, "application/json", '{"events": []}')], [])
    with pytest.raises(StreamUnsupported):
        [e async for e in EventStreamClient("http://gw", "demo", "web", "sid", http=http)]
    http = gateway([(404, "application/json", '{"error": "no such stack"}')], [])
    with pytest.raises(StreamFailed) as failed:
        [e async for e in EventStreamClient("http://gw", "demo", "web", "sid", http=http)]
    assert failed.value.status == 404
