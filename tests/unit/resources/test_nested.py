"""ResourceGroup and provider-template resources, driven through a fake host."""

from __future__ import annotations

from typing import Any

import pytest

from services.engine.resources.builtin import ResourceGroup
from services.engine.resources.properties import UNRESOLVED
from services.engine.resources.provider import TemplateResource, provider_plugin
from services.engine.resources.registry import new_registry
from shared.exceptions import InvalidTemplateAttribute, ResourceFailure, StackValidationFailed

from .conftest import FakeHost, run_delete

GROUP = {
    "count": 3,
    "resource_def": {
        "type": "OS::Heat::TestResource",
        "properties": {
            "value": "server-%index%",
            "list": ["%index%", {"k": "n%index%"}],
            "n": 1,
            "unset": None,
        },
        "metadata": {"slot": "%index%"},
    },
}


async def created_group(host: FakeHost, props: dict[str, Any] = GROUP) -> ResourceGroup:
    group = ResourceGroup("group", props, host)
    token = await group.handle_create()
    assert not await group.check_create_complete(token)
    outputs: dict[str, Any] = {}
    for n in group.member_names():
        outputs[f"ref.{n}"] = f"ref-{n}"
        outputs[f"show.{n}"] = {"output": f"server-{n}", "deep": {"x": [int(n)]}}
    host.finish(token, outputs)
    assert await group.check_create_complete(token)
    return group


async def test_group_builds_child_template(host: FakeHost) -> None:
    group = await created_group(host)
    child = host.children[group.resource_id or ""]
    assert child.resource_name == "group"
    assert list(child.template["resources"]) == ["0", "1", "2"]
    assert child.template["resources"]["2"] == {
        "type": "OS::Heat::TestResource",
        "properties": {"value": "server-2", "list": ["2", {"k": "n2"}], "n": 1},
        "metadata": {"slot": "2"},
    }
    assert child.template["outputs"]["ref.1"] == {"value": {"get_resource": "1"}}
    assert child.template["outputs"]["show.1"] == {"value": {"get_attr": ["1", "show"]}}
    assert child.params == {}
    assert group.get_reference_id() == group.resource_id


async def test_group_attributes(host: FakeHost) -> None:
    group = await created_group(host)
    assert group.get_attribute("refs") == ["ref-0", "ref-1", "ref-2"]
    assert group.get_attribute("refs", 1) == "ref-1"
    assert group.get_attribute("refs_map") == {"0": "ref-0", "1": "ref-1", "2": "ref-2"}
    assert group.get_attribute("resource.1") == "ref-1"
    assert group.get_attribute("resource.1.output") == "server-1"
    assert group.get_attribute("resource.2", "deep", "x", 0) == 2
    assert group.get_attribute("resource.2.deep", "x") == [2]
    assert group.get_attribute("output") == ["server-0", "server-1", "server-2"]
    assert group.get_attribute("deep", "x", 0) == [0, 1, 2]
    assert group.get_attribute("attributes", "output") == {"0": "server-0", "1": "server-1", "2": "server-2"}
    assert group.get_attribute("removed_rsrc_list") == []
    assert group.get_attribute("show")["0"]["output"] == "server-0"
    with pytest.raises(InvalidTemplateAttribute):
        group.get_attribute("attributes")
    assert group.all_attributes() == {
        "refs": ["ref-0", "ref-1", "ref-2"],
        "refs_map": {"0": "ref-0", "1": "ref-1", "2": "ref-2"},
        "removed_rsrc_list": [],
    }


async def test_group_attribute_of_a_missing_member_is_null_as_heat(host: FakeHost) -> None:
    group = await created_group(host)
    assert group.get_attribute("resource.7") is None
    assert group.get_attribute("resource.7.output") is None
    assert group.get_attribute("resource.7", "deep", "x") is None


async def test_group_removal_policies_skip_names(host: FakeHost) -> None:
    props = {**GROUP, "removal_policies": [{"resource_list": ["1"]}, {"resource_list": [0]}]}
    group = await created_group(host, props)
    assert group.member_names() == ["2", "3", "4"]
    assert group.get_attribute("removed_rsrc_list") == ["0", "1"]
    assert group.get_attribute("refs") == ["ref-2", "ref-3", "ref-4"]
    # The skiplist lives in data: a rebuilt group without the policy keeps it.
    again = ResourceGroup("group", GROUP, host, **group.to_stored())
    assert again.member_names() == ["2", "3", "4"]


async def test_group_custom_index_var_and_zero_count(host: FakeHost) -> None:
    group = ResourceGroup(
        "g",
        {
            "count": 2,
            "index_var": "__i__",
            "resource_def": {"type": "T", "properties": {"a": "x__i__%index%"}},
        },
        host,
    )
    assert group.child_template()["resources"]["1"]["properties"] == {"a": "x1%index%"}
    empty = ResourceGroup("g", {"count": 0, "resource_def": {"type": "T"}}, host)
    assert empty.child_template() == {"heat_template_version": "2016-10-14", "resources": {}, "outputs": {}}


