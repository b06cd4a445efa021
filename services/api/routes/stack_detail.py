"""``GET /stacks/detail``: every stack of the project with its full body, as Heat lists them.

Its own router because it must be included *before* the stack routes:
otherwise ``/stacks/{stack_name}`` would take ``detail`` for a stack name
and answer "stack not found".
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from services.api import views
from services.api.deps import Base, Ctx, Engine

router = APIRouter(prefix="/v1/{tenant_id}", tags=["stacks"])


@router.get("/stacks/detail", summary="List stacks with their details")
async def stack_detail(ctx: Ctx, engine: Engine, base: Base) -> dict[str, Any]:
    # As in the list route: an admin sees the path's project only.
    ctx.is_admin = False
    stacks = await engine.list_stacks(ctx)
    return {"stacks": [views.format_stack(base, s) for s in stacks]}
