"""Authentication and tenant scoping: 401 without or with a bad token, 403 across tenants."""

from __future__ import annotations

from typing import Any

import httpx

from shared.config import RpcSettings
from tests.integration.api.conftest import (
    MINIMAL,
    OTHER_TENANT,
    TENANT,
    EngineBackend,
    asgi_client,
    backend_app,
    make_settings,
    unique_name,
)
from tests.integration.api.test_errors import assert_fault


async def test_no_token_is_401(app: Any) -> None:
    async with asgi_client(app, token=None) as client:
        assert_fault(await client.get(f"/v1/{TENANT}/stacks"), 401, "NotAuthenticated")


async def test_bad_token_is_401(app: Any) -> None:
    async with asgi_client(app, token="not-a-token") as client:
        assert_fault(await client.get(f"/v1/{TENANT}/stacks"), 401, "NotAuthenticated")


async def test_token_for_another_project_is_403(app: Any) -> None:
    async with asgi_client(app, token="other-token") as client:
        assert_fault(await client.get(f"/v1/{TENANT}/stacks"), 403, "Forbidden")


async def test_admin_may_use_any_tenant_path(app: Any) -> None:
    async with asgi_client(app, token="admin-token") as client:
        assert (await client.get(f"/v1/{TENANT}/stacks")).status_code == 200


async def test_global_tenant_needs_admin(app: Any, stack: dict[str, Any]) -> None:
    async with asgi_client(app) as client:
        resp = await client.get(f"/v1/{TENANT}/stacks", params={"global_tenant": "true"})
        assert_fault(resp, 403, "Forbidden")
    async with asgi_client(app, token="admin-token") as client:
        resp = await client.get("/v1/admin/stacks", params={"global_tenant": "true"})
        stacks = resp.json()["stacks"]
        assert any(s["id"] == stack["id"] and s["project"] == TENANT for s in stacks)


async def test_tenants_do_not_see_each_others_stacks(app: Any, stack: dict[str, Any]) -> None:
    async with asgi_client(app, token="other-token") as client:
        listed = (await client.get(f"/v1/{OTHER_TENANT}/stacks")).json()["stacks"]
        assert stack["id"] not in {s["id"] for s in listed}
        resp = await client.get(f"/v1/{OTHER_TENANT}/stacks/{stack['name']}")
        assert_fault(resp, 404, "EntityNotFound")
        resp = await client.get(f"/v1/{OTHER_TENANT}/stacks/{stack['name']}/{stack['id']}")
        assert_fault(resp, 404, "EntityNotFound")


async def test_same_stack_name_in_two_tenants(app: Any) -> None:
    name = unique_name("twin")
    for token, tenant in (("demo-token", TENANT), ("other-token", OTHER_TENANT)):
        async with asgi_client(app, token=token) as client:
            resp = await client.post(f"/v1/{tenant}/stacks", json={"stack_name": name, "template": MINIMAL})
            assert resp.status_code == 201, resp.text


async def test_noauth_takes_user_and_roles_from_headers(
    rpc_settings: RpcSettings, engine_backend: EngineBackend
) -> None:
    settings = make_settings(rpc_settings, auth_strategy="noauth")
    app = backend_app(settings, engine_backend)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://ember.test"
    ) as client:
        name = unique_name("noauth")
        resp = await client.post(
            "/v1/anyproject/stacks",
            json={"stack_name": name, "template": MINIMAL},
            headers={"X-User-Id": "carol"},
        )
        assert resp.status_code == 201
        shown = await client.get(resp.headers["location"])
        assert shown.json()["stack"]["stack_owner"] == "carol"
        resp = await client.get(
            "/v1/anyproject/stacks", params={"global_tenant": "1"}, headers={"X-Roles": "admin"}
        )
        assert resp.status_code == 200
        # A tenant literally named "stacks" still redirects sub-paths correctly.
        resp = await client.post("/v1/stacks/stacks", json={"stack_name": name, "template": MINIMAL})
        sid = resp.json()["stack"]["id"]
        resp = await client.get(f"/v1/stacks/stacks/{name}/resources/a")
        assert resp.headers["location"] == f"http://ember.test/v1/stacks/stacks/{name}/{sid}/resources/a"


async def test_an_admin_name_lookup_stays_in_the_path_tenant(app: Any, stack: dict[str, Any]) -> None:
    # The stack lives in TENANT; asked for by name under another tenant, even an admin gets 404,
    # never a redirect to (and a delete of) another project's stack of that name.
    async with asgi_client(app, token="admin-token") as client:
        resp = await client.get(f"/v1/{OTHER_TENANT}/stacks/{stack['name']}")
        assert_fault(resp, 404, "EntityNotFound")
        resp = await client.delete(f"/v1/{OTHER_TENANT}/stacks/{stack['name']}")
        assert_fault(resp, 404, "EntityNotFound")


async def test_oversized_or_nul_tenant_is_400(app: Any) -> None:
    async with asgi_client(app, token="admin-token") as client:
        assert_fault(await client.get(f"/v1/{'t' * 300}/stacks"), 400, "HTTPBadRequest")
        assert_fault(await client.get("/v1/a%00b/stacks"), 400, "HTTPBadRequest")