@pytest.mark.parametrize(
    ("props", "message"),
    [
        ({"count": 1}, r"properties\.resource_def: property is required"),
        ({"resource_def": {}}, r"properties\.resource_def\.type: property is required"),
        ({"resource_def": {"type": ""}}, r"properties\.resource_def\.type: must not be empty"),
        ({"count": -1, "resource_def": {"type": "T"}}, r"properties\.count: value -1 is below the minimum 0"),
        ({"resource_def": {"type": "T", "props": {}}}, r'properties\.resource_def: unknown property "props"'),
        (
            {"index_var": "%", "resource_def": {"type": "T"}},
            r"properties\.index_var: length 1 is below the minimum 3",
        ),
        (
            {"removal_policies_mode": "x", "resource_def": {"type": "T"}},
            r"removal_policies_mode: 'x' is not an allowed",
        ),
    ],
)
def test_group_validation(host: FakeHost, props: dict[str, Any], message: str) -> None:
    with pytest.raises(StackValidationFailed, match=message):
        ResourceGroup("g", props, host)


def test_group_accepts_unresolved_count() -> None:
    props = ResourceGroup.validate_properties("g", {"count": UNRESOLVED, "resource_def": {"type": "T"}})
    assert props["count"] is UNRESOLVED


async def test_group_create_failure_reported(host: FakeHost) -> None:
    group = ResourceGroup("group", GROUP, host)
    token = await group.handle_create()
    host.children[token].status = ("CREATE", "FAILED", "Resource CREATE failed: ValueError: boom")
    with pytest.raises(ResourceFailure, match=r"resources\.group: nested stack CREATE failed: .*boom"):
        await group.check_create_complete(token)


async def test_group_delete_and_reconstruct_elsewhere(host: FakeHost) -> None:
    group = await created_group(host)
    stored = group.to_stored()
    again = ResourceGroup("group", GROUP, host, **stored)
    assert again.get_attribute("refs") == ["ref-0", "ref-1", "ref-2"]
    token = await again.handle_delete()
    assert token == group.resource_id
    assert not await again.check_delete_complete(token)
    host.finish(token)
    assert await again.check_delete_complete(token)
    assert host.deleted == [token]


async def test_group_delete_when_child_gone_or_never_created(host: FakeHost) -> None:
    await run_delete(ResourceGroup("group", GROUP, host))
    orphan = ResourceGroup("group", GROUP, host, resource_id="child-404")
    await run_delete(orphan)


async def test_group_delete_failure(host: FakeHost) -> None:
    group = await created_group(host)
    token = await group.handle_delete()
    host.children[token].status = ("DELETE", "FAILED", "stuck")
    with pytest.raises(ResourceFailure, match="nested stack DELETE failed: stuck"):
        await group.check_delete_complete(token)


async def test_group_prepare_attributes_refreshes(host: FakeHost) -> None:
    group = await created_group(host)
    host.children[group.resource_id or ""].outputs["ref.0"] = "new-ref"
    await group.prepare_attributes()
    assert group.get_attribute("refs", 0) == "new-ref"
    assert not group.needs_replacement({**group.properties, "count": 4})  # a nested update, in place
    assert not group.needs_replacement(dict(group.properties))


def test_group_is_registered() -> None:
    schema = new_registry(load_plugins=False).schema("OS::Heat::ResourceGroup")
    assert schema["properties"]["resource_def"]["required"] is True
    assert set(schema["attributes"]) >= {"refs", "refs_map", "attributes", "removed_rsrc_list", "show"}


# --- provider templates -------------------------------------------------------

PROVIDER = {
    "heat_template_version": "2016-10-14",
    "description": "A server made of test resources.",
    "parameters": {
        "name": {"type": "string", "description": "Its name", "constraints": [{"length": {"min": 2}}]},
        "size": {
            "type": "number",
            "default": 1,
            "constraints": [{"range": {"min": 1, "max": 4}, "description": "1-4"}],
        },
        "zones": {"type": "comma_delimited_list", "default": []},
        "extra": {"type": "json", "default": {}},
        "debug": {"type": "boolean", "default": False},
        "flavor": {"type": "string", "default": "m1", "constraints": [{"allowed_values": ["m1", "m2"]}]},
        "tag": {
            "type": "string",
            "default": "a",
            "constraints": [{"allowed_pattern": "[a-z]+"}, {"modulo": {"step": 2}}],
        },
    },
    "resources": {
        "inner": {"type": "OS::Heat::TestResource", "properties": {"value": {"get_param": "name"}}}
    },
    "outputs": {
        "ip": {"description": "The address", "value": "10.0.0.1"},
        "name": {"value": {"get_param": "name"}},
    },
}


