"""template_versions, template functions and build_info: HTTP routes and python-heatclient."""

from __future__ import annotations

from importlib import metadata
from typing import Any

import httpx
import pytest
from heatclient import exc as heat_exc

from tests.integration.api.conftest import TENANT
from tests.integration.api.test_heatclient import heat, run

V = f"/v1/{TENANT}/template_versions"


async def test_template_versions_route(templates_client: httpx.AsyncClient) -> None:
    resp = await templates_client.get(V)
    assert resp.status_code == 200
    versions = resp.json()["template_versions"]
    assert versions[0] == {"version": "heat_template_version.2013-05-23", "type": "hot", "aliases": []}
    assert {
        "version": "heat_template_version.2018-08-31",
        "type": "hot",
        "aliases": ["heat_template_version.rocky"],
    } in versions


@pytest.mark.parametrize(("flag", "has_equals"), [(None, False), ("false", False), ("true", True)])
async def test_template_functions_route_with_condition_func(
    templates_client: httpx.AsyncClient, flag: str | None, has_equals: bool
) -> None:
    params = {"with_condition_func": flag} if flag is not None else {}
    resp = await templates_client.get(f"{V}/heat_template_version.2016-10-14/functions", params=params)
    assert resp.status_code == 200
    names = {f["functions"] for f in resp.json()["template_functions"]}
    assert "if" in names
    assert ("equals" in names) is has_equals


async def test_template_functions_of_unknown_version_is_404(templates_client: httpx.AsyncClient) -> None:
    resp = await templates_client.get(f"{V}/heat_template_version.1999-01-01/functions")
    assert resp.status_code == 404
    assert resp.json()["error"]["type"] == "NotFound"
    assert "heat_template_version.1999-01-01" in resp.json()["error"]["message"]


async def test_build_info_route(templates_client: httpx.AsyncClient) -> None:
    resp = await templates_client.get(f"/v1/{TENANT}/build_info")
    assert resp.status_code == 200
    revision = metadata.version("ember")
    assert resp.json() == {"api": {"revision": revision}, "engine": {"revision": revision}}


async def test_template_routes_need_authentication(templates_client: httpx.AsyncClient) -> None:
    resp = await templates_client.get(V, headers={"X-Auth-Token": "nope"})
    assert resp.status_code == 401


async def test_heatclient_template_versions_list_and_functions(templates_server: str) -> None:
    hc = heat(templates_server)
    versions: list[Any] = await run(hc.template_versions.list)
    assert "heat_template_version.2021-04-16" in {v.version for v in versions}
    funcs = await run(hc.template_versions.get, "heat_template_version.2016-10-14")
    assert "equals" not in {f.functions for f in funcs}
    with_cond = await run(
        hc.template_versions.get, "heat_template_version.2016-10-14", with_condition_func=True
    )
    assert "equals" in {f.functions for f in with_cond}
    with pytest.raises(heat_exc.HTTPNotFound):
        await run(hc.template_versions.get, "heat_template_version.nope")


async def test_heatclient_build_info(templates_server: str) -> None:
    hc = heat(templates_server)
    info = await run(hc.build_info.build_info)
    assert info["engine"]["revision"] == metadata.version("ember")


async def test_resource_types_with_description(client: httpx.AsyncClient) -> None:
    resp = await client.get(f"/v1/{TENANT}/resource_types", params={"with_description": "true"})
    assert resp.status_code == 200
    types = {t["resource_type"]: t["description"] for t in resp.json()["resource_types"]}
    assert "OS::Heat::None" in types
    assert all(isinstance(d, str) and d for d in types.values())


async def test_resource_types_support_status_filter(client: httpx.AsyncClient) -> None:
    supported = await client.get(f"/v1/{TENANT}/resource_types", params={"support_status": "SUPPORTED"})
    assert "OS::Heat::None" in supported.json()["resource_types"]
    deprecated = await client.get(f"/v1/{TENANT}/resource_types", params={"support_status": "DEPRECATED"})
    assert "OS::Heat::None" not in deprecated.json()["resource_types"]


async def test_heatclient_resource_types_filters_and_descriptions(live_server: str) -> None:
    hc = heat(live_server)
    described = await run(
        hc.resource_types.list,
        filters={"support_status": "SUPPORTED", "name": "OS::Heat::N"},
        with_description=True,
    )
    assert [(t.resource_type, bool(t.description)) for t in described] == [("OS::Heat::None", True)]
