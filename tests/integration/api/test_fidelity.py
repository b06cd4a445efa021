"""Answers that must read as real Heat's do, through the gateway and python-heatclient.

Each test is one difference a Heat client tripped over (issue 12). The
engine-dependent ones need the real engine (skipped on the FakeEngine).
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.integration.api.conftest import MINIMAL, TENANT, EngineBackend, unique_name, wait_status
from tests.integration.api.test_heatclient import heat, run

V = "2016-10-14"


@pytest.fixture
def real_engine(engine_backend: EngineBackend) -> None:
    if not engine_backend.real:
        pytest.skip("needs the real engine")


async def validate(client: httpx.AsyncClient, template: dict[str, Any], **body: Any) -> httpx.Response:
    return await client.post(f"/v1/{TENANT}/validate", json={"template": template, **body})


@pytest.mark.usefixtures("real_engine")
async def test_validate_answers_heats_shape(client: httpx.AsyncClient) -> None:
    resp = await validate(client, {"heat_template_version": V, "resources": {}})
    assert resp.status_code == 200
    body = resp.json()
    assert body["Description"] == "No description"
    assert body["Environment"] == {
        "resource_registry": {"resources": {}},
        "parameters": {},
        "parameter_defaults": {},
        "event_sinks": [],
    }


CYCLE = {
    "heat_template_version": V,
    "resources": {
        "a": {"type": "OS::Heat::None", "depends_on": "b"},
        "b": {"type": "OS::Heat::None", "depends_on": "a"},
    },
}
BAD_ATTR = {
    "heat_template_version": V,
    "resources": {"a": {"type": "OS::Heat::Value", "properties": {"value": "v"}}},
    "outputs": {"o": {"value": {"get_attr": ["a", "nope"]}}},
}
BAD_REF_IN_OUTPUT = {
    "heat_template_version": V,
    "resources": {},
    "outputs": {"o": {"value": {"get_attr": ["zz", "value"]}}},
}


@pytest.mark.usefixtures("real_engine")
@pytest.mark.parametrize(
    ("template", "heat_type"),
    [
        (CYCLE, "CircularDependencyException"),
        (BAD_ATTR, "StackValidationFailed"),
        (BAD_REF_IN_OUTPUT, "StackValidationFailed"),
    ],
    ids=["cycle", "bad attribute", "bad reference in an output"],
)
async def test_error_types_are_heats(
    client: httpx.AsyncClient, template: dict[str, Any], heat_type: str
) -> None:
    for resp in (
        await validate(client, template),
        await client.post(f"/v1/{TENANT}/stacks", json={"stack_name": unique_name(), "template": template}),
    ):
        assert resp.status_code == 400, resp.text
        assert resp.json()["error"]["type"] == heat_type


async def test_cfn_resource_template_has_heats_keys(client: httpx.AsyncClient) -> None:
    resp = await client.get(
        f"/v1/{TENANT}/resource_types/OS::Heat::RandomString/template", params={"template_type": "cfn"}
    )
    assert resp.status_code == 200
    body = resp.json()
    assert body["HeatTemplateFormatVersion"] == "2012-12-12"
    assert "AWSTemplateFormatVersion" not in body
    # the default template_type is cfn, as Heat's
    default = await client.get(f"/v1/{TENANT}/resource_types/OS::Heat::RandomString/template")
    assert default.json() == body


async def test_never_updated_stack_has_null_updated_time(client: httpx.AsyncClient) -> None:
    name = unique_name()
    resp = await client.post(f"/v1/{TENANT}/stacks", json={"stack_name": name, "template": MINIMAL})
    path = f"/v1/{TENANT}/stacks/{name}/{resp.json()['stack']['id']}"
    shown = await wait_status(client, path, "CREATE_COMPLETE")
    assert shown["updated_time"] is None
    listed = (await client.get(f"/v1/{TENANT}/stacks", params={"name": name})).json()["stacks"]
    assert listed[0]["updated_time"] is None


@pytest.mark.usefixtures("real_engine")
async def test_updated_time_stamped_by_changes_not_by_rollback_or_delete(client: httpx.AsyncClient) -> None:
    """As Heat: a create's rollback and a delete leave updated_time null; a check stamps it."""
    failing = {
        "heat_template_version": V,
        "resources": {"bad": {"type": "OS::Heat::TestResource", "properties": {"fail": True}}},
    }
    name = unique_name()
    body = {"stack_name": name, "template": failing, "disable_rollback": False}
    resp = await client.post(f"/v1/{TENANT}/stacks", json=body)
    path = f"/v1/{TENANT}/stacks/{name}/{resp.json()['stack']['id']}"
    assert (await wait_status(client, path, "ROLLBACK_COMPLETE"))["updated_time"] is None
    assert (await client.delete(path)).status_code == 204
    gone = await client.get(f"/v1/{TENANT}/stacks", params={"name": name, "show_deleted": True})
    assert [s["updated_time"] for s in gone.json()["stacks"]] == [None]

    name = unique_name()
    resp = await client.post(f"/v1/{TENANT}/stacks", json={"stack_name": name, "template": MINIMAL})
    path = f"/v1/{TENANT}/stacks/{name}/{resp.json()['stack']['id']}"
    created = await wait_status(client, path, "CREATE_COMPLETE")
    assert (await client.post(f"{path}/actions", json={"check": None})).status_code == 200
    checked = await wait_status(client, path, "CHECK_COMPLETE")
    assert checked["updated_time"] is not None and checked["updated_time"] >= created["creation_time"]


