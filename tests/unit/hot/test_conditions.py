"""Conditions: evaluation, references between conditions, and what they disable."""

from __future__ import annotations

import re
from typing import Any

import pytest

from shared.exceptions import InvalidTemplate, StackValidationFailed

from .helpers import FakeResolver, load, template, value_resource

PARAMS = {
    "env": {"type": "string", "default": "test"},
    "zone": {"type": "string", "default": ""},
    "flag": {"type": "boolean", "default": False},
    "zones": {"type": "comma_delimited_list", "default": "a,b"},
}


def conditions_of(
    conditions: dict[str, Any], params: dict[str, Any] | None = None, **kw: Any
) -> dict[str, Any]:
    return load(template({}, parameters=PARAMS, conditions=conditions, **kw), params).conditions


@pytest.mark.parametrize(
    ("definition", "params", "expected"),
    [
        ({"equals": [{"get_param": "env"}, "prod"]}, {}, False),
        ({"equals": [{"get_param": "env"}, "prod"]}, {"env": "prod"}, True),
        ({"not": {"equals": [{"get_param": "zone"}, ""]}}, {}, False),
        ({"not": True}, {}, False),
        ({"and": [True, {"get_param": "flag"}]}, {"flag": "yes"}, True),
        ({"and": [True, {"get_param": "flag"}]}, {}, False),
        ({"or": [False, {"equals": [1, 1]}]}, {}, True),
        ({"or": [False, False, False]}, {}, False),
        ({"get_param": "flag"}, {"flag": "true"}, True),
        (True, {}, True),
        ({"contains": ["b", {"get_param": "zones"}]}, {}, True),
    ],
)
def test_condition_functions(definition: Any, params: dict[str, Any], expected: bool) -> None:
    assert conditions_of({"c": definition}, params) == {"c": expected}


def test_conditions_refer_to_each_other_by_name() -> None:
    result = conditions_of(
        {
            "prod": {"equals": [{"get_param": "env"}, "prod"]},
            "test": {"not": "prod"},
            "both": {"and": ["prod", "test"]},
            "either": {"or": ["prod", "test"]},
            "alias": "either",
        }
    )
    assert result == {"prod": False, "test": True, "both": False, "either": True, "alias": True}


@pytest.mark.parametrize(
    ("conditions", "message"),
    [
        ({"a": {"not": "a"}}, "conditions.a: circular reference: a -> a"),
        ({"a": {"not": "b"}, "b": {"not": "a"}}, "circular reference: a -> b -> a"),
        ({"a": {"not": "nope"}}, 'the condition "nope" is not defined'),
        ({"a": {"get_param": "env"}}, "conditions.a: the condition evaluates to 'test', not a boolean"),
        ({"a": {"str_replace": {"template": "", "params": {}}}}, 'the function "str_replace" cannot be used'),
        ({"a": {"get_resource": "r"}}, 'the function "get_resource" cannot be used in a condition'),
        ({"a": {"get_param": "nope"}}, 'the parameter "nope" is not declared'),
        ({"a": [True]}, "a condition must be a condition name, a boolean or a condition function"),
        ({"a": 5}, "a condition must be"),
    ],
)
def test_condition_errors(conditions: dict[str, Any], message: str) -> None:
    with pytest.raises(StackValidationFailed) as err:
        conditions_of(conditions)
    assert message in str(err.value)


@pytest.mark.parametrize(
    ("version", "function", "ok"),
    [("2016-10-14", "contains", False), ("2017-09-01", "contains", True)],
)
def test_condition_functions_follow_the_version(version: str, function: str, ok: bool) -> None:
    doc = template({}, version=version, conditions={"c": {function: ["a", ["a"]]}})
    if ok:
        assert load(doc).conditions == {"c": True}
    else:
        with pytest.raises(StackValidationFailed, match=f'"{function}" cannot be used in a condition'):
            load(doc)


def test_conditions_need_newton() -> None:
    with pytest.raises(InvalidTemplate, match="section is invalid: conditions"):
        load(template({}, version="2016-04-08", conditions={}))


RESOURCES = {
    "always": value_resource("a"),
    "prod_only": {"type": "OS::Heat::None", "condition": "prod"},
    "test_only": {"type": "OS::Heat::None", "condition": {"not": "prod"}},
    "never": {"type": "OS::Heat::None", "condition": False},
}
CONDITIONS = {"prod": {"equals": [{"get_param": "env"}, "prod"]}}


