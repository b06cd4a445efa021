"""Outputs resolve lazily and never fail the stack."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from services.engine import hot
from shared.exceptions import ResourceFailure

from .helpers import FakeResolver, load, template, value_resource

DOC = template(
    {"ok": value_resource("v"), "bad": value_resource("w")},
    outputs={
        "good": {"value": {"get_attr": ["ok", "value"]}, "description": "fine"},
        "missing_attr": {"value": {"get_attr": ["ok", "nope"]}},
        "broken_function": {"value": {"str_split": [",", {"get_attr": ["ok", "number"]}]}},
        "failing_resolver": {"value": {"get_attr": ["bad", "value"]}},
        "path": {"value": {"get_attr": ["ok", "value", "k"]}},
        "literal": {"value": [1, {"get_resource": "ok"}]},
    },
)


class Exploding(FakeResolver):
    def get_resource_attribute(self, name: str, attribute: str | None, path: Sequence[Any]) -> Any:
        if name == "bad":
            raise RuntimeError("engine bug")
        return super().get_resource_attribute(name, attribute, path)


def test_outputs_report_errors_instead_of_raising() -> None:
    defn = load(DOC)
    resolver = Exploding(defn.parameters, attributes={"ok": {"value": "v", "number": 5}})
    outputs = {o["output_key"]: o for o in defn.output_values(resolver)}
    assert outputs["good"] == {"output_key": "good", "output_value": "v", "description": "fine"}
    assert outputs["missing_attr"]["output_value"] is None
    assert outputs["missing_attr"]["output_error"] == "The Referenced Attribute (ok nope) is incorrect."
    assert outputs["broken_function"]["output_error"] == (
        "outputs.broken_function.value.str_split: the value to split must be a string"
    )
    assert outputs["failing_resolver"]["output_error"] == "RuntimeError: engine bug"
    assert outputs["path"]["output_error"] == 'get_attr: cannot look up "k" in a non-collection value'
    assert outputs["literal"]["output_value"] == [1, "ref-ok"]
    assert outputs["missing_attr"]["description"] == "No description given"


def test_a_resource_failure_becomes_the_output_error() -> None:
    class Failing(FakeResolver):
        def get_resource_attribute(self, name: str, attribute: str | None, path: Sequence[Any]) -> Any:
            raise ResourceFailure(exc_type="Error", reason="it broke")

    defn = load(
        template({"r": {"type": "OS::Heat::None"}}, outputs={"o": {"value": {"get_attr": ["r", "x"]}}})
    )
    [out] = defn.output_values(Failing(defn.parameters))
    assert out == {
        "output_key": "o",
        "output_value": None,
        "description": "No description given",
        "output_error": "Error: it broke",
    }


def test_unresolved_values_become_null() -> None:
    defn = load(
        template({"r": {"type": "OS::Heat::None"}}, outputs={"o": {"value": {"a": {"get_resource": "r"}}}})
    )
    resolver = hot.ValidationResolver(defn.parameters)
    assert defn.output_values(resolver)[0]["output_value"] == {"a": None}


def test_outputs_are_resolved_only_when_asked() -> None:
    calls: list[str] = []

    class Counting(FakeResolver):
        def get_resource_reference(self, name: str) -> Any:
            calls.append(name)
            return name

    defn = load(template({"r": {"type": "OS::Heat::None"}}, outputs={"o": {"value": {"get_resource": "r"}}}))
    assert calls == []
    resolver = Counting(defn.parameters)
    assert hot.resolve_output(defn.outputs["o"], resolver)["output_value"] == "r"
    assert calls == ["r"]


def test_condition_functions_may_be_used_in_outputs() -> None:
    """HOT 2016-10-14+: inline conditions on outputs, `if` on values, and `equals` as data (as Heat)."""
    doc = template(
        version="2016-10-14",
        parameters={"env": {"type": "string", "default": "prod"}},
        outputs={
            "shown": {"value": 1, "condition": {"equals": [{"get_param": "env"}, "prod"]}},
            "hidden": {"value": 2, "condition": {"not": {"equals": [{"get_param": "env"}, "prod"]}}},
            "chosen": {"value": {"if": [{"equals": [{"get_param": "env"}, "prod"]}, "big", "small"]}},
            "data": {"value": {"equals": [{"get_param": "env"}, "prod"]}},
        },
    )
    defn = load(doc)
    outputs = {o["output_key"]: o for o in defn.output_values(FakeResolver(defn.parameters))}
    assert outputs["shown"]["output_value"] == 1
    assert outputs["hidden"]["output_value"] is None
    assert outputs["chosen"]["output_value"] == "big"
    # Heat does not evaluate equals outside conditions: the map comes back with its arguments resolved.
    assert outputs["data"]["output_value"] == {"equals": ["prod", "prod"]}
    assert not any("output_error" in o for o in outputs.values())


def test_get_param_path_past_the_end_of_a_list_is_empty_not_an_error() -> None:
    doc = template(
        parameters={"items": {"type": "json", "default": []}, "names": {"type": "comma_delimited_list"}},
        outputs={
            "third": {"value": {"get_param": ["items", 2]}},
            "first_name": {"value": {"get_param": ["names", 0]}},
        },
    )
    defn = load(doc, params={"names": ""})
    outputs = {o["output_key"]: o for o in defn.output_values(FakeResolver(defn.parameters))}
    assert outputs["third"] == {
        "output_key": "third",
        "output_value": "",
        "description": "No description given",
    }
    assert outputs["first_name"]["output_value"] == ""
