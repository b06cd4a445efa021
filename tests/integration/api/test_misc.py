"""Validate, resource types, versions document, /healthz, /openapi.json, request ids."""

from __future__ import annotations

import uuid

import httpx

from tests.integration.api.conftest import MINIMAL, TENANT


async def test_validate_returns_the_engine_description(client: httpx.AsyncClient) -> None:
    resp = await client.post(f"/v1/{TENANT}/validate", json={"template": MINIMAL})
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["Description"] == "two none resources"
    assert "greeting" in body["Parameters"]


async def test_validate_rejects_a_bad_template(client: httpx.AsyncClient) -> None:
    resp = await client.post(
        f"/v1/{TENANT}/validate", json={"template": {"heat_template_version": "1999-01-01"}}
    )
    assert resp.status_code == 400
    assert resp.json()["error"]["type"] == "InvalidTemplateVersion"


async def test_resource_types_list_schema_and_template(client: httpx.AsyncClient) -> None:
    types = (await client.get(f"/v1/{TENANT}/resource_types")).json()["resource_types"]
    assert "OS::Heat::None" in types
    schema = await client.get(f"/v1/{TENANT}/resource_types/OS::Heat::RandomString")
    assert schema.status_code == 200
    assert schema.json()["resource_type"] == "OS::Heat::RandomString"
    assert "value" in schema.json()["attributes"]
    hot = await client.get(
        f"/v1/{TENANT}/resource_types/OS::Heat::None/template", params={"template_type": "hot"}
    )
    assert hot.status_code == 200 and "heat_template_version" in hot.json()
    missing = await client.get(f"/v1/{TENANT}/resource_types/OS::Nope::Nothing")
    assert missing.status_code == 404
    assert missing.json()["error"]["type"] == "EntityNotFound"


async def test_versions_document(client: httpx.AsyncClient) -> None:
    resp = await client.get("/")
    assert resp.status_code == 300
    version = resp.json()["versions"][0]
    assert version["id"] == "v1.0" and version["status"] == "CURRENT"
    assert version["links"][0]["href"] == "http://ember.test/v1/"


async def test_healthz_reports_bus_engine_and_store(client: httpx.AsyncClient) -> None:
    resp = await client.get("/healthz")
    assert resp.status_code == 200
    assert resp.json() == {"status": "ok", "bus": True, "engine": True, "store": True}
    assert (await client.get("/readyz")).json() == resp.json()
    assert (await client.get("/livez")).json() == {"status": "ok"}


async def test_openapi_is_served(client: httpx.AsyncClient) -> None:
    resp = await client.get("/openapi.json")
    assert resp.status_code == 200
    assert "/v1/{tenant_id}/stacks" in resp.json()["paths"]


async def test_a_well_formed_request_id_is_kept_and_a_bad_one_replaced(client: httpx.AsyncClient) -> None:
    mine = f"req-{uuid.uuid4()}"
    resp = await client.get(f"/v1/{TENANT}/stacks", headers={"x-openstack-request-id": mine})
    assert resp.headers["x-openstack-request-id"] == mine
    resp = await client.get(f"/v1/{TENANT}/stacks", headers={"x-openstack-request-id": "evil\x01id"})
    assert resp.headers["x-openstack-request-id"] != "evil\x01id"
    assert resp.headers["x-openstack-request-id"].startswith("req-")
    err = await client.get(f"/v1/{TENANT}/stacks/nope")
    assert err.headers["x-openstack-request-id"].startswith("req-")
