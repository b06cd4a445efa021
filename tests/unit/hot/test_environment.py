"""The environment: sections, merging, and the resource registry."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from services.engine import hot
from shared.exceptions import InvalidTemplate, StackValidationFailed

NESTED = "heat_template_version: 2016-10-14\nresources: {}\n"


def test_yaml_text_loads() -> None:
    env = hot.Environment.load("parameters:\n  a: 1\nparameter_defaults:\n  b: x\n")
    assert env.parameters == {"a": 1}
    assert env.parameter_defaults == {"b": "x"}


@pytest.mark.parametrize("data", [None, {}, ""])
def test_empty_environments(data: Any) -> None:
    if data == "":
        with pytest.raises(InvalidTemplate):
            hot.Environment.load(data)
    else:
        assert hot.Environment.load(data).to_dict()["parameters"] == {}


def test_unknown_sections_are_errors() -> None:
    with pytest.raises(InvalidTemplate, match='environment: unknown section "paramaters"'):
        hot.Environment.load({"paramaters": {}})


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"parameters": []}, "environment.parameters: must be a map"),
        ({"resource_registry": {"A": 1}}, "environment.resource_registry.A: must be a type name"),
        ({"resource_registry": {"resources": []}}, "resources: must be a map"),
        ({"resource_registry": {"resources": {"r": "x"}}}, "resources.r: must be a map"),
        ({"encrypted_param_names": "a"}, "encrypted_param_names: must be a list"),
        ({"parameter_merge_strategies": {"a": "append"}}, 'unknown strategy "append"'),
    ],
)
def test_bad_sections(data: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidTemplate) as err:
        hot.Environment.load(data)
    assert message in str(err.value)


def test_event_sinks_are_ignored_with_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        env = hot.Environment.load({"event_sinks": [{"type": "zaqar-queue", "target": "q"}]})
    assert env.to_dict()["event_sinks"] == []
    assert "event_sinks" in caplog.text


def test_encrypted_param_names_are_accepted() -> None:
    assert hot.Environment.load({"encrypted_param_names": ["a"]}).encrypted_param_names == ["a"]


def test_merge_in_order_later_wins() -> None:
    env = hot.Environment.merge(
        [
            {"parameters": {"a": 1, "b": 1}, "resource_registry": {"X": "OS::Heat::None"}},
            "parameters:\n  b: 2\nresource_registry:\n  Y: OS::Heat::Value\n",
            None,
            hot.Environment.load(
                {"parameter_defaults": {"c": 3}, "resource_registry": {"X": "OS::Heat::Value"}}
            ),
        ]
    )
    assert env.parameters == {"a": 1, "b": 2}
    assert env.parameter_defaults == {"c": 3}
    assert env.resource_registry == {"X": "OS::Heat::Value", "Y": "OS::Heat::Value"}


@pytest.mark.parametrize(
    ("strategy", "first", "second", "merged"),
    [
        ("overwrite", [1], [2], [2]),
        ("merge", [1], [2], [1, 2]),
        ("merge", {"a": 1}, {"b": 2}, {"a": 1, "b": 2}),
        ("merge", "a", "b", "a,b"),
        ("deep_merge", {"a": {"x": 1}}, {"a": {"y": 2}}, {"a": {"x": 1, "y": 2}}),
    ],
)
def test_parameter_merge_strategies(strategy: str, first: Any, second: Any, merged: Any) -> None:
    env = hot.Environment.merge(
        [
            {"parameter_defaults": {"p": first}, "parameter_merge_strategies": {"p": strategy}},
            {"parameter_defaults": {"p": second}},
        ]
    )
    assert env.parameter_defaults["p"] == merged


def test_per_resource_registry_entries_merge() -> None:
    env = hot.Environment.merge(
        [
            {"resource_registry": {"resources": {"web": {"My::T": "OS::Heat::None"}}}},
            {"resource_registry": {"resources": {"web": {"hooks": "pre-create"}}}},
        ]
    )
    assert env.resource_registry["resources"]["web"] == {"My::T": "OS::Heat::None", "hooks": "pre-create"}


@pytest.mark.parametrize(
    ("registry", "type_name", "resource", "plugin"),
    [
        ({}, "OS::Heat::None", None, "OS::Heat::None"),
        ({"My::Thing": "OS::Heat::None"}, "My::Thing", None, "OS::Heat::None"),
        ({"A": "B", "B": "OS::Heat::Value"}, "A", None, "OS::Heat::Value"),
        ({"OS::Heat::None": "OS::Heat::None"}, "OS::Heat::None", None, "OS::Heat::None"),
        ({"My::*": "OS::Heat::*"}, "My::Value", None, "OS::Heat::Value"),
        ({"My::*": "OS::Heat::None"}, "My::Anything", None, "OS::Heat::None"),
        (
            {"resources": {"web": {"My::T": "OS::Heat::Value"}}, "My::T": "OS::Heat::None"},
            "My::T",
            "web",
            "OS::Heat::Value",
        ),
        (
            {"resources": {"web": {"My::T": "OS::Heat::Value"}}, "My::T": "OS::Heat::None"},
            "My::T",
            "db",
            "OS::Heat::None",
        ),
    ],
)
def test_aliases(registry: dict[str, Any], type_name: str, resource: str | None, plugin: str) -> None:
    env = hot.Environment.load({"resource_registry": registry})
    resolved = env.resolve_type(type_name, {}, resource)
    assert resolved.plugin_type == plugin
    assert not resolved.is_provider_template


def test_provider_templates_come_from_files() -> None:
    env = hot.Environment.load({"resource_registry": {"My::Server": "server.yaml"}})
    resolved = env.resolve_type("My::Server", {"server.yaml": NESTED}, "web")
    assert resolved == hot.ResolvedType("My::Server", None, "server.yaml", NESTED)
    assert resolved.is_provider_template


def test_a_type_may_name_a_template_directly() -> None:
    resolved = hot.Environment().resolve_type("server.yaml", {"server.yaml": NESTED})
    assert resolved.template_name == "server.yaml"


@pytest.mark.parametrize(
    ("registry", "message"),
    [
        ({"My::Server": "missing.yaml"}, 'the template "missing.yaml" for type "My::Server" is not in files'),
        ({"My::Server": "A", "A": "My::Server"}, "loops: My::Server -> A -> My::Server"),
        ({"My::Server": None}, "is disabled by the environment"),
    ],
)
def test_registry_errors_name_the_resource(registry: dict[str, Any], message: str) -> None:
    env = hot.Environment.load({"resource_registry": registry})
    with pytest.raises(StackValidationFailed) as err:
        env.resolve_type("My::Server", {}, "web")
    assert str(err.value).startswith("resources.web: ")
    assert message in str(err.value)


def test_to_dict_round_trips() -> None:
    data = {"parameters": {"a": 1}, "resource_registry": {"X": "OS::Heat::None"}}
    env = hot.Environment.load(data)
    again = hot.Environment.load(env.to_dict())
    assert again.to_dict() == env.to_dict()


def test_environment_files_merge_after_the_environment() -> None:
    from .helpers import load, template

    doc = template(parameters={"a": {"type": "string"}, "b": {"type": "string", "default": "t"}})
    files = {"one.yaml": "parameters: {a: one}\n", "two.yaml": "parameter_defaults: {b: two}\n"}
    defn = load(
        doc, environment={"parameters": {"a": "env"}}, files=files, environment_files=["one.yaml", "two.yaml"]
    )
    assert defn.parameters.get("a") == "one"
    assert defn.parameters.get("b") == "two"
    with pytest.raises(InvalidTemplate, match=r'environment file "three[.]yaml" is not in files'):
        load(doc, files=files, environment_files=["three.yaml"])


def test_numbers_merge_by_adding() -> None:
    env = hot.Environment.merge(
        [
            {"parameter_defaults": {"n": 1}, "parameter_merge_strategies": {"default": "merge"}},
            {"parameter_defaults": {"n": 2}},
        ]
    )
    assert env.parameter_defaults["n"] == 3


def test_too_many_aliases() -> None:
    registry = {f"T{i}": f"T{i + 1}" for i in range(30)}
    with pytest.raises(StackValidationFailed, match='the type "T0" has too many aliases'):
        hot.Environment.load({"resource_registry": registry}).resolve_type("T0", {})


def test_child_environment_inherits_parameter_defaults_and_drops_its_own_mapping() -> None:
    parent = hot.Environment.load(
        {
            "parameters": {"p": 1},
            "parameter_defaults": {"flavor": "small"},
            "resource_registry": {"OS::Heat::Value": "wrap.yaml", "My::Other": "other.yaml"},
        }
    )
    child = parent.child(
        {"value": "v"}, resource_name="w", mapped_type="OS::Heat::Value", template_name="wrap.yaml"
    )
    assert child["parameters"] == {"value": "v"}  # the parent's own parameters are not the child's
    assert child["parameter_defaults"] == {"flavor": "small"}
    # Inside wrap.yaml, OS::Heat::Value is the built-in plugin again; other mappings still apply.
    assert child["resource_registry"] == {"My::Other": "other.yaml"}
    env = hot.Environment.load(child)
    assert env.resolve_type("OS::Heat::Value", {}).plugin_type == "OS::Heat::Value"


def test_child_environment_takes_the_resources_entry_one_level_down() -> None:
    parent = hot.Environment.load(
        {
            "resource_registry": {
                "resources": {
                    "group": {"My::T": "t.yaml", "inner": {"My::T": "OS::Heat::None"}},
                    "gr*": {"other_inner": {"hooks": "pre-create"}},
                    "unrelated": {"x": {"My::T": "OS::Heat::None"}},
                },
            }
        }
    )
    child = parent.child({}, resource_name="group", mapped_type="My::T", template_name="t.yaml")
    assert child["resource_registry"] == {
        "resources": {"inner": {"My::T": "OS::Heat::None"}, "other_inner": {"hooks": "pre-create"}}
    }


def test_child_environment_keeps_a_mapping_to_another_template() -> None:
    parent = hot.Environment.load({"resource_registry": {"My::T": "t.yaml"}})
    child = parent.child({}, resource_name="r", mapped_type="My::T", template_name="other.yaml")
    assert child["resource_registry"] == {"My::T": "t.yaml"}
