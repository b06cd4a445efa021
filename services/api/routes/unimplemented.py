"""Heat v1 routes Ember does not serve yet: each answers 501 with Heat's fault body naming it.

Without these, a Heat client calling (say) ``stack snapshot list`` on a
stack that exists would get the catch-all's 404 "not found" or a 405, and
read it as a missing stack. A 501 that names the route says what is really
going on. The router is included after every real route, so a route that
gets implemented elsewhere simply takes over; then delete its line here.
Stack-scoped routes still resolve the stack's identity first, so a
name-only URL redirects (Heat's lookup) and authentication applies.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import APIRouter

from services.api.deps import Ctx, StackIdentity
from shared.exceptions import NotImplementedYet

PREFIX = "/v1/{tenant_id}"
STACK = "/stacks/{stack_name}/{stack_id}"

router = APIRouter(prefix=PREFIX)

# (method, path under /v1/{tenant_id}, what it does in Heat)
STACK_ROUTES: tuple[tuple[str, str, str], ...] = (("GET", f"{STACK}/export", "Stack export"),)
PROJECT_ROUTES: tuple[tuple[str, str, str], ...] = ()


def feature_name(method: str, path: str, what: str) -> str:
    """What the 501 message names: the feature and Heat's route for it."""
    return f"{what} ({method} {PREFIX}{path})"


def _stack_handler(feature: str) -> Callable[..., Awaitable[Any]]:
    async def not_implemented(stack: StackIdentity, ctx: Ctx) -> None:
        raise NotImplementedYet(feature=feature)

    return not_implemented


def _project_handler(feature: str) -> Callable[..., Awaitable[Any]]:
    async def not_implemented(ctx: Ctx) -> None:
        raise NotImplementedYet(feature=feature)

    return not_implemented


def _register() -> None:
    for routes, make in ((STACK_ROUTES, _stack_handler), (PROJECT_ROUTES, _project_handler)):
        for method, path, what in routes:
            router.add_api_route(
                path,
                make(feature_name(method, path, what)),
                methods=[method],
                status_code=501,
                # /openapi.json documents what Ember serves; these only say "not yet".
                include_in_schema=False,
            )


_register()
