"""``--wait`` and ``event list --follow`` over the gateway's live event stream, when it has one.

What was stored since ``marker`` is read from the event list first (a new
stack has its first event already), then the stream goes on from the last
one (``shared.clients.events``, which reconnects with Last-Event-ID), so
each event shows once and the wait ends the moment the gateway says the
action has ended, not at the next poll. A gateway without the stream (or
one that fails it) makes ``follow`` say so: the caller polls instead, from
the last event shown.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from services.cli.client import GatewayClient, GatewayError
from shared.clients.events import EventStreamClient, StreamFailed, StreamUnsupported


@dataclass
class Followed:
    """How a follow ended: ``streamed`` False means "poll instead, after ``marker``"."""

    streamed: bool
    stack: dict[str, Any] | None = None
    marker: str | None = None
    gone: bool = False


def follow(
    client: GatewayClient,
    full_id: str,
    on_event: Callable[[dict[str, Any]], None],
    marker: str | None = None,
    timeout: float | None = None,
) -> Followed:
    """Hand each event after ``marker`` to ``on_event`` until the action ends; the stack's final body.

    Raises GatewayError after ``timeout`` seconds.
    """
    name, _, stack_id = full_id.partition("/")
    try:
        for event in client.list_events(full_id, marker=marker):
            on_event(event)
            marker = str(event.get("id"))
    except GatewayError as exc:
        return Followed(streamed=False, marker=marker, gone=exc.status == 404)
    stream = EventStreamClient(
        client.root, client.project, name, stack_id, token=client.token, last_event_id=marker
    )

    async def run() -> dict[str, Any] | None:
        async for event in stream:
            on_event(event)
        return stream.stack

    try:
        final = asyncio.run(_bounded(run(), timeout))
    except TimeoutError:
        raise GatewayError(f"gave up waiting for {full_id} after {timeout:.0f}s") from None
    except (StreamUnsupported, StreamFailed) as exc:
        gone = isinstance(exc, StreamFailed) and exc.status == 404
        return Followed(streamed=False, marker=stream.last_event_id, gone=gone)
    return Followed(streamed=True, stack=final, marker=stream.last_event_id)


async def _bounded(work: Any, timeout: float | None) -> Any:
    return await (asyncio.wait_for(work, timeout) if timeout else work)
