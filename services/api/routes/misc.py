"""Template validation, resource types, the versions document and /healthz."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse

from services.api import views
from services.api.deps import Base, Ctx, Engine, get_state
from services.api.payload import TemplateBody, unpack_environment, unpack_template
from shared.context import RequestContext
from shared.exceptions import BadRequest, EmberError

router = APIRouter(prefix="/v1/{tenant_id}", tags=["templates"])
root = APIRouter(tags=["service"])


@router.post("/validate", summary="Validate a template")
async def validate_template(
    body: TemplateBody,
    request: Request,
    ctx: Ctx,
    engine: Engine,
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
    engine: Engine,
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
    type_name: str, ctx: Ctx, engine: Engine, with_description: bool = False
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
    engine: Engine,
    template_type: Annotated[str, Query(pattern="^(cfn|hot)$")] = "cfn",
) -> dict[str, Any]:
    return await engine.generate_template(ctx, type_name, template_type=template_type)


@root.get("/", status_code=300, summary="API versions")
async def versions(base: Base) -> JSONResponse:
    return JSONResponse(views.versions(base), status_code=300)


@root.get("/healthz", summary="Bus and engine reachability")
async def healthz(request: Request) -> JSONResponse:
    """200 when the bus is connected and an engine answers ``listening``; 503 otherwise."""
    state = get_state(request)
    bus = state.transport is not None and state.transport.is_connected
    engine_ok = False
    detail: str | None = None
    if bus and state.engine is not None:
        ctx = RequestContext.admin(request_id=request.state.request_id)
        try:
            engine_ok = bool(await state.engine.listening(ctx, timeout=2.0))
        except (TimeoutError, EmberError) as exc:
            detail = f"{type(exc).__name__}: {exc}"
    body: dict[str, Any] = {
        "status": "ok" if bus and engine_ok else "degraded",
        "bus": bus,
        "engine": engine_ok,
    }
    if detail:
        body["detail"] = detail
    return JSONResponse(body, status_code=200 if bus and engine_ok else 503)
