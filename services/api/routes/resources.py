"""Resource routes: list a stack's resources, show one, its metadata, mark-unhealthy, signal."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response

from services.api import views
from services.api.auth import authenticate_signal
from services.api.deps import (
    LOOKUP_WORDS,
    Base,
    Ctx,
    Engine,
    StackIdentity,
    get_stack_identity,
    get_state,
    query_filters,
)
from services.api.payload import json_object
from shared.context import RequestContext
from shared.exceptions import BadRequest, NotAuthenticated

router = APIRouter(prefix="/v1/{tenant_id}/stacks/{stack_name}/{stack_id}", tags=["resources"])

# Query parameters that become engine filters (Heat's allow-list for resources).
RESOURCE_FILTERS = ("type", "status", "name", "action", "id", "physical_resource_id")


@router.get("/resources", summary="List the stack's resources")
async def list_resources(
    request: Request,
    stack: StackIdentity,
    ctx: Ctx,
    engine: Engine,
    base: Base,
    nested_depth: Annotated[int, Query(ge=0, le=100)] = 0,
    with_detail: bool = False,
    type: Annotated[list[str] | None, Query()] = None,
    status: Annotated[list[str] | None, Query()] = None,
    name: Annotated[list[str] | None, Query()] = None,
    action: Annotated[list[str] | None, Query()] = None,
) -> dict[str, Any]:
    filters = query_filters(request, RESOURCE_FILTERS) or None
    resources = await engine.list_stack_resources(
        ctx, stack, nested_depth=nested_depth, with_detail=with_detail, filters=filters
    )
    return {"resources": [views.format_resource(base, r) for r in resources]}


@router.get("/resources/{resource_name}", summary="Show one resource")
async def show_resource(
    resource_name: str,
    stack: StackIdentity,
    ctx: Ctx,
    engine: Engine,
    base: Base,
    with_attr: Annotated[list[str] | None, Query()] = None,
) -> dict[str, Any]:
    resource = await engine.describe_stack_resource(ctx, stack, resource_name, with_attr=with_attr)
    return {"resource": views.format_resource(base, resource)}


@router.get("/resources/{resource_name}/metadata", summary="A resource's metadata")
async def resource_metadata(
    resource_name: str, stack: StackIdentity, ctx: Ctx, engine: Engine
) -> dict[str, Any]:
    resource = await engine.describe_stack_resource(ctx, stack, resource_name)
    return {"metadata": resource.get("metadata") or {}}


@router.patch("/resources/{resource_name}", summary="Mark a resource unhealthy (or healthy again)")
async def mark_unhealthy(
    resource_name: str, stack: StackIdentity, ctx: Ctx, engine: Engine, request: Request
) -> Response:
    body = await json_object(request)
    unknown = set(body) - {"mark_unhealthy", "resource_status_reason"}
    if unknown:
        raise BadRequest(f"Invalid parameter(s) in the body: {', '.join(sorted(unknown))}")
    flag = body.get("mark_unhealthy")
    if not isinstance(flag, bool):
        raise BadRequest("mark_unhealthy must be true or false")
    reason = body.get("resource_status_reason")
    if reason is not None and not isinstance(reason, str):
        raise BadRequest("resource_status_reason must be a string")
    await engine.resource_mark_unhealthy(ctx, stack, resource_name, flag, reason)
    return Response(status_code=200)


async def get_signal_context(request: Request, tenant_id: str) -> RequestContext:
    return authenticate_signal(get_state(request).settings.api, request, tenant_id)


@router.post("/resources/{resource_name}/signal", summary="Signal a resource")
async def signal(
    resource_name: str,
    tenant_id: str,
    stack_name: str,
    stack_id: str,
    ctx: Annotated[RequestContext, Depends(get_signal_context)],
    engine: Engine,
    base: Base,
    request: Request,
) -> Response:
    """Heat's resource-signal; also open to a wait condition handle's own token (its curl_cli),
    which the engine accepts for that one resource only."""
    if ctx.signal_only and stack_id in LOOKUP_WORDS:
        # A resource's secret names one resource of one stack; it never looks stacks up by name.
        raise NotAuthenticated("Authentication required: a signal token needs the stack's id in the URL.")
    stack = await get_stack_identity(request, tenant_id, stack_name, stack_id, ctx, engine, base)
    raw = await request.body()
    details = await json_object(request) if raw.strip() else None
    await engine.resource_signal(ctx, stack, resource_name, details)
    return Response(status_code=200)
