"""Event routes: a stack's events, one resource's events, one event."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request
from starlette.exceptions import HTTPException
from starlette.responses import Response

from services.api import views
from services.api.deps import Base, Ctx, Engine, StackIdentity, get_state, query_filters
from services.api.routes.event_stream import EventStream, wants_stream
from shared.clients.engine import EngineClient
from shared.context import RequestContext

router = APIRouter(prefix="/v1/{tenant_id}/stacks/{stack_name}/{stack_id}", tags=["events"])

EVENT_FILTERS = ("resource_action", "resource_status", "resource_name", "resource_type")


async def _events(
    request: Request,
    stack: dict[str, Any],
    ctx: RequestContext,
    engine: EngineClient,
    base: str,
    resource_name: str | None,
    limit: int | None,
    marker: str | None,
    sort_keys: list[str] | None,
    sort_dir: str | None,
    nested_depth: int | None,
) -> dict[str, Any]:
    filters = query_filters(request, EVENT_FILTERS)
    if resource_name is not None:
        filters["resource_name"] = resource_name
    events = await engine.list_events(
        ctx,
        stack,
        filters=filters or None,
        limit=limit,
        marker=marker,
        sort_keys=sort_keys,
        sort_dir=sort_dir,
        nested_depth=nested_depth,
    )
    if not events and resource_name is not None:
        raise HTTPException(404, f"No events found for resource {resource_name}")
    return {"events": [views.format_event(base, e, views.EVENT_SUMMARY_KEYS) for e in events]}


Limit = Annotated[int | None, Query(ge=0)]
SortDir = Annotated[str | None, Query(pattern="^(asc|desc)$")]
Filter = Annotated[list[str] | None, Query()]


@router.get("/events", summary="List the stack's events (or stream them)", response_model=None)
async def list_events(
    request: Request,
    stack: StackIdentity,
    ctx: Ctx,
    engine: Engine,
    base: Base,
    limit: Limit = None,
    marker: str | None = None,
    sort_keys: Filter = None,
    sort_dir: SortDir = None,
    nested_depth: Annotated[int | None, Query(ge=0, le=100)] = None,
    resource_action: Filter = None,
    resource_status: Filter = None,
    resource_name: Filter = None,
    resource_type: Filter = None,
    stream: Annotated[
        bool, Query(description="Serve Server-Sent Events (see README: Watching Ember).")
    ] = False,
    last_event_id: Annotated[str | None, Query(max_length=36)] = None,
    accept: Annotated[str | None, Header()] = None,
    last_event_id_header: Annotated[str | None, Header(alias="Last-Event-ID", max_length=36)] = None,
) -> dict[str, Any] | Response:
    if wants_stream(stream, accept):
        state = get_state(request)
        assert state.hub is not None  # wired with the bus
        return await EventStream.open(
            state.hub,
            engine,
            ctx,
            base,
            stack,
            nested_depth,
            last_event_id_header or last_event_id,
            state.settings.events.keepalive,
        )
    return await _events(
        request, stack, ctx, engine, base, None, limit, marker, sort_keys, sort_dir, nested_depth
    )


@router.get("/resources/{resource_name}/events", summary="List one resource's events")
async def list_resource_events(
    request: Request,
    resource_name: str,
    stack: StackIdentity,
    ctx: Ctx,
    engine: Engine,
    base: Base,
    limit: Limit = None,
    marker: str | None = None,
    sort_keys: Filter = None,
    sort_dir: SortDir = None,
    resource_action: Filter = None,
    resource_status: Filter = None,
    resource_type: Filter = None,
) -> dict[str, Any]:
    return await _events(
        request, stack, ctx, engine, base, resource_name, limit, marker, sort_keys, sort_dir, None
    )


@router.get("/resources/{resource_name}/events/{event_id}", summary="Show one event")
async def show_event(
    resource_name: str, event_id: str, stack: StackIdentity, ctx: Ctx, engine: Engine, base: Base
) -> dict[str, Any]:
    if len(event_id) > 36:  # no event id is longer than a uuid
        raise HTTPException(404, f"No event {event_id} found")
    events = await engine.list_events(ctx, stack, filters={"resource_name": resource_name, "uuid": event_id})
    # Match the id here too: an engine that ignores the uuid filter returns the resource's events.
    found = [e for e in events if views.event_id(e.get("event_identity") or {}) == event_id]
    if not found:
        raise HTTPException(404, f"No event {event_id} found")
    return {"event": views.format_event(base, found[0])}