@pytest.mark.usefixtures("real_engine")
async def test_condition_functions_in_outputs_and_short_list_paths(client: httpx.AsyncClient) -> None:
    template = {
        "heat_template_version": V,
        "parameters": {
            "env": {"type": "string", "default": "prod"},
            "items": {"type": "json", "default": []},
        },
        "resources": {"a": {"type": "OS::Heat::None"}},
        "outputs": {
            "is_prod": {"value": {"if": [{"equals": [{"get_param": "env"}, "prod"]}, True, False]}},
            "only_prod": {"value": "yes", "condition": {"equals": [{"get_param": "env"}, "prod"]}},
            "third": {"value": {"get_param": ["items", 2]}},
        },
    }
    name = unique_name()
    resp = await client.post(f"/v1/{TENANT}/stacks", json={"stack_name": name, "template": template})
    assert resp.status_code == 201, resp.text
    shown = await wait_status(
        client, f"/v1/{TENANT}/stacks/{name}/{resp.json()['stack']['id']}", "CREATE_COMPLETE"
    )
    outputs = {o["output_key"]: o for o in shown["outputs"]}
    assert outputs["is_prod"]["output_value"] is True
    assert outputs["only_prod"]["output_value"] == "yes"
    assert outputs["third"]["output_value"] == ""
    assert not any("output_error" in o for o in outputs.values())


async def test_heatclient_validate_generate_template_and_updated_time(live_server: str) -> None:
    hc = heat(live_server)
    template = await run(hc.resource_types.generate_template, "OS::Heat::RandomString", "cfn")
    assert template["HeatTemplateFormatVersion"] == "2012-12-12"
    name = unique_name("hcf")
    await run(hc.stacks.create, stack_name=name, template=MINIMAL)
    for _ in range(400):
        stack = await run(hc.stacks.get, name)
        if not stack.stack_status.endswith("IN_PROGRESS"):
            break
    assert stack.updated_time is None


@pytest.mark.usefixtures("real_engine")
async def test_heatclient_validate_without_description(live_server: str) -> None:
    hc = heat(live_server)
    result = await run(hc.stacks.validate, template={"heat_template_version": V, "resources": {}})
    assert result["Description"] == "No description"
    assert set(result["Environment"]) == {
        "resource_registry",
        "parameters",
        "parameter_defaults",
        "event_sinks",
    }


async def test_resource_schema_has_a_description_only_when_asked(client: httpx.AsyncClient) -> None:
    url = f"/v1/{TENANT}/resource_types/OS::Heat::RandomString"
    plain = (await client.get(url)).json()
    assert set(plain) == {"resource_type", "properties", "attributes", "support_status"}
    described = (await client.get(url, params={"with_description": "true"})).json()
    assert described["description"]


@pytest.mark.usefixtures("real_engine")
async def test_missing_group_member_output_is_null_not_an_error(client: httpx.AsyncClient) -> None:
    group = {
        "type": "OS::Heat::ResourceGroup",
        "properties": {"count": 2, "resource_def": {"type": "OS::Heat::Value", "properties": {"value": "x"}}},
    }
    template = {
        "heat_template_version": V,
        "resources": {"g": group},
        "outputs": {
            "ref": {"value": {"get_attr": ["g", "resource.5"]}},
            "attr": {"value": {"get_attr": ["g", "resource.5.value"]}},
            "there": {"value": {"get_attr": ["g", "resource.1.value"]}},
        },
    }
    name = unique_name()
    resp = await client.post(f"/v1/{TENANT}/stacks", json={"stack_name": name, "template": template})
    path = f"/v1/{TENANT}/stacks/{name}/{resp.json()['stack']['id']}"
    shown = await wait_status(client, path, "CREATE_COMPLETE", timeout=30)
    outputs = {o["output_key"]: o for o in shown["outputs"]}
    assert outputs["ref"]["output_value"] is None and "output_error" not in outputs["ref"]
    assert outputs["attr"]["output_value"] is None and "output_error" not in outputs["attr"]
    assert outputs["there"]["output_value"] == "x"