@pytest.fixture
def server_type() -> type[TemplateResource]:
    return provider_plugin("My::Server", PROVIDER, "server.yaml")


def test_provider_schema(server_type: type[TemplateResource]) -> None:
    registry = new_registry(load_plugins=False)
    registry.register(server_type)
    schema = registry.schema("My::Server")
    assert schema["description"] == "A server made of test resources."
    assert schema["properties"]["name"]["required"] is True
    assert schema["properties"]["size"] == {
        "type": "number",
        "required": False,
        "update_allowed": True,
        "immutable": False,
        "default": 1,
        "constraints": [{"range": {"min": 1, "max": 4}, "description": "1-4"}],
    }
    assert schema["properties"]["zones"]["type"] == "list"
    assert schema["attributes"]["ip"] == {"description": "The address"}
    assert "show" in schema["attributes"]


async def test_provider_lifecycle(host: FakeHost, server_type: type[TemplateResource]) -> None:
    res = server_type("web", {"name": "alpha", "size": "2", "zones": "a, b", "debug": "true"}, host)
    token = await res.handle_create()
    child = host.children[token]
    assert child.template == PROVIDER
    assert child.params == {
        "name": "alpha",
        "size": 2,
        "zones": "a,b",
        "extra": {},
        "debug": True,
        "flavor": "m1",
        "tag": "a",
    }
    assert res.get_reference_id() == token
    host.finish(token, {"ip": "10.0.0.1", "name": "alpha"})
    assert await res.check_create_complete(token)
    assert res.get_attribute("ip") == "10.0.0.1"
    assert res.get_attribute("show") == {"ip": "10.0.0.1", "name": "alpha"}
    again = server_type("web", {"name": "alpha"}, host, **res.to_stored())
    assert again.get_attribute("name") == "alpha"
    token = await again.handle_delete()
    host.finish(token)
    assert await again.check_delete_complete(token)


async def test_provider_list_params(host: FakeHost) -> None:
    tmpl = {
        "parameters": {
            "a": {"type": "comma_delimited_list"},
            "b": {"type": "comma_delimited_list"},
            "c": {"type": "comma_delimited_list"},
        }
    }
    res = provider_plugin("My::L", tmpl)("r", {"a": [], "b": [{"k": 1}], "c": ["x", None, 2]}, host)
    assert res.child_params() == {"a": "", "b": [{"k": 1}], "c": "x,,2"}


async def test_provider_stack_id_output_is_reference(host: FakeHost) -> None:
    tmpl = {**PROVIDER, "outputs": {"OS::stack_id": {"value": "custom"}}}
    res = provider_plugin("My::Thing", tmpl)("r", {"name": "ab"}, host)
    await res.handle_create()
    host.finish(res.resource_id or "", {"OS::stack_id": "custom-ref"})
    await run_create_done(res)
    assert res.get_reference_id() == "custom-ref"


async def run_create_done(res: TemplateResource) -> None:
    assert await res.check_create_complete(res.resource_id)


@pytest.mark.parametrize(
    ("props", "message"),
    [
        ({}, r"^resources\.web\.properties\.name: property is required$"),
        ({"name": "a"}, r"properties\.name: length 1 is below the minimum 2"),
        ({"name": "ab", "size": 9}, r"properties\.size: 1-4$"),
        ({"name": "ab", "flavor": "m3"}, r"properties\.flavor: 'm3' is not an allowed value"),
        ({"name": "ab", "tag": "A"}, r"properties\.tag: 'A' does not match pattern"),
        ({"name": "ab", "nmae": 1}, r'properties: unknown property "nmae"'),
    ],
)
def test_provider_validation(
    host: FakeHost, server_type: type[TemplateResource], props: dict[str, Any], message: str
) -> None:
    with pytest.raises(StackValidationFailed, match=message):
        server_type("web", props, host)


@pytest.mark.parametrize(
    ("template", "message"),
    [
        ({"parameters": []}, "must be maps"),
        ({"parameters": {"p": "string"}}, r"parameters\.p: a parameter must be a map"),
        ({"parameters": {"p": {"type": "float"}}}, r"parameters\.p: unknown parameter type 'float'"),
        (
            {"parameters": {"p": {"type": "number", "constraints": [{"range": {"min": "x"}}]}}},
            "numeric min/max",
        ),
        ({"parameters": {"p": {"type": "number", "constraints": ["x"]}}}, "a constraint must be a map"),
        (
            {"parameters": {"p": {"type": "number", "constraints": {"range": {}}}}},
            "constraints must be a list",
        ),
        ({"outputs": ["x"]}, "must be maps"),
    ],
)
def test_provider_bad_template(template: dict[str, Any], message: str) -> None:
    with pytest.raises(StackValidationFailed, match=message):
        provider_plugin("My::Bad", template)
