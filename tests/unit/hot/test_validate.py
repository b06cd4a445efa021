"""Validation against resource plugins, and validate_template's answer."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from services.engine import hot
from services.engine.resources import default_registry
from shared.exceptions import (
    EmberError,
    InvalidTemplate,
    ResourceTypeNotFound,
    StackValidationFailed,
)

from .helpers import load, template, value_resource

REGISTRY = default_registry()


def check(doc: dict[str, Any], params: dict[str, Any] | None = None, **kw: Any) -> hot.StackDefinition:
    return load(doc, params, registry=REGISTRY, **kw)


def test_valid_resources_pass() -> None:
    doc = template(
        {
            "rand": {"type": "OS::Heat::RandomString", "properties": {"length": {"get_param": "n"}}},
            "val": value_resource({"get_attr": ["rand", "value"]}),
            "test": {"type": "OS::Heat::TestResource", "properties": {"value": {"get_resource": "val"}}},
        },
        parameters={"n": {"type": "number", "default": 8}},
        outputs={"o": {"value": {"get_attr": ["test", "output"]}}},
    )
    check(doc)


@pytest.mark.parametrize(
    ("resource", "message"),
    [
        (
            {"type": "OS::Nova::Server"},
            "resources.r: The Resource Type (OS::Nova::Server) could not be found.",
        ),
        (
            {"type": "OS::Heat::Value", "properties": {"valu": 1}},
            'resources.r.properties: unknown property "valu"',
        ),
        ({"type": "OS::Heat::Value"}, "resources.r.properties.value"),
        (
            {"type": "OS::Heat::RandomString", "properties": {"length": "long"}},
            "resources.r.properties.length",
        ),
        (
            {"type": "OS::Heat::RandomString", "properties": {"length": {"get_param": "word"}}},
            "resources.r.properties.length",
        ),
    ],
)
def test_property_and_type_errors_name_the_resource(resource: dict[str, Any], message: str) -> None:
    doc = template({"r": resource}, parameters={"word": {"type": "string", "default": "x"}})
    with pytest.raises(StackValidationFailed) as err:
        check(doc)
    assert message in str(err.value)


def test_aliases_are_followed_for_validation() -> None:
    doc = template({"r": {"type": "My::Value", "properties": {"value": 1}}})
    check(doc, environment={"resource_registry": {"My::Value": "OS::Heat::Value"}})
    with pytest.raises(StackValidationFailed, match=r"The Resource Type \(Nope::Type\) \(from My::Value\)"):
        check(doc, environment={"resource_registry": {"My::Value": "Nope::Type"}})


def test_unknown_attributes_are_errors() -> None:
    doc = template({"v": value_resource(1)}, outputs={"o": {"value": {"get_attr": ["v", "nope"]}}})
    with pytest.raises(StackValidationFailed) as err:
        check(doc)
    assert str(err.value) == "outputs.o.value.get_attr: The Referenced Attribute (v nope) is incorrect."
    assert err.value.kwargs == {"resource": "v", "key": "nope"}


def test_show_is_always_an_attribute() -> None:
    check(template({"v": value_resource(1)}, outputs={"o": {"value": {"get_attr": ["v", "show"]}}}))


def test_unresolved_values_pass_property_validation() -> None:
    doc = template(
        {
            "rand": {"type": "OS::Heat::RandomString"},
            "r": {
                "type": "OS::Heat::RandomString",
                "properties": {"length": {"get_attr": ["rand", "value"]}},
            },
        }
    )
    check(doc)


NESTED = """
heat_template_version: 2016-10-14
parameters:
  name: {type: string}
  size: {type: number, default: 1}
resources: {}
outputs:
  address: {value: x}
