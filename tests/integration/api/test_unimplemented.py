"""Name-only stack URLs redirect for every method and sub-route (Heat's lookup); auth applies to every route."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.integration.api.conftest import TENANT, unique_name


def concrete(path: str, stack: dict[str, Any]) -> str:
    return (
        path.replace("{stack_name}", stack["name"])
        .replace("{stack_id}", stack["id"])
        .replace("{resource_name}", "a")
        .replace("{snapshot_id}", "snap1")
        .replace("{config_id}", "c1")
        .replace("{deployment_id}", "d1")
        .replace("{server_id}", "srv1")
    )


async def test_unimplemented_route_still_needs_authentication(client: httpx.AsyncClient) -> None:
    resp = await client.get(f"/v1/{TENANT}/services", headers={"X-Auth-Token": "wrong"})
    assert resp.status_code == 401


async def test_adopt_data_without_a_template_is_a_400(client: httpx.AsyncClient) -> None:
    resp = await client.post(
        f"/v1/{TENANT}/stacks", json={"stack_name": unique_name(), "adopt_stack_data": {"resources": {}}}
    )
    assert resp.status_code == 400, resp.text
    assert resp.json()["error"]["type"] == "InvalidTemplateVersion"  # {} has no template version, as Heat


NAME_ONLY = [
    ("POST", ""),
    ("PUT", ""),
    ("PATCH", ""),
    ("GET", ""),
    ("DELETE", ""),
    ("GET", "/resources"),
    ("GET", "/resources/a"),
    ("PATCH", "/resources/a"),
    ("GET", "/resources/a/metadata"),
    ("POST", "/resources/a/signal"),
    ("GET", "/resources/a/events"),
    ("GET", "/events"),
    ("GET", "/outputs/said"),
    ("GET", "/template"),
    ("POST", "/actions"),
    ("DELETE", "/abandon"),
    ("GET", "/export"),
    ("PUT", "/preview"),
    ("PATCH", "/preview"),
    ("GET", "/snapshots"),
    ("POST", "/snapshots"),
    ("GET", "/snapshots/snap1"),
    ("DELETE", "/snapshots/snap1"),
    ("POST", "/snapshots/snap1/restore"),
]


@pytest.mark.parametrize(("method", "tail"), NAME_ONLY, ids=[f"{m} {t or '/'}" for m, t in NAME_ONLY])
async def test_name_only_url_redirects_for_every_method_and_sub_route(
    client: httpx.AsyncClient, stack: dict[str, Any], method: str, tail: str
) -> None:
    url = f"/v1/{TENANT}/stacks/{stack['name']}{tail}?x=1"
    resp = await client.request(method, url, json={} if method in ("POST", "PUT", "PATCH") else None)
    assert resp.status_code == 302, resp.text
    assert resp.headers["location"] == f"http://ember.test{stack['path']}{tail}?x=1"


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE"])
async def test_name_only_url_of_a_missing_stack_is_stack_not_found(
    client: httpx.AsyncClient, method: str
) -> None:
    resp = await client.request(method, f"/v1/{TENANT}/stacks/{unique_name('none')}/actions/x")
    assert resp.status_code == 404
    assert resp.json()["error"]["type"] == "EntityNotFound"  # Heat's type for a missing stack


async def test_post_to_a_stack_url_is_405_as_heat(client: httpx.AsyncClient, stack: dict[str, Any]) -> None:
    resp = await client.post(stack["path"], json={})
    assert resp.status_code == 405
    assert resp.json()["error"]["type"] == "HTTPMethodNotAllowed"


async def test_unknown_word_below_a_stack_name_is_404(
    client: httpx.AsyncClient, stack: dict[str, Any]
) -> None:
    resp = await client.delete(f"/v1/{TENANT}/stacks/{stack['name']}/nonsense/more")
    assert resp.status_code == 404
    assert resp.json()["error"]["type"] == "HTTPNotFound"


async def test_stacks_detail_lists_full_stack_bodies(
    client: httpx.AsyncClient, stack: dict[str, Any]
) -> None:
    resp = await client.get(f"/v1/{TENANT}/stacks/detail")
    assert resp.status_code == 200
    found = [s for s in resp.json()["stacks"] if s["id"] == stack["id"]]
    assert len(found) == 1
    assert found[0]["stack_status"] == "CREATE_COMPLETE"
    summary = (await client.get(f"/v1/{TENANT}/stacks", params={"id": stack["id"]})).json()["stacks"][0]
    assert set(summary) <= set(found[0])  # the whole engine body, not only the list's keys
