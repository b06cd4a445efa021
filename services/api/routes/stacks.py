"""Stack routes: create, list, lookup redirects, show, update, preview, actions, delete, template, outputs.

Each route authenticates (``Ctx``), makes one or two EngineClient calls and
shapes the reply with ``views``; nothing here knows how stacks are stored.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from services.api import views
from services.api.deps import (
    LOOKUP_WORDS,
    Base,
    Ctx,
    Engine,
    StackIdentity,
    get_state,
    lookup_location,
    query_filters,
    redirect_response,
    tail_after,
)
from services.api.payload import (
    StackCreateBody,
    StackUpdateBody,
    json_object,
    stack_args,
    unpack_environment,
    unpack_template,
    update_args,
)
from shared.exceptions import BadRequest, Forbidden

router = APIRouter(prefix="/v1/{tenant_id}", tags=["stacks"])

# Query parameters of the list that become engine filters (Heat's allow-list).
STACK_FILTERS = ("id", "status", "name", "action", "tenant", "username", "owner_id")
FOUND: dict[int | str, dict[str, Any]] = {
    302: {"description": "Found: Location is the stack's canonical URL"}
}


def _split(values: list[str] | None) -> list[str] | None:
    if not values:
        return None
    out = [t.strip() for v in values for t in v.split(",") if t.strip()]
    return out or None


async def _create_call(body: StackCreateBody, request: Request) -> dict[str, Any]:
    """The EngineClient arguments of a create (or a create preview) body; Heat's 400s first."""
    if not body.stack_name:
        raise BadRequest("No stack name specified.")
    settings = get_state(request).settings
    return {
        "stack_name": body.stack_name,
        "template": await unpack_template(body, settings.engine.max_template_size),
        "params": await unpack_environment(body, settings.engine.max_template_size),
        "files": body.files or {},
        "args": stack_args(body),
        "environment_files": body.environment_files,
    }


@router.post("/stacks", status_code=201, summary="Create a stack")
async def create_stack(
    body: StackCreateBody, ctx: Ctx, engine: Engine, base: Base, request: Request
) -> JSONResponse:
    ident = await engine.create_stack(ctx, **await _create_call(body, request))
    content = views.created_stack(base, ident)
    return JSONResponse(content, status_code=201, headers={"Location": content["stack"]["links"][0]["href"]})


@router.get("/stacks", summary="List stacks")
async def list_stacks(
    request: Request,
    ctx: Ctx,
    engine: Engine,
    base: Base,
    limit: Annotated[int | None, Query(ge=0)] = None,
    marker: str | None = None,
    sort_keys: Annotated[list[str] | None, Query()] = None,
    sort_dir: Annotated[str | None, Query(pattern="^(asc|desc)$")] = None,
    show_deleted: bool = False,
    show_nested: bool = False,
    show_hidden: bool = False,
    with_count: bool = False,
    global_tenant: bool = False,
    tags: Annotated[list[str] | None, Query()] = None,
    tags_any: Annotated[list[str] | None, Query()] = None,
    not_tags: Annotated[list[str] | None, Query()] = None,
    not_tags_any: Annotated[list[str] | None, Query()] = None,
    id: Annotated[list[str] | None, Query()] = None,
    status: Annotated[list[str] | None, Query()] = None,
    name: Annotated[list[str] | None, Query()] = None,
    action: Annotated[list[str] | None, Query()] = None,
) -> dict[str, Any]:
    if global_tenant:
        if not ctx.is_admin:
            raise Forbidden("Listing the stacks of every project (global_tenant) needs the admin role.")
    elif ctx.is_admin:
        # An admin sees only the path's project unless global_tenant asks for all.
        ctx.is_admin = False
    filters = query_filters(request, STACK_FILTERS) or None
    selection: dict[str, Any] = {
        "filters": filters,
        "show_deleted": show_deleted,
        "show_nested": show_nested,
        "show_hidden": show_hidden,
        "tags": _split(tags),
        "tags_any": _split(tags_any),
        "not_tags": _split(not_tags),
        "not_tags_any": _split(not_tags_any),
    }
    stacks = await engine.list_stacks(
        ctx, limit=limit, marker=marker, sort_keys=_split(sort_keys), sort_dir=sort_dir, **selection
    )
    count = await engine.count_stacks(ctx, **selection) if with_count else None
    url = f"{base}{request.url.path}"
    return views.stack_collection(
        base, url, request.query_params.multi_items(), stacks, limit, count, include_project=global_tenant
    )


