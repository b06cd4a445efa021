"""``GET .../events?stream=true`` (or ``Accept: text/event-stream``): a stack's events as Server-Sent Events.

The contract (README, "Watching Ember"):

- each event as ``id: <event id>`` and ``data: <JSON>``, the JSON being the
  same as one item of the event list route;
- ``Last-Event-ID`` (or ``?last_event_id=``) first replays, from the store,
  the events after that one, then the live ones; none is sent twice;
- ``nested_depth`` takes the events of nested stacks down to that depth, as
  the event list does;
- when the stack's action is over (it is no longer IN_PROGRESS, on
  connecting or later) the stream ends with ``event: stack`` whose data is
  the stack as ``GET`` of the stack shows it (``"stack"``), and closes;
- a client that falls behind by more than ``events.client_buffer`` events
  gets ``event: overrun`` (data: ``{"last_event_id": ...}``) and is
  disconnected (it reconnects with that id);
- ``: keepalive`` comments every ``events.keepalive`` seconds of quiet; at each, a stream
  whose action has ended unseen (live events lost to a broker blip) sends what the store
  has after its last event, then ``event: stack``.

Scoped like the event list: the stack is looked up with the caller's
context before anything is sent (404 for a stack of another tenant).
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator
from typing import Any

from starlette.responses import StreamingResponse

from services.api import views
from services.api.live import EventHub, Watch
from shared import metrics
from shared.clients.engine import EngineClient
from shared.context import RequestContext
from shared.exceptions import EmberError, StackNotFound

LOG = logging.getLogger(__name__)

MEDIA_TYPE = "text/event-stream"
STACK_TYPE = "OS::Heat::Stack"
_FINAL = frozenset({"COMPLETE", "FAILED"})
_SEEN_LIMIT = 100000


def wants_stream(stream: bool, accept: str | None) -> bool:
    return stream or (accept is not None and MEDIA_TYPE in accept.lower())


def frame(data: Any, event: str | None = None, event_id: str | None = None) -> str:
    lines = []
    if event is not None:
        lines.append(f"event: {event}")
    if event_id is not None:
        lines.append(f"id: {event_id}")
    lines.append("data: " + json.dumps(data, separators=(",", ":")))
    return "\n".join(lines) + "\n\n"


class EventStream:
    """One client's stream: replay, then live events until the action ends (see the module)."""

    def __init__(
        self,
        hub: EventHub,
        engine: EngineClient,
        ctx: RequestContext,
        base: str,
        stack: dict[str, Any],
        nested_depth: int | None,
        keepalive: float,
    ) -> None:
        self.hub = hub
        self.engine = engine
        self.ctx = ctx
        self.base = base
        self.stack = stack  # the engine's shape, as last shown
        self.identity: dict[str, Any] = stack["stack_identity"]
        self.nested_depth = nested_depth
        self.keepalive = keepalive
        self.last_id: str | None = None
        self._seen: set[str] = set()

    @classmethod
    async def open(
        cls,
        hub: EventHub,
        engine: EngineClient,
        ctx: RequestContext,
        base: str,
        identity: dict[str, Any],
        nested_depth: int | None,
        last_event_id: str | None,
        keepalive: float,
    ) -> StreamingResponse:
        """Look the stack up and read what was missed before answering (errors are plain HTTP ones)."""
        await hub.start()
        # Watch first, then look: an event stored in between is then queued, not lost.
        watch = hub.watch(str(identity["stack_id"]), str(identity["tenant"]), nested_depth or 0)
        try:
            shown = (await engine.show_stack(ctx, identity, resolve_outputs=False))[0]
            watch.tenant = str(shown["stack_identity"]["tenant"])
            missed: list[dict[str, Any]] = []
            if last_event_id:
                missed = await engine.list_events(  # after the marker, oldest first
                    ctx,
                    shown["stack_identity"],
                    marker=last_event_id,
                    sort_dir="asc",
                    nested_depth=nested_depth,
                )
        except BaseException:
            hub.unwatch(watch)
            raise
        stream = cls(hub, engine, ctx, base, shown, nested_depth, keepalive)
        stream.last_id = last_event_id
        return StreamingResponse(
            stream.run(watch, missed),
            media_type=MEDIA_TYPE,
            headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
        )

    def _event(self, raw: dict[str, Any]) -> str | None:
        """The frame of an event not sent yet (None for one already sent)."""
        body = views.format_event(self.base, raw, views.EVENT_SUMMARY_KEYS)
        event_id = str(body.get("id"))
        if event_id in self._seen:
            return None
        if len(self._seen) < _SEEN_LIMIT:
            self._seen.add(event_id)
        self.last_id = event_id
        return frame(body, event_id=event_id)

    def _ends_action(self, raw: dict[str, Any]) -> bool:
        ident = raw.get("stack_identity") or {}
        return (
            ident.get("stack_id") == self.identity["stack_id"]
            and raw.get("resource_type") == STACK_TYPE
            and raw.get("resource_status") in _FINAL
        )

    async def _final_stack(self, raw: dict[str, Any] | None) -> dict[str, Any] | None:
        """The stack's body if its action is over (None while it is still IN_PROGRESS).

        After an event that ends the action (``raw``) the stack is shown once, as GET shows it;
        on a mere check (``raw`` None) a show without outputs comes first, and the full one only
        once the action is over.
        """
        try:
            if raw is None:
                self.stack = (await self.engine.show_stack(self.ctx, self.identity, resolve_outputs=False))[0]
            if raw is not None or self.stack.get("stack_status") != "IN_PROGRESS":
                self.stack = (await self.engine.show_stack(self.ctx, self.identity))[0]
        except StackNotFound:
            if raw is None:
                return None
            # Gone for good (a delete's end): the last view, in the state the event recorded.
            self.stack = {
                **self.stack,
                "stack_action": raw.get("resource_action"),
                "stack_status": raw.get("resource_status"),
                "stack_status_reason": raw.get("resource_status_reason"),
            }
        if self.stack.get("stack_status") == "IN_PROGRESS":
            return None
        return views.format_stack(self.base, self.stack)

    async def _catch_up(self) -> AsyncIterator[str]:
        """At a quiet moment: if the action has ended unseen (its live events lost in a broker
        blip, or dropped), what the store has after the last event sent, then the stack."""
        try:
            final = await self._final_stack(None)
            if final is None:
                return
            missed: list[dict[str, Any]] = []
            if self.last_id:
                missed = await self.engine.list_events(  # after the marker, oldest first
                    self.ctx,
                    self.identity,
                    marker=self.last_id,
                    sort_dir="asc",
                    nested_depth=self.nested_depth,
                )
        except EmberError as exc:
            LOG.warning("event stream of %s: cannot catch up: %s", self.identity["stack_id"], exc)
            return
        for raw in missed:
            text = self._event(raw)
            if text:
                yield text
        yield frame(final, event="stack")

    async def run(self, watch: Watch, missed: list[dict[str, Any]]) -> AsyncIterator[str]:
        metrics.STREAM_CLIENTS.inc()
        try:
            for raw in missed:
                text = self._event(raw)
                if text:
                    yield text
            if self.stack.get("stack_status") != "IN_PROGRESS":
                final = await self._final_stack(None)  # shown again, outputs and all, as GET shows it
                if final is not None:
                    yield frame(final, event="stack")
                    return
            async for text in self._live(watch):
                yield text
        finally:
            self.hub.unwatch(watch)
            metrics.STREAM_CLIENTS.dec()

    async def _live(self, watch: Watch) -> AsyncIterator[str]:
        while True:
            try:
                raw = await asyncio.wait_for(watch.queue.get(), self.keepalive)
            except TimeoutError:
                caught_up = [late async for late in self._catch_up()]
                for late in caught_up:
                    yield late
                if caught_up:
                    return
                yield ": keepalive\n\n"
                continue
            if watch.closed:
                return  # the gateway is stopping; the client reconnects with its last id
            if watch.overrun:
                metrics.STREAM_OVERRUNS.inc()
                LOG.info("event stream of %s: client fell behind; disconnected", self.identity["stack_id"])
                yield frame({"last_event_id": self.last_id}, event="overrun")
                return
            text = self._event(raw)
            if text:
                yield text
            if self._ends_action(raw):
                try:
                    final = await self._final_stack(raw)
                except EmberError as exc:
                    LOG.warning(
                        "event stream of %s: cannot show the stack: %s", self.identity["stack_id"], exc
                    )
                    continue
                if final is not None:
                    yield frame(final, event="stack")
                    return
