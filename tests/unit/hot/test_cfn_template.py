"""CloudFormation-format templates: sections, parameters, functions and errors, read as HOT."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.engine import hot
from services.engine.resources import default_registry
from shared.exceptions import InvalidTemplate, InvalidTemplateVersion, StackValidationFailed

from .helpers import FakeResolver

CFN: dict[str, Any] = {
    "AWSTemplateFormatVersion": "2010-09-09",
    "Description": "a CFN template",
    "Parameters": {
        "Size": {"Type": "Number", "Default": "2", "MinValue": "1", "MaxValue": "5"},
        "Names": {"Type": "CommaDelimitedList", "Default": "a,b"},
        "Env": {"Type": "String", "Default": "prod", "AllowedValues": ["prod", "dev"], "NoEcho": "true"},
    },
    "Mappings": {"Sizes": {"prod": {"word": "big"}, "dev": {"word": "small"}}},
    "Conditions": {
        "IsProd": {"Fn::Equals": [{"Ref": "Env"}, "prod"]},
        "NotProd": {"Fn::Not": [{"Condition": "IsProd"}]},
        "Both": {
            "Fn::And": [
                {"Condition": "IsProd"},
                {"Fn::Or": [{"Condition": "IsProd"}, {"Condition": "NotProd"}]},
            ]
        },
    },
    "Resources": {
        "word": {
            "Type": "OS::Heat::Value",
            "Properties": {"value": {"Fn::FindInMap": ["Sizes", {"Ref": "Env"}, "word"]}},
        },
        "joined": {
            "Type": "OS::Heat::Value",
            "DependsOn": "word",
            "Metadata": {"m": {"Ref": "AWS::Region"}},
            "Properties": {
                "value": {
                    "Fn::Join": [
                        "-",
                        [{"Ref": "AWS::StackName"}, {"Fn::GetAtt": ["word", "value"]}, {"Ref": "word"}],
                    ]
                }
            },
        },
        "only_dev": {"Type": "OS::Heat::None", "Condition": "NotProd"},
    },
    "Outputs": {
        "picked": {"Value": {"Fn::If": ["IsProd", {"Fn::Select": ["1", {"Ref": "Names"}]}, "none"]}},
        "split": {"Value": {"Fn::Split": [",", "x,y"]}},
        "zones": {"Value": {"Fn::GetAZs": ""}},
        "stack_id": {"Value": {"Ref": "AWS::StackId"}, "Condition": "Both"},
    },
}


def load(doc: Any, params: dict[str, Any] | None = None) -> hot.StackDefinition:
    return hot.load_stack_definition(doc, None, None, params, stack_name="cfn", registry=default_registry())


def test_a_cfn_template_means_what_heat_reads_in_it() -> None:
    defn = load(CFN)
    assert set(defn.resources) == {"word", "joined"}  # only_dev's condition is false
    resolver = FakeResolver(defn.parameters, defn.files, {"word": {"value": "big"}})
    assert defn.resources["word"].resolved_properties(resolver) == {"value": "big"}
    assert defn.resources["joined"].resolved_properties(resolver) == {"value": "cfn-big-ref-word"}
    assert defn.resources["joined"].resolved_metadata(resolver) == {"m": "ap-southeast-1"}
    assert defn.dependencies.requires("joined") >= {"word"}
    outputs = {o["output_key"]: o["output_value"] for o in defn.output_values(resolver)}
    assert outputs["picked"] == "b" and outputs["split"] == ["x", "y"] and outputs["zones"] == ["nova"]
    assert outputs["stack_id"].startswith("arn:openstack:heat::") and "/cfn/" in outputs["stack_id"]
    assert defn.parameters.as_strings()["Env"] == "******"


def test_cfn_parameters_keep_their_constraints() -> None:
    with pytest.raises(StackValidationFailed, match="Size"):
        load(CFN, {"Size": "9"})
    with pytest.raises(StackValidationFailed, match="Env"):
        load(CFN, {"Env": "test"})
    assert set(load(CFN, {"Env": "dev"}).resources) == {"word", "joined", "only_dev"}


@pytest.mark.parametrize(
    ("change", "error", "match"),
    [
        ({"AWSTemplateFormatVersion": "2011-01-01"}, InvalidTemplateVersion, "should be 2010-09-09"),
        ({"Bogus": {}}, InvalidTemplate, "The template section is invalid: Bogus"),
        (
            {"Parameters": {"p": {"Type": "Integer"}}},
            StackValidationFailed,
            r"Parameters\.p\.Type: Invalid type",
        ),
        (
            {"Parameters": {"p": {"Type": "String", "Colour": 1}}},
            StackValidationFailed,
            'Invalid key "Colour"',
        ),
        (
            {"Resources": {"r": {"Type": "OS::Heat::None", "Propertys": {}}}},
            StackValidationFailed,
            "Resources.r",
        ),
        (
            {
                "Resources": {
                    "r": {
                        "Type": "OS::Heat::Value",
                        "Properties": {"value": {"Fn::FindInMap": ["Nope", "a", "b"]}},
                    }
                }
            },
            StackValidationFailed,
            r'Resources\.r\.Properties\.value\.Fn::FindInMap: the mapping "Nope" is not defined',
        ),
    ],
)
def test_mistakes_name_where_they_are(change: dict[str, Any], error: type[Exception], match: str) -> None:
    with pytest.raises(error, match=match):
        load({**CFN, **change})


def test_the_heat_format_has_no_conditions_and_validates() -> None:
    heat_format = {
        "HeatTemplateFormatVersion": "2012-12-12",
        "Parameters": {"Word": {"Type": "String", "Default": "hi"}},
        "Resources": {
            "v": {"Type": "OS::Heat::Value", "Properties": {"value": {"Fn::Base64": {"Ref": "Word"}}}}
        },
        "Outputs": {"out": {"Value": {"Fn::GetAtt": ["v", "value"]}}},
    }
    result = hot.validate_template(heat_format, registry=default_registry())
    assert set(result["Parameters"]) == {"Word"}
    with pytest.raises(InvalidTemplate, match="The template section is invalid: Conditions"):
        load({**heat_format, "Conditions": {}})


@given(
    st.recursive(
        st.one_of(st.text(max_size=5), st.integers()),
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
        max_leaves=10,
    )
)
def test_any_property_value_translates_or_fails_cleanly(value: Any) -> None:
    doc = {
        **CFN,
        "Resources": {"r": {"Type": "OS::Heat::Value", "Properties": {"value": value}}},
        "Outputs": {},
    }
    try:
        load(doc)
    except (InvalidTemplate, StackValidationFailed):
        pass


def test_a_cfn_template_may_use_a_provider_template() -> None:
    child = "heat_template_version: 2021-04-16\nparameters:\n  size: {type: number}\noutputs:\n  out: {value: 1}\n"
    doc = {
        "HeatTemplateFormatVersion": "2012-12-12",
        "Resources": {"thing": {"Type": "My::Thing", "Properties": {"size": 3}}},
        "Outputs": {"o": {"Value": {"Fn::GetAtt": ["thing", "out"]}}},
    }
    env = {"resource_registry": {"My::Thing": "thing.yaml"}}
    defn = hot.load_stack_definition(doc, env, {"thing.yaml": child}, None, registry=default_registry())
    assert defn.resolve_type("thing").template_name == "thing.yaml"
    with pytest.raises(StackValidationFailed, match="unknown property"):
        bad = {**doc, "Resources": {"thing": {"Type": "My::Thing", "Properties": {"sise": 3}}}}
        hot.load_stack_definition(bad, env, {"thing.yaml": child}, None, registry=default_registry())
