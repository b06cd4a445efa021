"""The example templates in examples/: all valid, and they compute what they say."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from services.engine import hot
from services.engine.resources import default_registry

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"
PROVIDER_ENV = "provider_template_env.yaml"
NESTED = "provider_template_nested.yaml"
STANDALONE = sorted(p.name for p in EXAMPLES.glob("*.yaml") if p.name not in (PROVIDER_ENV, NESTED))


def load_example(name: str, params: dict[str, Any] | None = None) -> hot.StackDefinition:
    env = (EXAMPLES / PROVIDER_ENV).read_text() if name.startswith("provider_template") else None
    files = {NESTED: (EXAMPLES / NESTED).read_text()}
    return hot.load_stack_definition(
        (EXAMPLES / name).read_text(), env, files, params, stack_name="example", registry=default_registry()
    )


class MiniEngine(hot.StackResolver):
    """Creates resources in order, Value-like: attribute ``value``/``output`` is the ``value`` property."""

    def __init__(self, defn: hot.StackDefinition) -> None:
        super().__init__(defn.parameters, defn.files)
        self.attributes: dict[str, dict[str, Any]] = {}
        for name in defn.dependencies.creation_order():
            props = defn.resources[name].resolved_properties(self)
            value = props.get("value", f"random-{name}")
            self.attributes[name] = {"value": value, "output": value, "show": props}

    def get_resource_reference(self, name: str) -> Any:
        return f"ref-{name}"

    def get_resource_attribute(self, name: str, attribute: str | None, path: Sequence[Any]) -> Any:
        attrs = self.attributes[name]
        return hot.select_path(attrs if attribute is None else attrs[attribute], path, "get_attr")


@pytest.mark.parametrize("name", STANDALONE)
def test_examples_are_valid(name: str) -> None:
    defn = load_example(name)
    assert defn.resources
    if not name.startswith("provider"):
        result = hot.validate_template((EXAMPLES / name).read_text(), registry=default_registry())
        assert set(result["Parameters"]) == set(defn.parameters.schemas)


def test_nested_example_is_valid_with_its_parameter() -> None:
    hot.load_stack_definition((EXAMPLES / NESTED).read_text(), params={"server_name": "x"})


def test_parameters_example() -> None:
    defn = load_example("parameters.yaml")
    outputs = {o["output_key"]: o["output_value"] for o in defn.output_values(MiniEngine(defn))}
    assert outputs["summary"] == {
        "flavor": "m1.small",
        "instances": 2,
        "first_port": "80",
        "log_level": "info",
        "debug": False,
    }
    assert outputs["stack_name"] == "example"
    assert defn.parameters.as_strings()["admin_password"] == "******"


def test_functions_example() -> None:
    defn = load_example("functions.yaml")
    outputs = {o["output_key"]: o["output_value"] for o in defn.output_values(MiniEngine(defn))}
    assert outputs["replaced"] == "Hello world from north"
    assert outputs["digest"] == hashlib.sha256(b"alpha-beta-gamma-delta").hexdigest()
    assert outputs["repeated"][:3] == ["alpha:80", "alpha:443", "beta:80"]
    assert len(outputs["repeated"]) == 6
    assert outputs["merged"] == {"region": "north", "zone": "b", "extra": True}
    assert outputs["renamed"] == {"area": "south", "zone": "a"}
    assert outputs["concatenated"] == ["alpha", "beta", "gamma", "omega"]
    assert outputs["all_of_replaced"]["value"] == "Hello world from north"


@pytest.mark.parametrize(
    ("env_type", "enabled", "chosen", "prod_output"),
    [
        ("test", ["always", "test_only"], "ref-test_only", None),
        ("prod", ["always", "prod_only"], "ref-prod_only", "ref-always"),
    ],
)
def test_conditions_example(env_type: str, enabled: list[str], chosen: str, prod_output: Any) -> None:
    defn = load_example("conditions.yaml", {"env_type": env_type})
    assert list(defn.resources) == enabled
    outputs = {o["output_key"]: o["output_value"] for o in defn.output_values(MiniEngine(defn))}
    assert outputs["chosen"] == chosen
    assert outputs["prod_output"] == prod_output
    assert outputs["mode"] == ("production" if env_type == "prod" else "testing")


def test_outputs_example() -> None:
    defn = load_example("outputs.yaml")
    outputs = {o["output_key"]: o for o in defn.output_values(MiniEngine(defn))}
    assert outputs["first_ip"]["output_value"] == "10.0.0.10"
    assert outputs["combined"]["output_value"] == "http://10.0.0.11/?t=random-token"


def test_parallel_example_levels() -> None:
    defn = load_example("test_resource_parallel.yaml")
    assert defn.dependencies.creation_levels() == [["first", "second", "third"], ["last"]]


def test_failing_example_outputs_do_not_raise() -> None:
    defn = load_example("test_resource_failing.yaml")

    class Failed(MiniEngine):
        def get_resource_attribute(self, name: str, attribute: str | None, path: Sequence[Any]) -> Any:
            if name == "broken":
                from shared.exceptions import ResourceFailure

                raise ResourceFailure(exc_type="ResourceInError", reason="Test Resource failed")
            return super().get_resource_attribute(name, attribute, path)

    outputs = {o["output_key"]: o for o in defn.output_values(Failed(defn))}
    assert outputs["fine"]["output_value"] == "ok"
    assert outputs["broken"]["output_error"] == "ResourceInError: Test Resource failed"


def test_provider_example_resolves_to_the_nested_template() -> None:
    defn = load_example("provider_template.yaml")
    resolved = defn.resolve_type("server_a")
    assert resolved.template_name == NESTED
    assert resolved.template == (EXAMPLES / NESTED).read_text()


def test_resource_group_example() -> None:
    defn = load_example("resource_group.yaml", {"count": 2})
    props = defn.resources["group"].resolved_properties(defn.parameter_resolver())
    assert props == {
        "count": 2,
        "resource_def": {"type": "OS::Heat::Value", "properties": {"value": "member-%index%"}},
    }
