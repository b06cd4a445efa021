"""Random and mutated templates: parsing and validation only ever raise EmberError."""

from __future__ import annotations

import copy
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.engine import hot
from services.engine.hot.versions import ALL_FUNCTIONS, CFN_FUNCTIONS, DATED_VERSIONS, RELEASE_NAMES
from services.engine.resources import default_registry
from shared.exceptions import EmberError

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"
SEEDS = [hot.load_document(p.read_text()) for p in sorted(EXAMPLES.glob("*.yaml")) if "env" not in p.name]
FILES = {"provider_template_nested.yaml": (EXAMPLES / "provider_template_nested.yaml").read_text()}
ENV = {
    "resource_registry": {
        "Example::Server": "provider_template_nested.yaml",
        "Example::Nothing": "OS::Heat::None",
    }
}
REGISTRY = default_registry()
NAMES = st.sampled_from(
    [
        "a",
        "web",
        "value",
        "type",
        "properties",
        "get_param",
        "resources",
        "depends_on",
        "condition",
        "template",
        "params",
        "for_each",
        "OS::stack_name",
        "is_prod",
        "first",
        "names",
        "settings",
        "flavor",
        "%index%",
        *sorted(ALL_FUNCTIONS | CFN_FUNCTIONS),
    ]
)
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**6), max_value=10**6),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    NAMES,
)
VALUES = st.recursive(
    SCALARS,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(st.one_of(NAMES, st.text(max_size=6)), children, max_size=4),
        st.builds(lambda k, v: {k: v}, st.sampled_from(sorted(ALL_FUNCTIONS | CFN_FUNCTIONS)), children),
    ),
    max_leaves=25,
)
VERSIONS = st.sampled_from([*DATED_VERSIONS, *RELEASE_NAMES])
# EMBER_FUZZ_EXAMPLES=5000 for a long hunt; the default keeps the unit suite quick.
FUZZ = settings(
    max_examples=int(os.environ.get("EMBER_FUZZ_EXAMPLES", "150")),
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)


class Resolver(hot.StackResolver):
    def get_resource_reference(self, name: str) -> Any:
        return name

    def get_resource_attribute(self, name: str, attribute: str | None, path: Sequence[Any]) -> Any:
        return hot.select_path({"a": [1, {"b": "c"}], "value": "v"}, path, "get_attr")


def exercise(doc: Any, params: Any = None, environment: Any = None) -> None:
    """Load, validate and resolve everything; only EmberError may escape."""
    try:
        defn = hot.load_stack_definition(doc, environment, FILES, params, registry=REGISTRY)
    except EmberError:
        return
    for resolver in (
        hot.ValidationResolver(defn.parameters, defn.files),
        Resolver(defn.parameters, defn.files),
    ):
        for res in defn.resources.values():
            try:
                res.resolved_properties(resolver)
                res.resolved_metadata(resolver)
            except EmberError:
                pass
        for output in defn.output_values(resolver):
            assert set(output) <= {"output_key", "output_value", "output_error", "description"}
    defn.parameters.as_strings()
    defn.dependencies.creation_levels()
    try:
        hot.validate_template(doc, environment, FILES, params, registry=REGISTRY)
    except EmberError:
        pass


@FUZZ
@given(st.text(max_size=300))
def test_random_text(text: str) -> None:
    try:
        hot.load_document(text)
    except EmberError:
        pass


@FUZZ
@given(st.binary(max_size=200))
def test_random_bytes(data: bytes) -> None:
    try:
        hot.load_document(data)
    except EmberError:
        pass


@FUZZ
@given(VALUES)
def test_random_documents(doc: Any) -> None:
    if isinstance(doc, dict):
        exercise(doc)
    else:
        try:
            hot.load_stack_definition(doc)  # type: ignore[arg-type]
        except EmberError:
            pass


@FUZZ
@given(VERSIONS, st.dictionaries(NAMES, VALUES, max_size=4), st.dictionaries(NAMES, VALUES, max_size=4))
def test_random_sections(version: str, resources: dict[str, Any], outputs: dict[str, Any]) -> None:
    exercise({"heat_template_version": version, "resources": resources, "outputs": outputs})


@FUZZ
@given(VERSIONS, st.sampled_from(sorted(ALL_FUNCTIONS | CFN_FUNCTIONS)), VALUES, VALUES)
def test_random_function_calls(version: str, name: str, args: Any, params: Any) -> None:
    doc = {
        "heat_template_version": version,
        "parameters": {
            "names": {"type": "comma_delimited_list", "default": "a,b"},
            "settings": {"type": "json", "default": {"a": [1, 2]}},
            "flavor": {"type": "string", "default": "x"},
        },
        "resources": {
            "first": {"type": "OS::Heat::None"},
            "web": {"type": "OS::Heat::None", "properties": {"x": {name: args}}},
        },
        "outputs": {"o": {"value": {name: args}}},
    }
    if DATED_VERSIONS.index(hot.get_version(version).date) >= DATED_VERSIONS.index("2016-10-14"):
        doc["conditions"] = {"is_prod": {"equals": [{"get_param": "flavor"}, "x"]}}
    exercise(doc, params if isinstance(params, dict) else None)


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(node, dict):
        for key, value in node.items():
            found += _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            found += _paths(value, (*prefix, i))
    return found


def _mutate(doc: Any, path: tuple[Any, ...], action: str, new: Any) -> Any:
    new = copy.deepcopy(new)  # never share (or nest) one object in several places
    if not path:
        return new if action == "replace" else doc
    parent = doc
    for key in path[:-1]:
        parent = parent[key]
    last = path[-1]
    if action == "delete":
        del parent[last]
    elif action == "replace":
        parent[last] = new
    elif action == "wrap" and isinstance(new, str):
        parent[last] = {new: parent[last]}
    elif action == "rename" and isinstance(parent, dict) and isinstance(new, str) and new not in parent:
        parent[new] = parent.pop(last)
    return doc


@FUZZ
@given(
    st.sampled_from(SEEDS),
    st.data(),
    st.sampled_from(["delete", "replace", "wrap", "rename"]),
    st.one_of(VALUES, NAMES),
)
def test_mutated_examples(seed: dict[str, Any], data: st.DataObject, action: str, new: Any) -> None:
    doc = copy.deepcopy(seed)
    for _ in range(data.draw(st.integers(min_value=1, max_value=3))):
        path = data.draw(st.sampled_from(_paths(doc)))
        doc = _mutate(doc, path, action, new)
    if isinstance(doc, dict):
        exercise(doc, environment=ENV)


@FUZZ
@given(st.dictionaries(NAMES, VALUES, max_size=4), VALUES)
def test_random_environments_and_parameters(environment: dict[str, Any], params: Any) -> None:
    exercise(SEEDS[0], params if isinstance(params, dict) else {"x": params}, environment)