@router.post("/stacks/preview", summary="Preview a stack: validate and list its resources, store nothing")
async def preview_stack(
    body: StackCreateBody, ctx: Ctx, engine: Engine, base: Base, request: Request
) -> dict[str, Any]:
    shown = await engine.preview_stack(ctx, **await _create_call(body, request))
    return {"stack": views.format_stack(base, shown)}


@router.get("/stacks/{stack_name}", status_code=302, responses=FOUND, summary="Find a stack by name or id")
@router.delete("/stacks/{stack_name}", status_code=302, responses=FOUND, summary="Find a stack to delete")
async def lookup_stack(stack_name: str, request: Request, ctx: Ctx, engine: Engine, base: Base) -> Response:
    return redirect_response(await lookup_location(engine, ctx, base, request, stack_name))


@router.get("/stacks/{stack_name}/{stack_id}", summary="Show a stack")
async def show_stack(
    stack: StackIdentity, ctx: Ctx, engine: Engine, base: Base, resolve_outputs: bool = True
) -> dict[str, Any]:
    shown = await engine.show_stack(ctx, stack, resolve_outputs=resolve_outputs)
    return {"stack": views.format_stack(base, shown[0])}


@router.delete("/stacks/{stack_name}/{stack_id}", status_code=204, summary="Delete a stack")
async def delete_stack(stack: StackIdentity, ctx: Ctx, engine: Engine) -> Response:
    await engine.delete_stack(ctx, stack)
    return Response(status_code=204)


async def _update_call(
    body: StackUpdateBody, request: Request, patch: bool
) -> tuple[dict[str, Any] | None, dict[str, Any], dict[str, Any]]:
    """(template, environment, args) of an update body; PATCH may leave the template out."""
    settings = get_state(request).settings
    template = None
    if not patch or body.template is not None or body.template_url:
        template = await unpack_template(body, settings.engine.max_template_size)
    env = await unpack_environment(body, settings.engine.max_template_size)
    return template, env, update_args(body, patch)


@router.put("/stacks/{stack_name}/{stack_id}", status_code=202, summary="Update a stack (new template)")
@router.patch(
    "/stacks/{stack_name}/{stack_id}", status_code=202, summary="Update a stack (keep what is not given)"
)
async def update_stack(
    body: StackUpdateBody, stack: StackIdentity, ctx: Ctx, engine: Engine, request: Request
) -> Response:
    template, env, args = await _update_call(body, request, request.method == "PATCH")
    await engine.update_stack(
        ctx,
        stack,
        template,
        params=env,
        files=body.files or {},
        args=args,
        environment_files=body.environment_files,
    )
    return Response(status_code=202)


@router.put("/stacks/{stack_name}/{stack_id}/preview", summary="Preview an update (changes nothing)")
@router.patch("/stacks/{stack_name}/{stack_id}/preview", summary="Preview a PATCH update (changes nothing)")
async def preview_update(
    body: StackUpdateBody,
    stack: StackIdentity,
    ctx: Ctx,
    engine: Engine,
    request: Request,
    show_nested: bool = False,
) -> dict[str, Any]:
    template, env, args = await _update_call(body, request, request.method == "PATCH")
    if show_nested:
        args["show_nested"] = True
    changes = await engine.preview_update_stack(
        ctx,
        stack,
        template,
        params=env,
        files=body.files or {},
        args={**args, "with_plan_id": True},
        environment_files=body.environment_files,
    )
    # Heat's clients read resource_changes only; the plan id (Ember's binding preview) sits beside it.
    plan_id = changes.pop("plan_id", None)
    return {"resource_changes": changes, "plan_id": plan_id}


STACK_ACTIONS = ("suspend", "resume", "check", "cancel_update", "cancel_without_rollback")


@router.post("/stacks/{stack_name}/{stack_id}/actions", summary="Run an action on a stack")
async def stack_action(stack: StackIdentity, ctx: Ctx, engine: Engine, request: Request) -> Response:
    body = await json_object(request)
    if len(body) < 1:
        raise BadRequest("No action specified")
    if len(body) > 1:
        raise BadRequest("Multiple actions specified")
    action = next(iter(body))
    if action not in STACK_ACTIONS:
        raise BadRequest(f"Invalid action {action} specified")
    if action in ("cancel_update", "cancel_without_rollback"):
        await engine.stack_cancel_update(ctx, stack, cancel_with_rollback=action == "cancel_update")
    elif action == "suspend":
        await engine.stack_suspend(ctx, stack)
    elif action == "resume":
        await engine.stack_resume(ctx, stack)
    else:
        await engine.stack_check(ctx, stack)
    return Response(status_code=200)


