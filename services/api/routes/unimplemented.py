"""Heat v1 routes Ember does not serve yet: each answers 501 with Heat's fault body naming it.

Without these, a Heat client calling (say) ``stack snapshot list`` on a
stack that exists would get the catch-all's 404 "not found" or a 405, and
read it as a missing stack. A 501 that names the route says what is really
going on. The router is included after every real route, so a route that
gets implemented elsewhere simply takes over; then delete its line here.
Authentication applies to them as to every route. (Every stack-scoped
route Heat has is served now.)
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import APIRouter

from services.api.deps import Ctx
from shared.exceptions import NotImplementedYet

PREFIX = "/v1/{tenant_id}"

router = APIRouter(prefix=PREFIX)

# (method, path under /v1/{tenant_id}, what it does in Heat)
PROJECT_ROUTES: tuple[tuple[str, str, str], ...] = (
    ("GET", "/software_configs", "Software config list"),
    ("POST", "/software_configs", "Software config create"),
    ("GET", "/software_configs/{config_id}", "Software config show"),
    ("DELETE", "/software_configs/{config_id}", "Software config delete"),
    ("GET", "/software_deployments", "Software deployment list"),
    ("POST", "/software_deployments", "Software deployment create"),
    ("GET", "/software_deployments/metadata/{server_id}", "Software deployment metadata"),
    ("GET", "/software_deployments/{deployment_id}", "Software deployment show"),
    ("PUT", "/software_deployments/{deployment_id}", "Software deployment update"),
    ("DELETE", "/software_deployments/{deployment_id}", "Software deployment delete"),
)


def feature_name(method: str, path: str, what: str) -> str:
    """What the 501 message names: the feature and Heat's route for it."""
    return f"{what} ({method} {PREFIX}{path})"


def _project_handler(feature: str) -> Callable[..., Awaitable[Any]]:
    async def not_implemented(ctx: Ctx) -> None:
        raise NotImplementedYet(feature=feature)

    return not_implemented


def _register() -> None:
    for method, path, what in PROJECT_ROUTES:
        router.add_api_route(
            path,
            _project_handler(feature_name(method, path, what)),
            methods=[method],
            status_code=501,
            # /openapi.json documents what Ember serves; these only say "not yet".
            include_in_schema=False,
        )


_register()
