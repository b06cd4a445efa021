"""Resource definitions: every key of a resource, parsed and resolved."""

from __future__ import annotations

from typing import Any

import pytest

from services.engine import hot
from shared.exceptions import InvalidTemplate, StackValidationFailed

from .helpers import FakeResolver, load, template


def test_every_resource_key_is_kept() -> None:
    doc = template(
        {
            "dep": {"type": "OS::Heat::None"},
            "web": {
                "type": "OS::Heat::None",
                "properties": {"p": {"get_param": "name"}},
                "metadata": {"m": {"get_resource": "dep"}},
                "depends_on": "dep",
                "deletion_policy": "retain",
                "update_policy": {"batch": {"get_param": "name"}},
                "condition": True,
                "external_id": {"get_param": "name"},
                "description": "the web tier",
            },
        },
        parameters={"name": {"type": "string", "default": "n"}},
    )
    defn = load(doc)
    web = defn.resources["web"]
    resolver = FakeResolver(defn.parameters)
    assert web.type == "OS::Heat::None"
    assert web.path == "resources.web"
    assert web.resolved_properties(resolver) == {"p": "n"}
    assert web.resolved_metadata(resolver) == {"m": "ref-dep"}
    assert web.resolved_update_policy(resolver) == {"batch": "n"}
    assert web.resolved_external_id(resolver) == "n"
    assert web.deletion_policy == "Retain"
    assert web.depends_on == ("dep",)
    assert web.description == "the web tier"
    assert web.condition is True
    assert web.dependencies() == {"dep"}


@pytest.mark.parametrize(
    ("version", "policy", "expected"),
    [
        ("2013-05-23", "Delete", "Delete"),
        ("2013-05-23", "Snapshot", "Snapshot"),
        ("2016-10-14", "retain", "Retain"),
        ("2016-04-08", "retain", None),
        ("2021-04-16", "Keep", None),
        ("2021-04-16", {"get_param": "policy"}, "Retain"),
        ("2021-04-16", ["Delete"], None),
    ],
)
def test_deletion_policies(version: str, policy: Any, expected: str | None) -> None:
    doc = template(
        {"r": {"type": "OS::Heat::None", "deletion_policy": policy}},
        version=version,
        parameters={"policy": {"type": "string", "default": "Retain"}},
    )
    if expected is None:
        with pytest.raises(StackValidationFailed, match=r"resources\.r\.deletion_policy: .* is not one of"):
            load(doc)
    else:
        assert load(doc).resources["r"].deletion_policy == expected


def test_deletion_policy_without_a_parameter_value_is_delete() -> None:
    doc = template(
        {"r": {"type": "OS::Heat::None", "deletion_policy": {"get_param": "policy"}}},
        parameters={"policy": {"type": "string"}},
    )
    assert load(doc, require_values=False).resources["r"].deletion_policy == "Delete"


def test_external_id_must_be_a_string() -> None:
    doc = template({"r": {"type": "OS::Heat::None", "external_id": ["x"]}})
    with pytest.raises(StackValidationFailed, match=r"resources\.r\.external_id: must be a string"):
        load(doc)


def test_the_definition_keeps_the_template() -> None:
    doc = template({"r": {"type": "OS::Heat::None"}}, description="A stack")
    defn = load(doc, stack_name="s")
    assert defn.description == "A stack"
    assert defn.version == "2021-04-16"
    assert defn.resolve_type("r") == hot.ResolvedType("OS::Heat::None", "OS::Heat::None")
    assert defn.parameter_resolver().get_param("OS::stack_name") == "s"


def test_a_parsed_template_can_be_loaded_with_files() -> None:
    tmpl = hot.Template.parse(template({"r": {"type": "T", "properties": {"f": {"get_file": "a"}}}}))
    defn = hot.load_stack_definition(tmpl, files={"a": "content"})
    assert defn.resources["r"].resolved_properties(defn.parameter_resolver()) == {"f": "content"}


@pytest.mark.parametrize("params", [["a"], "text"])
def test_request_parameters_must_be_a_map(params: Any) -> None:
    with pytest.raises(InvalidTemplate, match="parameters must be a map"):
        hot.load_stack_definition(template({}), params=params)


def test_get_file_without_the_file() -> None:
    resolver = hot.ParameterResolver({}, {})
    with pytest.raises(StackValidationFailed, match='the "files" section for get_file path: x'):
        resolver.get_file("x")


def test_the_parameter_resolver_refuses_resource_lookups() -> None:
    resolver = hot.ParameterResolver({}, {})
    with pytest.raises(StackValidationFailed):
        resolver.get_resource_reference("r")
    with pytest.raises(StackValidationFailed):
        resolver.get_resource_attribute("r", "a", ())


def test_the_stack_resolver_applies_attribute_paths() -> None:
    class Engine(hot.StackResolver):
        def attribute_value(self, name: str, attribute: str | None) -> Any:
            return {"a": [{"b": 1}]}

    assert Engine({}).get_resource_attribute("r", "x", ("a", 0, "b")) == 1
    with pytest.raises(NotImplementedError):
        hot.StackResolver({}).get_resource_attribute("r", "x", ())