@router.delete(
    "/stacks/{stack_name}/{stack_id}/abandon",
    summary="Abandon a stack: its data; it leaves, its resources stay",
)
async def abandon_stack(stack: StackIdentity, ctx: Ctx, engine: Engine) -> dict[str, Any]:
    return await engine.abandon_stack(ctx, stack)


@router.get(
    "/stacks/{stack_name}/{stack_id}/export",
    summary="Export a stack: the data abandon would give, the stack left as it is",
)
async def export_stack(stack: StackIdentity, ctx: Ctx, engine: Engine) -> dict[str, Any]:
    return await engine.export_stack(ctx, stack)


@router.post("/stacks/{stack_name}/{stack_id}/snapshots", summary="Snapshot a stack")
async def create_snapshot(stack: StackIdentity, ctx: Ctx, engine: Engine, request: Request) -> dict[str, Any]:
    raw = await request.body()
    body = await json_object(request) if raw.strip() else {}
    name = body.get("name")
    if name is not None and not isinstance(name, str):
        raise BadRequest("name must be a string")
    return await engine.stack_snapshot(ctx, stack, name)


@router.get("/stacks/{stack_name}/{stack_id}/snapshots", summary="List a stack's snapshots")
async def list_snapshots(stack: StackIdentity, ctx: Ctx, engine: Engine) -> dict[str, Any]:
    return {"snapshots": await engine.stack_list_snapshots(ctx, stack)}


@router.get("/stacks/{stack_name}/{stack_id}/snapshots/{snapshot_id}", summary="Show a snapshot")
async def show_snapshot(snapshot_id: str, stack: StackIdentity, ctx: Ctx, engine: Engine) -> dict[str, Any]:
    return {"snapshot": await engine.show_snapshot(ctx, stack, snapshot_id)}


@router.delete(
    "/stacks/{stack_name}/{stack_id}/snapshots/{snapshot_id}", status_code=204, summary="Delete a snapshot"
)
async def delete_snapshot(snapshot_id: str, stack: StackIdentity, ctx: Ctx, engine: Engine) -> Response:
    await engine.delete_snapshot(ctx, stack, snapshot_id)
    return Response(status_code=204)


@router.post(
    "/stacks/{stack_name}/{stack_id}/snapshots/{snapshot_id}/restore",
    status_code=202,
    summary="Restore a snapshot (an update back to it)",
)
async def restore_snapshot(snapshot_id: str, stack: StackIdentity, ctx: Ctx, engine: Engine) -> Response:
    await engine.stack_restore(ctx, stack, snapshot_id)
    return Response(status_code=202)


@router.get("/stacks/{stack_name}/{stack_id}/template", summary="The stack's template")
async def get_template(stack: StackIdentity, ctx: Ctx, engine: Engine) -> dict[str, Any]:
    return await engine.get_template(ctx, stack)


@router.get("/stacks/{stack_name}/{stack_id}/environment", summary="The stack's environment")
async def get_environment(stack: StackIdentity, ctx: Ctx, engine: Engine) -> dict[str, Any]:
    return await engine.get_environment(ctx, stack)


@router.get("/stacks/{stack_name}/{stack_id}/files", summary="The stack's files")
async def get_files(stack: StackIdentity, ctx: Ctx, engine: Engine) -> dict[str, Any]:
    return await engine.get_files(ctx, stack)


@router.get("/stacks/{stack_name}/{stack_id}/outputs", summary="List the stack's outputs")
async def list_outputs(stack: StackIdentity, ctx: Ctx, engine: Engine) -> dict[str, Any]:
    return {"outputs": await engine.list_outputs(ctx, stack)}


@router.get("/stacks/{stack_name}/{stack_id}/outputs/{output_key}", summary="Show one output")
async def show_output(output_key: str, stack: StackIdentity, ctx: Ctx, engine: Engine) -> dict[str, Any]:
    return {"output": await engine.show_output(ctx, stack, output_key)}


# Registered last (see app.py): /stacks/{name}/{word}/... for words no other route took.
fallback = APIRouter(prefix="/v1/{tenant_id}", tags=["stacks"])


@fallback.get(
    "/stacks/{stack_name}/{word}/{rest:path}", status_code=302, responses=FOUND, include_in_schema=False
)
async def lookup_subpath(
    tenant_id: str,
    stack_name: str,
    word: str,
    rest: str,
    request: Request,
    ctx: Ctx,
    engine: Engine,
    base: Base,
) -> Response:
    if word not in LOOKUP_WORDS:
        raise HTTPException(404, "The resource could not be found.")
    tail = tail_after(request, tenant_id, stack_name)
    return redirect_response(await lookup_location(engine, ctx, base, request, stack_name, tail))
