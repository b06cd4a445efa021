"""A client for the gateway's live event stream (``GET .../events?stream=true``, Server-Sent Events).

``EventStreamClient(...)`` is an async iterator of events (the same dicts as
the event list's items); it ends when the stack's action does, and then
``stack`` holds the stack as the gateway showed it. A dropped connection,
or the gateway cutting off a client that fell behind (``event: overrun``),
is followed by a reconnect with ``Last-Event-ID``: the gateway replays what
was missed from the store, so the iteration sees every event once. A
gateway without the stream raises StreamUnsupported at the first request
(callers fall back to polling the event list)::

    async for event in EventStreamClient(url, "demo", "web", stack_id, token=token):
        print(event["resource_name"], event["resource_status"])
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import quote

import httpx

MEDIA_TYPE = "text/event-stream"


class StreamUnsupported(Exception):
    """The gateway answered without an event stream (an older one, or a proxy in the way)."""


class _Unavailable(Exception):
    """The gateway answered 502/503/504 (restarting, or its engine is): try again shortly."""


class StreamFailed(Exception):
    """The gateway refused the stream (its status and text), or kept dropping it."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


async def parse(lines: AsyncIterator[str]) -> AsyncIterator[tuple[str, str | None, str]]:
    """(event type, id, data) of each message of an SSE body; comments are skipped."""
    kind: str = "message"
    event_id: str | None = None
    data: list[str] = []
    async for line in lines:
        if not line:
            if data:
                yield kind, event_id, "\n".join(data)
            kind, event_id, data = "message", None, []
            continue
        if line.startswith(":"):
            continue
        field, _, value = line.partition(":")
        value = value[1:] if value.startswith(" ") else value
        if field == "data":
            data.append(value)
        elif field == "event":
            kind = value
        elif field == "id":
            event_id = value


class EventStreamClient:
    def __init__(
        self,
        base_url: str,
        tenant: str,
        stack_name: str,
        stack_id: str,
        *,
        token: str | None = None,
        last_event_id: str | None = None,
        nested_depth: int | None = None,
        http: httpx.AsyncClient | None = None,
        reconnects: int = 30,
        reconnect_delay: float = 0.5,
    ) -> None:
        path = "/".join(quote(part, safe="") for part in (tenant, "stacks", stack_name, stack_id))
        self.url = f"{base_url.rstrip('/')}/v1/{path}/events"
        self.params: dict[str, Any] = {"stream": "true"}
        if nested_depth:
            self.params["nested_depth"] = nested_depth
        self.headers = {"Accept": MEDIA_TYPE}
        if token:
            self.headers["X-Auth-Token"] = token
        self.last_event_id = last_event_id
        self.http = http
        self.reconnects = reconnects
        self.reconnect_delay = reconnect_delay
        self.stack: dict[str, Any] | None = None  # set when the action has ended
        self.overruns = 0
        self.connections = 0

    def __aiter__(self) -> AsyncIterator[dict[str, Any]]:
        return self.events()

    async def events(self) -> AsyncIterator[dict[str, Any]]:
        own = self.http is None
        http = self.http or httpx.AsyncClient(timeout=httpx.Timeout(10.0, read=None))
        failures = 0
        try:
            while self.stack is None:
                try:
                    async for event in self._connect(http):
                        failures = 0
                        yield event
                except (httpx.TransportError, httpx.StreamError, _Unavailable) as exc:
                    failures += 1
                    if failures > self.reconnects:
                        raise StreamFailed(f"the event stream kept failing: {exc}") from exc
                if self.stack is None:
                    # Backing off (to 4x) while the gateway is away: a restart takes seconds.
                    await asyncio.sleep(self.reconnect_delay * min(1 + failures, 4))
        finally:
            if own:
                await http.aclose()

    async def _connect(self, http: httpx.AsyncClient) -> AsyncIterator[dict[str, Any]]:
        headers = dict(self.headers)
        if self.last_event_id:
            headers["Last-Event-ID"] = self.last_event_id
        async with http.stream("GET", self.url, params=self.params, headers=headers) as response:
            self.connections += 1
            if response.status_code in (502, 503, 504):
                raise _Unavailable(f"the gateway answered {response.status_code}")
            if response.status_code >= 400:
                text = (await response.aread()).decode(errors="replace")
                raise StreamFailed(
                    f"the gateway refused the event stream: {response.status_code} {text[:500]}",
                    response.status_code,
                )
            if MEDIA_TYPE not in response.headers.get("content-type", ""):
                raise StreamUnsupported(f"{self.url} answered {response.headers.get('content-type')}")
            async for kind, event_id, data in parse(response.aiter_lines()):
                body = json.loads(data)
                if kind == "stack":
                    self.stack = body
                    return
                if kind == "overrun":
                    self.overruns += 1
                    return  # reconnect from the last id
                if event_id:
                    self.last_event_id = event_id
                yield body
