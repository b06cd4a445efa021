"""Template validation, resource types, the versions document, /healthz and /metrics."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException

from services.api import views
from services.api.deps import Base, Ctx, EngineOnly, GatewayState, get_state
from services.api.payload import TemplateBody, unpack_environment, unpack_template
from shared import metrics
from shared.context import RequestContext
from shared.exceptions import BadRequest, EmberError

router = APIRouter(prefix="/v1/{tenant_id}", tags=["templates"])
root = APIRouter(tags=["service"])


@router.post("/validate", summary="Validate a template")
async def validate_template(
    body: TemplateBody,
    request: Request,
    ctx: Ctx,
    engine: EngineOnly,
    show_nested: bool = False,
    ignore_errors: str | None = None,
) -> dict[str, Any]:
    settings = get_state(request).settings
    template = await unpack_template(body, settings.engine.max_template_size)
    env = await unpack_environment(body, settings.engine.max_template_size)
    ignorable = [e.strip() for e in ignore_errors.split(",") if e.strip()] if ignore_errors else None
    result = await engine.validate_template(
        ctx,
        template,
        params=env,
        files=body.files or {},
        environment_files=body.environment_files,
        show_nested=show_nested,
        ignorable_errors=ignorable,
    )
    if isinstance(result, dict) and "Error" in result:
        raise BadRequest(str(result["Error"]))
    return result


@router.get("/resource_types", summary="List resource types")
async def list_resource_types(
    ctx: Ctx,
    engine: EngineOnly,
    support_status: str | None = None,
    name: str | None = None,
    version: str | None = None,
    with_description: bool = False,
) -> dict[str, Any]:
    types = await engine.list_resource_types(
        ctx,
        support_status=support_status,
        type_name=name,
        heat_version=version,
        with_description=with_description,
    )
    return {"resource_types": types}


@router.get("/resource_types/{type_name}", summary="A resource type's schema")
async def resource_schema(
    type_name: str, ctx: Ctx, engine: EngineOnly, with_description: bool = False
) -> dict[str, Any]:
    schema = await engine.resource_schema(ctx, type_name, with_description=with_description)
    if not with_description:
        # Heat includes the type's description only when asked for it.
        schema.pop("description", None)
    return schema


@router.get("/resource_types/{type_name}/template", summary="A template using a resource type")
async def resource_type_template(
    type_name: str,
    ctx: Ctx,
    engine: EngineOnly,
    template_type: Annotated[str, Query(pattern="^(cfn|hot)$")] = "cfn",
) -> dict[str, Any]:
    return await engine.generate_template(ctx, type_name, template_type=template_type)


@root.get("/", status_code=300, summary="API versions")
async def versions(base: Base) -> JSONResponse:
    return JSONResponse(views.versions(base), status_code=300)


async def _check_store(state: GatewayState) -> tuple[bool, str | None]:
    """Whether a store consumes its topic (the broker's count: the gateway never calls the store)."""
    if state.presence is None:
        return False, "not connected to the bus"
    try:
        count = await state.presence.consumers(state.store_topic)
    except Exception as exc:  # a probe that fails says "unknown", reported as not ok
        return False, f"{type(exc).__name__}: {exc}"
    if not count:
        return False, f"no store consumes topic {state.store_topic!r}"
    return True, None


async def _check_engine(state: GatewayState, request_id: str) -> tuple[bool, str | None]:
    if state.engine is None:
        return False, "not connected to the bus"
    ctx = RequestContext.admin(request_id=request_id)
    try:
        return bool(await state.engine.listening(ctx, timeout=2.0)), None
    except (TimeoutError, EmberError) as exc:
        return False, f"{type(exc).__name__}: {exc}"


@root.get("/healthz", summary="Bus, engine and store reachability")
async def healthz(request: Request) -> JSONResponse:
    """200 when the bus is connected, an engine answers ``listening`` and a store consumes
    its topic; 503 naming what is missing otherwise."""
    state = get_state(request)
    bus = state.transport is not None and state.transport.is_connected
    engine_ok, store_ok = False, False
    details: dict[str, str] = {}
    if bus:
        (engine_ok, engine_detail), (store_ok, store_detail) = await asyncio.gather(
            _check_engine(state, request.state.request_id), _check_store(state)
        )
        details.update({k: v for k, v in (("engine", engine_detail), ("store", store_detail)) if v})
    ok = bus and engine_ok and store_ok
    body: dict[str, Any] = {
        "status": "ok" if ok else "degraded",
        "bus": bus,
        "engine": engine_ok,
        "store": store_ok,
    }
    if details:
        body["detail"] = "; ".join(f"{name}: {text}" for name, text in details.items())
    return JSONResponse(body, status_code=200 if ok else 503)


@root.get("/readyz", summary="Ready to serve: same checks as /healthz")
async def readyz(request: Request) -> JSONResponse:
    return await healthz(request)


@root.get("/livez", summary="The gateway process is alive (no dependency checked)")
async def livez() -> dict[str, str]:
    return {"status": "ok"}


@root.get("/metrics", summary="Prometheus metrics of this gateway process (README: Watching Ember)")
async def prometheus_metrics(request: Request) -> Response:
    if not get_state(request).settings.metrics.enabled:
        raise HTTPException(404, "Metrics are turned off (metrics.enabled).")
    body, content_type = metrics.render()
    return Response(body, media_type=content_type)
