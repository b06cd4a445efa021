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