"""


@pytest.mark.parametrize(
    ("properties", "message"),
    [
        ({"name": "a"}, None),
        ({"name": "a", "size": 3}, None),
        ({"size": 3}, 'the property "name" is required'),
        ({"name": "a", "colour": 1}, 'unknown property "colour"'),
        ({"name": "a", "size": "big"}, "resources.s.properties.size: Parameter 'size' is invalid"),
    ],
)
def test_provider_template_properties_are_its_parameters(
    properties: dict[str, Any], message: str | None
) -> None:
    doc = template({"s": {"type": "My::Server", "properties": properties}})
    kw = {
        "environment": {"resource_registry": {"My::Server": "server.yaml"}},
        "files": {"server.yaml": NESTED},
    }
    if message is None:
        defn = check(doc, **kw)
        assert defn.resolve_type("s").template_name == "server.yaml"
    else:
        with pytest.raises(StackValidationFailed) as err:
            check(doc, **kw)
        assert message in str(err.value)


def test_a_broken_provider_template_is_an_invalid_template() -> None:
    doc = template({"s": {"type": "My::Server"}})
    kw = {
        "environment": {"resource_registry": {"My::Server": "server.yaml"}},
        "files": {"server.yaml": "- x"},
    }
    with pytest.raises(
        InvalidTemplate, match=r"resources.s \(server.yaml\): the provider template is invalid"
    ):
        check(doc, **kw)


class FakePlugin:
    seen: dict[str, Any] = {}

    @classmethod
    def validate_properties(cls, name: str, properties: Mapping[str, Any] | None) -> dict[str, Any]:
        cls.seen[name] = properties
        return dict(properties or {})

    @classmethod
    def has_attribute(cls, name: str) -> bool:
        return name == "out"


class FakeRegistry:
    def get_plugin(self, type_name: str) -> Any:
        if type_name != "Fake::Type":
            raise ResourceTypeNotFound(name=type_name)
        return FakePlugin


def test_any_registry_fitting_the_protocol_works() -> None:
    doc = template(
        {"a": {"type": "Fake::Type", "properties": {"x": {"get_param": "p"}}}},
        parameters={"p": {"type": "string", "default": "v"}},
        outputs={"o": {"value": {"get_attr": ["a", "out"]}}},
    )
    load(doc, registry=FakeRegistry())
    assert FakePlugin.seen["a"] == {"x": "v"}
    with pytest.raises(StackValidationFailed):
        load(
            template({"a": {"type": "Fake::Type"}}, outputs={"o": {"value": {"get_attr": ["a", "x"]}}}),
            registry=FakeRegistry(),
        )


def test_resource_count_limit() -> None:
    doc = template({f"r{i}": {"type": "OS::Heat::None"} for i in range(5)})
    load(doc, max_resources=5)
    with pytest.raises(
        EmberError,
        match=r"5 resources, which exceeds the maximum of 4 resources per stack "
        r"\(engine\.max_resources_per_stack, EMBER_ENGINE__MAX_RESOURCES_PER_STACK\)",
    ) as err:
        load(doc, max_resources=4)
    assert err.value.http_status == 400  # Heat's RequestLimitExceeded
    hot.check_resource_count(3, 10, nested=7)
    with pytest.raises(EmberError, match="11 resources counting its nested stacks"):
        hot.check_resource_count(3, 10, nested=8)
    hot.check_resource_count(3000, -1, nested=8000)  # -1: no limit
    hot.check_resource_count(10_000, -1)


VALIDATE_DOC = """
heat_template_version: 2018-08-31
description: A template to validate
parameter_groups:
  - label: main
    parameters: [flavor]
parameters:
  flavor:
    type: string
    label: Flavor
    description: The flavor
    default: small
    constraints:
      - allowed_values: [small, large]
        description: small or large
  password:
    type: string
    hidden: true
  count:
    type: number
    constraints:
      - range: {min: 1, max: 3}
resources:
  v:
    type: OS::Heat::Value
    properties:
      value: {get_param: password}
