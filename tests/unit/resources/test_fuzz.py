"""Random property maps fed to every built-in plugin: validation only raises EmberError."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.engine.resources.base import Resource
from services.engine.resources.builtin import BUILTINS
from services.engine.resources.properties import UNRESOLVED
from services.engine.resources.provider import provider_plugin
from shared.exceptions import EmberError

_scalar = st.none() | st.booleans() | st.integers(-5, 600) | st.floats() | st.text(max_size=6)
_json = st.recursive(
    _scalar | st.just(UNRESOLVED),
    lambda c: (
        st.lists(c, max_size=3)
        | st.dictionaries(st.sampled_from(["class", "min", "sequence", "type", "x"]), c, max_size=3)
    ),
    max_leaves=8,
)


def _props(plugin: type[Resource]) -> st.SearchStrategy[dict[str, Any]]:
    keys = st.sampled_from([*plugin.properties_schema, "bogus"])
    return st.dictionaries(keys, _json, max_size=6)


@pytest.mark.parametrize("plugin", BUILTINS, ids=lambda p: p.type_name)
@settings(max_examples=100, deadline=None)
@given(data=st.data())
def test_plugin_validation_only_raises_ember_errors(plugin: type[Resource], data: st.DataObject) -> None:
    props = data.draw(_props(plugin))
    try:
        out = plugin.validate_properties("r", props)
    except EmberError as exc:
        assert str(exc).startswith("resources.r")
    else:
        assert set(out) == set(plugin.properties_schema)


@settings(max_examples=100, deadline=None)
@given(
    st.dictionaries(st.text(max_size=4), _json, max_size=4),
    st.dictionaries(st.text(max_size=4), _json, max_size=3),
)
def test_provider_plugin_from_random_parameters(params: dict[str, Any], props: dict[str, Any]) -> None:
    try:
        plugin = provider_plugin("My::T", {"parameters": params, "outputs": {}})
        plugin.validate_properties("r", props)
    except EmberError:
        pass
