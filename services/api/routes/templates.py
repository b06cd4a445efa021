"""Template versions, their functions, build_info and the engines' services list.

Kept out of ``misc`` so each module stays one job: these routes describe
what the service offers rather than act on a template.
"""

from __future__ import annotations

from importlib import metadata
from typing import Any

from fastapi import APIRouter

from services.api.deps import Ctx, Engine
from shared.exceptions import Forbidden

router = APIRouter(prefix="/v1/{tenant_id}", tags=["templates"])


def api_revision() -> str:
    """The gateway's own build (the installed Ember's version), as build_info's ``api.revision``."""
    try:
        return metadata.version("ember")
    except metadata.PackageNotFoundError:
        return "unknown"


@router.get("/template_versions", summary="List template versions")
async def list_template_versions(ctx: Ctx, engine: Engine) -> dict[str, Any]:
    return {"template_versions": await engine.list_template_versions(ctx)}


@router.get("/template_versions/{template_version}/functions", summary="List a version's functions")
async def list_template_functions(
    template_version: str, ctx: Ctx, engine: Engine, with_condition_func: bool = False
) -> dict[str, Any]:
    functions = await engine.list_template_functions(
        ctx, template_version, with_condition=with_condition_func
    )
    return {"template_functions": functions}


@router.get("/build_info", summary="Build revisions of the api and the engine")
async def build_info(ctx: Ctx, engine: Engine) -> dict[str, Any]:
    return {"api": {"revision": api_revision()}, "engine": {"revision": await engine.get_revision(ctx)}}


@router.get("/services", summary="The engines and whether each is up (admin only)")
async def list_services(ctx: Ctx, engine: Engine) -> dict[str, Any]:
    if not ctx.is_admin:
        raise Forbidden("Listing the engines needs the admin role.")
    return {"services": await engine.list_services(ctx)}
