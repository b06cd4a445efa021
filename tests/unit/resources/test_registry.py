"""The registry: lookup, listing, schema and template output, entry points."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

import pytest

from services.engine.resources.attributes import Attribute
from services.engine.resources.base import Resource
from services.engine.resources.properties import STRING, Property
from services.engine.resources.registry import (
    ENTRY_POINT_GROUP,
    ResourceRegistry,
    default_registry,
    new_registry,
)
from services.engine.resources.support import DEPRECATED, HIDDEN, SupportStatus
from shared.exceptions import EntityNotFound, InvalidInput, NotSupported, ResourceTypeNotFound

BUILTIN_TYPES = [
    "AWS::CloudFormation::WaitCondition",
    "AWS::CloudFormation::WaitConditionHandle",
    "OS::Heat::AutoScalingGroup",
    "OS::Heat::CloudConfig",
    "OS::Heat::Delay",
    "OS::Heat::MultipartMime",
    "OS::Heat::None",
    "OS::Heat::RandomString",
    "OS::Heat::ResourceChain",
    "OS::Heat::ResourceGroup",
    "OS::Heat::ScalingPolicy",
    "OS::Heat::SoftwareConfig",
    "OS::Heat::SoftwareDeployment",
    "OS::Heat::SoftwareDeploymentGroup",
    "OS::Heat::Stack",
    "OS::Heat::StructuredConfig",
    "OS::Heat::StructuredDeployment",
    "OS::Heat::StructuredDeploymentGroup",
    "OS::Heat::TestResource",
    "OS::Heat::UpdateWaitConditionHandle",
    "OS::Heat::Value",
    "OS::Heat::WaitCondition",
    "OS::Heat::WaitConditionHandle",
]


class Widget(Resource):
    type_name: ClassVar[str] = "Acme::Widget"
    description: ClassVar[str] = "A widget."
    support_status: ClassVar[SupportStatus] = SupportStatus(DEPRECATED, "9.0.0", "use Gadget")
    properties_schema: ClassVar[Mapping[str, Property]] = {"colour": Property(STRING, "Its colour.")}
    attributes_schema: ClassVar[Mapping[str, Attribute]] = {"shade": Attribute("The shade.", "string")}


class Secret(Resource):
    type_name: ClassVar[str] = "Acme::Secret"
    support_status: ClassVar[SupportStatus] = SupportStatus(HIDDEN)


@dataclass
class FakeEntryPoint:
    name: str
    target: Any
    group: str = ENTRY_POINT_GROUP

    def load(self) -> Any:
        if isinstance(self.target, BaseException):
            raise self.target
        return self.target


@pytest.fixture
def registry() -> ResourceRegistry:
    return new_registry(load_plugins=False)


def test_builtins_listed(registry: ResourceRegistry) -> None:
    for name in BUILTIN_TYPES:
        assert registry.get_plugin(name).type_name == name
    assert [t for t in registry.list_types() if t in BUILTIN_TYPES] == BUILTIN_TYPES


def test_default_registry_is_shared() -> None:
    assert default_registry() is default_registry()
    assert "OS::Heat::TestResource" in default_registry()


def test_unknown_type_is_not_found(registry: ResourceRegistry) -> None:
    with pytest.raises(ResourceTypeNotFound) as err:
        registry.get_plugin("OS::Nova::Nothing")
    assert isinstance(err.value, EntityNotFound)
    assert err.value.http_status == 404
    assert str(err.value) == "The Resource Type (OS::Nova::Nothing) could not be found."


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({}, sorted(["Acme::Widget", *BUILTIN_TYPES])),
        ({"name": "OS::Heat::Ra"}, ["OS::Heat::RandomString"]),
        ({"name": ".*Resource$"}, ["OS::Heat::TestResource"]),
        (
            {"name": ".*Resource"},
            ["OS::Heat::ResourceChain", "OS::Heat::ResourceGroup", "OS::Heat::TestResource"],
        ),
        ({"support_status": "deprecated"}, ["Acme::Widget"]),
        ({"support_status": "SUPPORTED"}, BUILTIN_TYPES),
        (
            {"version": "2014.1"},
            [
                "AWS::CloudFormation::WaitCondition",
                "AWS::CloudFormation::WaitConditionHandle",
                "OS::Heat::AutoScalingGroup",
                "OS::Heat::CloudConfig",
                "OS::Heat::MultipartMime",
                "OS::Heat::RandomString",
                "OS::Heat::ResourceGroup",
                "OS::Heat::ScalingPolicy",
                "OS::Heat::SoftwareConfig",
                "OS::Heat::SoftwareDeployment",
                "OS::Heat::StructuredConfig",
                "OS::Heat::StructuredDeployment",
                "OS::Heat::UpdateWaitConditionHandle",
            ],
        ),
        ({"version": "9.0.0", "support_status": "DEPRECATED"}, ["Acme::Widget"]),
        ({"name": "Nope"}, []),
    ],
)
def test_list_types_filters(registry: ResourceRegistry, filters: dict[str, Any], expected: list[str]) -> None:
    registry.register(Widget)
    registry.register(Secret)
    assert registry.list_types(**filters) == expected


def test_list_types_with_description(registry: ResourceRegistry) -> None:
    registry.register(Widget)
    out = registry.list_types(name="Acme", with_description=True)
    assert out == [{"resource_type": "Acme::Widget", "description": "A widget."}]


@pytest.mark.parametrize("filters", [{"name": "("}, {"support_status": "GREAT"}])
def test_list_types_bad_filter(registry: ResourceRegistry, filters: dict[str, Any]) -> None:
    with pytest.raises(InvalidInput):
        registry.list_types(**filters)


def test_schema_output(registry: ResourceRegistry) -> None:
    registry.register(Widget)
    assert registry.schema("Acme::Widget") == {
        "resource_type": "Acme::Widget",
        "properties": {
            "colour": {
                "type": "string",
                "description": "Its colour.",
                "required": False,
                "update_allowed": False,
                "immutable": False,
            }
        },
        "attributes": {
            "shade": {"description": "The shade.", "type": "string"},
            "show": {"description": "Detailed information about the resource.", "type": "map"},
        },
        "support_status": {
            "status": "DEPRECATED",
            "version": "9.0.0",
            "message": "use Gadget",
            "previous_status": None,
        },
        "description": "A widget.",
    }


def test_schema_of_builtin(registry: ResourceRegistry) -> None:
    schema = registry.schema("OS::Heat::RandomString")
    assert schema["properties"]["length"]["default"] == 32
    assert schema["properties"]["length"]["constraints"] == [{"range": {"min": 1, "max": 512}}]
    assert (
        schema["properties"]["character_classes"]["schema"]["*"]["schema"]["class"]["default"]
        == "lettersdigits"
    )
    assert set(schema["attributes"]) == {"value", "show"}
    assert schema["support_status"]["version"] == "2014.1"
    with pytest.raises(ResourceTypeNotFound):
        registry.schema("Nope")


def test_hot_template_output(registry: ResourceRegistry) -> None:
    tmpl = registry.template("OS::Heat::TestResource")
    assert tmpl["heat_template_version"] == "2016-10-14"
    assert tmpl["parameters"]["wait_secs"] == {
        "type": "number",
        "description": "Seconds each action takes (-1 waits forever).",
        "default": 0,
    }
    assert tmpl["parameters"]["fail"]["type"] == "boolean"
    assert tmpl["parameters"]["action_wait_secs"]["type"] == "json"
    res = tmpl["resources"]["TestResource"]
    assert res["type"] == "OS::Heat::TestResource"
    assert res["properties"]["value"] == {"get_param": "value"}
    assert tmpl["outputs"]["output"]["value"] == {"get_attr": ["TestResource", "output"]}
    assert tmpl["outputs"]["show"]["value"] == {"get_attr": ["TestResource", "show"]}


def test_cfn_template_output_has_heats_keys(registry: ResourceRegistry) -> None:
    tmpl = registry.template("OS::Heat::RandomString", "cfn")
    assert set(tmpl) == {"HeatTemplateFormatVersion", "Description", "Parameters", "Resources", "Outputs"}
    assert tmpl["HeatTemplateFormatVersion"] == "2012-12-12"
    assert tmpl["Description"] == "Initial template of RandomString"
    assert tmpl["Parameters"]["length"]["Type"] == "Number"
    assert tmpl["Parameters"]["character_classes"]["Type"] == "CommaDelimitedList"
    props = tmpl["Resources"]["RandomString"]["Properties"]
    assert props["salt"] == {"Ref": "salt"}
    assert props["character_classes"] == {"Fn::Split": [",", {"Ref": "character_classes"}]}
    assert tmpl["Outputs"]["value"]["Value"] == {"Fn::GetAtt": ["RandomString", "value"]}
    assert tmpl["Outputs"]["OS::stack_id"] == {"Value": {"Ref": "RandomString"}}


def test_cfn_template_constraints_are_flat_and_booleans_spelled_out(registry: ResourceRegistry) -> None:
    params = registry.template("OS::Heat::TestResource", "cfn")["Parameters"]
    assert params["fail"]["Type"] == "Boolean"
    assert params["fail"]["AllowedValues"] == ["True", "true", "False", "false"]
    length = registry.template("OS::Heat::RandomString", "cfn")["Parameters"]["length"]
    assert "Constraints" not in length
    assert {"MinValue", "MaxValue"} & set(length)


def test_templates_name_the_resource_after_the_plugin_class(registry: ResourceRegistry) -> None:
    hot = registry.template("OS::Heat::None", "hot")
    assert list(hot["resources"]) == ["NoneResource"]
    assert hot["outputs"]["OS::stack_id"] == {"value": {"get_resource": "NoneResource"}}


def test_template_bad_type(registry: ResourceRegistry) -> None:
    with pytest.raises(InvalidInput, match="template_type"):
        registry.template("OS::Heat::None", "xml")


def test_entry_point_class(registry: ResourceRegistry) -> None:
    added = registry.load_entry_points([FakeEntryPoint("Acme::Widget", Widget)])
    assert added == ["Acme::Widget"]
    assert registry.get_plugin("Acme::Widget") is Widget


def test_entry_point_renames_class(registry: ResourceRegistry) -> None:
    registry.load_entry_points([FakeEntryPoint("Other::Name", Widget)])
    plugin = registry.get_plugin("Other::Name")
    assert issubclass(plugin, Widget) and plugin.type_name == "Other::Name"
    assert registry.schema("Other::Name")["resource_type"] == "Other::Name"


def test_entry_point_mapping_function(registry: ResourceRegistry) -> None:
    added = registry.load_entry_points(
        [FakeEntryPoint("acme", lambda: {"Acme::Widget": Widget, "Acme::Other": Widget})]
    )
    assert sorted(added) == ["Acme::Other", "Acme::Widget"]


@pytest.mark.parametrize(
    "target",
    [
        ImportError("no module acme"),
        int,
        "not a plugin",
        lambda: {"Acme::X": int},
        lambda: 5,
        RuntimeError("boom"),
    ],
)
def test_broken_entry_points_are_skipped(
    registry: ResourceRegistry, target: Any, caplog: pytest.LogCaptureFixture
) -> None:
    added = registry.load_entry_points(
        [FakeEntryPoint("Acme::Bad", target), FakeEntryPoint("Acme::Widget", Widget)]
    )
    assert added == ["Acme::Widget"]
    assert "Acme::Bad" not in registry
    assert "failed to load" in caplog.text


def test_entry_point_cannot_replace_builtin(
    registry: ResourceRegistry, caplog: pytest.LogCaptureFixture
) -> None:
    assert registry.load_entry_points([FakeEntryPoint("OS::Heat::None", Widget)]) == []
    assert registry.get_plugin("OS::Heat::None") is not Widget
    assert "may not replace built-in" in caplog.text


def test_installed_entry_points_load_without_error() -> None:
    # The real group (empty in this project) goes through importlib.metadata.
    assert isinstance(new_registry(load_plugins=False).load_entry_points(), list)


def test_register_rejects_non_plugins(registry: ResourceRegistry) -> None:
    with pytest.raises(TypeError):
        registry.register(int)  # type: ignore[arg-type]

    class Nameless(Resource):
        pass

    with pytest.raises(TypeError):
        registry.register(Nameless)


def test_hidden_type_schema_and_template_are_not_supported_as_heat(registry: ResourceRegistry) -> None:
    registry.register(Secret)
    with pytest.raises(NotSupported, match=r"^Acme::Secret is not supported\.$"):
        registry.schema("Acme::Secret")
    with pytest.raises(NotSupported):
        registry.template("Acme::Secret", "cfn")


def test_schema_has_the_description_only_when_asked(registry: ResourceRegistry) -> None:
    registry.register(Widget)
    assert "description" not in registry.schema("Acme::Widget", with_description=False)
    assert registry.schema("Acme::Widget", with_description=True)["description"] == "A widget."