@pytest.mark.parametrize(
    ("env", "enabled", "disabled"),
    [
        ("test", ["always", "test_only"], {"prod_only", "never"}),
        ("prod", ["always", "prod_only"], {"test_only", "never"}),
    ],
)
def test_resource_conditions(env: str, enabled: list[str], disabled: set[str]) -> None:
    defn = load(template(RESOURCES, parameters=PARAMS, conditions=CONDITIONS), {"env": env})
    assert list(defn.resources) == enabled
    assert defn.disabled == disabled
    assert defn.dependencies.nodes == enabled


def test_resource_condition_must_be_defined() -> None:
    doc = template({"r": {"type": "OS::Heat::None", "condition": "nope"}}, conditions={})
    with pytest.raises(
        StackValidationFailed, match=re.escape('resources.r.condition: the condition "nope" is not defined')
    ):
        load(doc)


@pytest.mark.parametrize(
    ("snippet", "where"),
    [
        ({"get_resource": "never"}, "resources.user.properties.value.get_resource"),
        ({"get_attr": ["never", "x"]}, "resources.user.properties.value.get_attr"),
    ],
)
def test_references_to_disabled_resources_are_errors(snippet: Any, where: str) -> None:
    doc = template({"never": {"type": "OS::Heat::None", "condition": False}, "user": value_resource(snippet)})
    with pytest.raises(StackValidationFailed) as err:
        load(doc)
    assert str(err.value) == f'{where}: the resource "never" is not created because its condition is false'


def test_depends_on_a_disabled_resource_is_an_error() -> None:
    doc = template(
        {
            "never": {"type": "OS::Heat::None", "condition": False},
            "user": {"type": "T", "depends_on": "never"},
        }
    )
    with pytest.raises(
        StackValidationFailed,
        match=re.escape('resources.user.depends_on: the resource "never" is not created'),
    ):
        load(doc)


def test_outputs_referring_to_disabled_resources_are_errors() -> None:
    doc = template(
        {"never": {"type": "OS::Heat::None", "condition": False}},
        outputs={"o": {"value": {"get_resource": "never"}}},
    )
    with pytest.raises(
        StackValidationFailed, match=re.escape('outputs.o.value.get_resource: the resource "never"')
    ):
        load(doc)


def test_untaken_if_branches_may_refer_to_disabled_resources() -> None:
    doc = template(
        {
            "never": {"type": "OS::Heat::None", "condition": "off"},
            "user": value_resource({"if": ["off", {"get_resource": "never"}, "none"]}),
        },
        conditions={"off": False},
        outputs={"o": {"value": {"if": ["off", {"get_attr": ["never", "x"]}, "fallback"]}}},
    )
    defn = load(doc)
    assert defn.resources["user"].dependencies() == frozenset()
    resolver = FakeResolver(defn.parameters)
    assert defn.resources["user"].resolved_properties(resolver) == {"value": "none"}
    assert defn.output_values(resolver)[0]["output_value"] == "fallback"


def test_the_taken_if_branch_makes_a_dependency() -> None:
    doc = template(
        {
            "dep": {"type": "OS::Heat::None"},
            "user": value_resource({"if": ["on", {"get_resource": "dep"}, None]}),
        },
        conditions={"on": True},
    )
    assert load(doc).resources["user"].dependencies() == {"dep"}


def test_an_output_with_a_false_condition_has_a_null_value() -> None:
    doc = template(
        {}, conditions={"off": False}, outputs={"o": {"value": "v", "condition": "off", "description": "d"}}
    )
    defn = load(doc)
    assert defn.output_values(FakeResolver(defn.parameters)) == [
        {"output_key": "o", "output_value": None, "description": "d"}
    ]


def test_an_inline_condition_on_a_resource() -> None:
    doc = template(
        {"r": {"type": "OS::Heat::None", "condition": {"equals": [{"get_param": "env"}, "test"]}}},
        parameters=PARAMS,
    )
    assert list(load(doc).resources) == ["r"]


def test_conditions_with_unknown_parameter_values_keep_resources_for_validation() -> None:
    doc = template(
        {"r": {"type": "OS::Heat::None", "condition": "c"}},
        parameters={"p": {"type": "string"}},
        conditions={"c": {"equals": [{"get_param": "p"}, "x"]}},
    )
    defn = load(doc, require_values=False)
    assert defn.conditions == {"c": None}
    assert list(defn.resources) == ["r"]