"""


def test_validate_template_reports_like_heat() -> None:
    result = hot.validate_template(
        VALIDATE_DOC,
        environment={"parameter_defaults": {"count": 2}, "parameters": {"flavor": "large"}},
        registry=REGISTRY,
    )
    assert result == {
        "Description": "A template to validate",
        "Parameters": {
            "flavor": {
                "Type": "String",
                "Description": "The flavor",
                "NoEcho": "false",
                "Label": "Flavor",
                "Default": "small",
                "Value": "large",
                "AllowedValues": ["small", "large"],
                "ConstraintDescription": "small or large",
            },
            "password": {"Type": "String", "Description": "", "NoEcho": "true", "Label": "password"},
            "count": {
                "Type": "Number",
                "Description": "",
                "NoEcho": "false",
                "Label": "count",
                "Default": 2,
                "MinValue": 1,
                "MaxValue": 3,
            },
        },
        "ParameterGroups": [{"label": "main", "parameters": ["flavor"]}],
        "Environment": {
            "parameters": {"flavor": "large"},
            "parameter_defaults": {"count": 2},
            "resource_registry": {"resources": {}},
            "event_sinks": [],
        },
    }


def test_validate_template_checks_given_values() -> None:
    with pytest.raises(StackValidationFailed, match="Parameter 'count' is invalid"):
        hot.validate_template(VALIDATE_DOC, params={"count": 9})


def test_validate_template_without_groups_or_description() -> None:
    result = hot.validate_template("heat_template_version: 2016-10-14\n")
    assert result["Description"] == "No description"  # Heat's words for a template without one
    assert "ParameterGroups" not in result


@pytest.mark.parametrize(
    ("attribute", "ok"),
    [("address", True), ("show", True), ("OS::stack_id", True), ("resource.x.y", True), ("nope", False)],
)
def test_provider_template_attributes_are_its_outputs(attribute: str, ok: bool) -> None:
    doc = template(
        {"s": {"type": "My::Server", "properties": {"name": "n"}}},
        outputs={"o": {"value": {"get_attr": ["s", attribute]}}},
    )
    kw = {
        "environment": {"resource_registry": {"My::Server": "server.yaml"}},
        "files": {"server.yaml": NESTED},
    }
    if ok:
        check(doc, **kw)
    else:
        with pytest.raises(StackValidationFailed, match=r"\(s nope\)"):
            check(doc, **kw)


HEAT_ERROR_TYPES: list[tuple[str, dict[str, Any], dict[str, Any], str]] = [
    (
        "cycle",
        {
            "a": {"type": "OS::Heat::None", "depends_on": "b"},
            "b": {"type": "OS::Heat::None", "depends_on": "a"},
        },
        {},
        "CircularDependencyException",
    ),
    (
        "unknown attribute",
        {"v": value_resource(1)},
        {"o": {"value": {"get_attr": ["v", "nope"]}}},
        "StackValidationFailed",
    ),
    (
        "unknown resource in an output",
        {},
        {"o": {"value": {"get_attr": ["nope", "x"]}}},
        "StackValidationFailed",
    ),
    (
        "unknown resource in a resource",
        {"v": value_resource({"get_resource": "nope"})},
        {},
        "InvalidTemplateReference",
    ),
]


@pytest.mark.parametrize(
    ("resources", "outputs", "heat_type"),
    [c[1:] for c in HEAT_ERROR_TYPES],
    ids=[c[0] for c in HEAT_ERROR_TYPES],
)
def test_error_types_are_heats(resources: dict[str, Any], outputs: dict[str, Any], heat_type: str) -> None:
    """The type a client sees in the fault body is the one Heat's validation raises for the same template."""
    with pytest.raises(EmberError) as err:
        check(template(resources, outputs=outputs))
    assert err.value.error_type == heat_type


def test_validate_environment_has_heats_keys_only() -> None:
    env = {"resource_registry": {"My::T": "OS::Heat::None"}, "parameter_defaults": {"x": 1}}
    result = hot.validate_template("heat_template_version: 2016-10-14\ndescription: ''\n", env)
    assert result["Description"] == "No description"
    assert result["Environment"] == {
        "resource_registry": {"My::T": "OS::Heat::None", "resources": {}},
        "parameters": {},
        "parameter_defaults": {"x": 1},
        "event_sinks": [],
    }
