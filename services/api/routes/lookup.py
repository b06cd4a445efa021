"""Heat's lookup redirects for the methods the stack routes do not already cover.

A stack's canonical URL is ``/stacks/{name}/{id}``; Heat lets a client
name the stack alone (``/stacks/web``, ``/stacks/web/resources``) and
answers 302 to the canonical URL, keeping the method's sub-path and query.
GET and DELETE of ``/stacks/{name}`` and every route written with the
``StackIdentity`` dependency already redirect (see ``deps``); this router,
included last, covers the rest: POST/PUT/PATCH of ``/stacks/{name}``, POST
of ``/stacks/{name}/{word}``, and any method but GET (the stack routes'
own fallback) below a lookup word.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from starlette.exceptions import HTTPException

from services.api.deps import LOOKUP_WORDS, Base, Ctx, Engine, lookup_location, redirect_response, tail_after

FOUND: dict[int | str, dict[str, Any]] = {302: {"description": "Found: Location is the canonical URL"}}

router = APIRouter(prefix="/v1/{tenant_id}", tags=["stacks"], include_in_schema=False)


@router.api_route("/stacks/{stack_name}", methods=["POST", "PUT", "PATCH"], status_code=302, responses=FOUND)
async def lookup_stack_other_methods(
    stack_name: str, request: Request, ctx: Ctx, engine: Engine, base: Base
) -> Response:
    return redirect_response(await lookup_location(engine, ctx, base, request, stack_name))


@router.post("/stacks/{stack_name}/{word}", status_code=302, responses=FOUND)
async def lookup_post_word(
    tenant_id: str, stack_name: str, word: str, request: Request, ctx: Ctx, engine: Engine, base: Base
) -> Response:
    if word not in LOOKUP_WORDS:
        # /stacks/{name}/{id} has GET, PUT, PATCH and DELETE, as in Heat, but no POST.
        raise HTTPException(
            405, "The method is not allowed on this resource.", headers={"Allow": "GET, PUT, PATCH, DELETE"}
        )
    tail = tail_after(request, tenant_id, stack_name)
    return redirect_response(await lookup_location(engine, ctx, base, request, stack_name, tail))


@router.api_route(
    "/stacks/{stack_name}/{word}/{rest:path}",
    methods=["POST", "PUT", "PATCH", "DELETE"],
    status_code=302,
    responses=FOUND,
)
async def lookup_subpath_other_methods(
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
