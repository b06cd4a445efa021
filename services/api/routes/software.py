"""Software configs and deployments (Heat's ``/software_configs`` and ``/software_deployments``).

Bodies and answers are Heat's: create answers 200 with ``{"software_config": ...}``,
delete answers 204; ``metadata/{server_id}`` lists the configs deployed to a
server. The routes only check the body's shape; the engine checks the values.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response

from services.api.deps import Ctx, Engine
from services.api.payload import json_object

router = APIRouter(prefix="/v1/{tenant_id}", tags=["software"])

CONFIG_KEYS = ("name", "group", "config", "inputs", "outputs", "options")
DEPLOYMENT_CREATE_KEYS = (
    "config_id",
    "server_id",
    "input_values",
    "action",
    "status",
    "status_reason",
    "stack_user_project_id",
)
DEPLOYMENT_UPDATE_KEYS = ("config_id", "input_values", "output_values", "action", "status", "status_reason")


@router.get("/software_configs", summary="List software configs")
async def list_configs(
    ctx: Ctx,
    engine: Engine,
    limit: Annotated[int | None, Query(ge=0)] = None,
    marker: str | None = None,
) -> dict[str, Any]:
    return {"software_configs": await engine.list_software_configs(ctx, limit=limit, marker=marker)}


@router.post("/software_configs", summary="Create a software config")
async def create_config(ctx: Ctx, engine: Engine, request: Request) -> dict[str, Any]:
    body = await json_object(request)
    values = {key: body.get(key) for key in CONFIG_KEYS}
    return {"software_config": await engine.create_software_config(ctx, **values)}


@router.get("/software_configs/{config_id}", summary="Show a software config")
async def show_config(config_id: str, ctx: Ctx, engine: Engine) -> dict[str, Any]:
    return {"software_config": await engine.show_software_config(ctx, config_id)}


@router.delete("/software_configs/{config_id}", status_code=204, summary="Delete a software config")
async def delete_config(config_id: str, ctx: Ctx, engine: Engine) -> Response:
    await engine.delete_software_config(ctx, config_id)
    return Response(status_code=204)


@router.get("/software_deployments", summary="List software deployments (of one server)")
async def list_deployments(ctx: Ctx, engine: Engine, server_id: str | None = None) -> dict[str, Any]:
    return {"software_deployments": await engine.list_software_deployments(ctx, server_id)}


@router.post("/software_deployments", summary="Create a software deployment")
async def create_deployment(ctx: Ctx, engine: Engine, request: Request) -> dict[str, Any]:
    body = await json_object(request)
    values = {key: body[key] for key in DEPLOYMENT_CREATE_KEYS if key in body}
    values.setdefault("server_id", None)
    return {"software_deployment": await engine.create_software_deployment(ctx, **values)}


@router.get("/software_deployments/metadata/{server_id}", summary="The configs deployed to a server")
async def deployment_metadata(server_id: str, ctx: Ctx, engine: Engine) -> dict[str, Any]:
    return {"metadata": await engine.metadata_software_deployments(ctx, server_id)}


@router.get("/software_deployments/{deployment_id}", summary="Show a software deployment")
async def show_deployment(deployment_id: str, ctx: Ctx, engine: Engine) -> dict[str, Any]:
    return {"software_deployment": await engine.show_software_deployment(ctx, deployment_id)}


@router.put("/software_deployments/{deployment_id}", summary="Update a software deployment (its outputs)")
async def update_deployment(deployment_id: str, ctx: Ctx, engine: Engine, request: Request) -> dict[str, Any]:
    body = await json_object(request)
    values = {key: body[key] for key in DEPLOYMENT_UPDATE_KEYS if body.get(key) is not None}
    return {"software_deployment": await engine.update_software_deployment(ctx, deployment_id, **values)}


@router.delete(
    "/software_deployments/{deployment_id}", status_code=204, summary="Delete a software deployment"
)
async def delete_deployment(deployment_id: str, ctx: Ctx, engine: Engine) -> Response:
    await engine.delete_software_deployment(ctx, deployment_id)
    return Response(status_code=204)
