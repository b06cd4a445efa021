"""Property types, coercion, constraints and the error messages that name paths."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.engine.resources.constraints import AllowedPattern, AllowedValues, Length, Range
from services.engine.resources.properties import (
    ANY,
    BOOLEAN,
    INTEGER,
    LIST,
    MAP,
    NUMBER,
    STRING,
    UNRESOLVED,
    Property,
    Unresolved,
    schema_to_dict,
    validate_properties,
    validate_value,
)
from shared.exceptions import EmberError, StackValidationFailed

P = "resources.web.properties"


@pytest.mark.parametrize(
    ("kind", "given_value", "expected"),
    [
        (STRING, "abc", "abc"),
        (STRING, 5, "5"),
        (STRING, True, "True"),
        (STRING, "", ""),
        (INTEGER, 5, 5),
        (INTEGER, "5", 5),
        (INTEGER, " -7 ", -7),
        (NUMBER, 5, 5),
        (NUMBER, 2.5, 2.5),
        (NUMBER, "5", 5),
        (NUMBER, "2.5", 2.5),
        (NUMBER, "1e3", 1000.0),
        (BOOLEAN, True, True),
        (BOOLEAN, "true", True),
        (BOOLEAN, "True", True),
        (BOOLEAN, " TRUE ", True),
        (BOOLEAN, "false", False),
        (BOOLEAN, "False", False),
        (BOOLEAN, False, False),
        (MAP, {"a": 1}, {"a": 1}),
        (MAP, {}, {}),
        (LIST, [1, "a"], [1, "a"]),
        (LIST, (1, 2), [1, 2]),
        (LIST, [], []),
        (ANY, {"x": [1]}, {"x": [1]}),
    ],
)
def test_coercion_accepts(kind: str, given_value: Any, expected: Any) -> None:
    out = validate_value(Property(kind), given_value, f"{P}.x")
    assert out == expected
    assert type(out) is type(expected)


@pytest.mark.parametrize(
    ("kind", "given_value", "reason"),
    [
        (STRING, {"a": 1}, 'value must be a string; got {"a": 1}'),
        (STRING, [1], "value must be a string; got [1]"),
        (STRING, 2.5, "value must be a string; got 2.5"),
        (INTEGER, "abc", "'abc' is not an integer"),
        (INTEGER, 2.5, "2.5 is not an integer"),
        (INTEGER, "2.5", "'2.5' is not an integer"),
        (INTEGER, True, "true is not an integer"),
        (INTEGER, [1], "[1] is not an integer"),
        (NUMBER, "abc", "'abc' is not a number"),
        (NUMBER, "nan", "'nan' is not a finite number"),
        (NUMBER, False, "false is not a number"),
        (NUMBER, {}, "{} is not a number"),
        (BOOLEAN, "maybe", "'maybe' is not a valid boolean (use true or false)"),
        (BOOLEAN, "yes", "'yes' is not a valid boolean (use true or false)"),
        (BOOLEAN, "1", "'1' is not a valid boolean (use true or false)"),
        (BOOLEAN, 1, "1 is not a valid boolean (use true or false)"),
        (BOOLEAN, 1.0, "1.0 is not a valid boolean (use true or false)"),
        (MAP, [1], "[1] is not a map"),
        (MAP, "text", "'text' is not a map"),
        (MAP, '{"a": 1}', "'{\"a\": 1}' is not a map"),
        (LIST, "[1, 2]", "'[1, 2]' is not a list"),
        (LIST, {"a": 1}, '{"a": 1} is not a list'),
        (LIST, "a,b", "'a,b' is not a list"),
    ],
)
def test_coercion_rejects_with_path(kind: str, given_value: Any, reason: str) -> None:
    with pytest.raises(StackValidationFailed) as err:
        validate_value(Property(kind), given_value, f"{P}.x")
    assert str(err.value) == f"{P}.x: {reason}"


@pytest.mark.parametrize(
    ("prop", "value", "message"),
    [
        (Property(INTEGER, constraints=(Range(min=1),)), -1, "value -1 is below the minimum 1"),
        (Property(INTEGER, constraints=(Range(max=10),)), 11, "value 11 is above the maximum 10"),
        (Property(NUMBER, constraints=(Range(min=0.5, max=1.5),)), 2, "value 2 is above the maximum 1.5"),
        (Property(STRING, constraints=(Length(min=2),)), "a", "length 1 is below the minimum 2"),
        (Property(STRING, constraints=(Length(max=2),)), "abc", "length 3 is above the maximum 2"),
        (Property(LIST, constraints=(Length(min=1),)), [], "length 0 is below the minimum 1"),
        (Property(MAP, constraints=(Length(max=1),)), {"a": 1, "b": 2}, "length 2 is above the maximum 1"),
        (
            Property(STRING, constraints=(AllowedValues(allowed=("a", "b")),)),
            "c",
            "'c' is not an allowed value ['a', 'b']",
        ),
        (
            Property(LIST, constraints=(AllowedValues(allowed=("a", "b")),)),
            ["a", "z"],
            "'z' is not an allowed value ['a', 'b']",
        ),
        (
            Property(STRING, constraints=(AllowedPattern(pattern="[a-z]+"),)),
            "abc1",
            "'abc1' does not match pattern '[a-z]+'",
        ),
        (
            Property(STRING, constraints=(AllowedPattern(pattern="(", description="bad"),)),
            "x",
            "bad",
        ),
        (
            Property(INTEGER, constraints=(Range(min=1, description="must be positive"),)),
            0,
            "must be positive",
        ),
        (
            Property(STRING, constraints=(Length(max=1, description="one char"),)),
            "ab",
            "one char",
        ),
    ],
)
def test_constraint_violation_names_path(prop: Property, value: Any, message: str) -> None:
    with pytest.raises(StackValidationFailed) as err:
        validate_properties({"length": prop}, {"length": value}, P)
    assert str(err.value) == f"{P}.length: {message}"


@pytest.mark.parametrize(
    ("prop", "value"),
    [
        (Property(INTEGER, constraints=(Range(min=1, max=3),)), 1),
        (Property(INTEGER, constraints=(Range(min=1, max=3),)), "3"),
        (Property(STRING, constraints=(Length(min=1, max=3),)), "abc"),
        (Property(STRING, constraints=(AllowedValues(allowed=("a", "b")),)), "b"),
        (Property(NUMBER, constraints=(AllowedValues(allowed=("1", "2")),)), 2),
        (Property(STRING, constraints=(AllowedPattern(pattern="[a-z]+"),)), "abc"),
    ],
)
def test_constraint_satisfied(prop: Property, value: Any) -> None:
    validate_properties({"x": prop}, {"x": value}, P)


def test_unknown_property_is_named() -> None:
    with pytest.raises(StackValidationFailed) as err:
        validate_properties({"length": Property(INTEGER)}, {"lenght": 1}, P)
    assert str(err.value) == f'{P}: unknown property "lenght"'


def test_unknown_properties_dropped_when_allowed() -> None:
    assert validate_properties({}, {"anything": 1}, P, allow_unknown=True) == {}


@pytest.mark.parametrize("value", [None, {}])
def test_missing_required_property(value: Any) -> None:
    schema = {"value": Property(STRING, required=True)}
    with pytest.raises(StackValidationFailed) as err:
        validate_properties(schema, value if value is None else dict(value), P)
    assert str(err.value) == f"{P}.value: property is required"


def test_explicit_null_counts_as_missing() -> None:
    with pytest.raises(StackValidationFailed, match="property is required"):
        validate_properties({"value": Property(STRING, required=True)}, {"value": None}, P)


def test_defaults_applied_and_absent_keys_are_none() -> None:
    schema = {"a": Property(INTEGER, default=3), "b": Property(STRING)}
    assert validate_properties(schema, {}, P) == {"a": 3, "b": None}


def test_properties_must_be_a_map() -> None:
    with pytest.raises(StackValidationFailed) as err:
        validate_properties({}, [1, 2], P)  # type: ignore[arg-type]
    assert str(err.value) == f"{P}: [1, 2] is not a map"


def test_nested_map_schema_paths() -> None:
    schema = {"opts": Property(MAP, schema={"size": Property(INTEGER, constraints=(Range(min=1),))})}
    assert validate_properties(schema, {"opts": {"size": "2"}}, P) == {"opts": {"size": 2}}
    with pytest.raises(StackValidationFailed) as err:
        validate_properties(schema, {"opts": {"size": 0}}, P)
    assert str(err.value) == f"{P}.opts.size: value 0 is below the minimum 1"
    with pytest.raises(StackValidationFailed) as err:
        validate_properties(schema, {"opts": {"sise": 1}}, P)
    assert str(err.value) == f'{P}.opts: unknown property "sise"'


def test_nested_list_schema_paths() -> None:
    item = Property(MAP, schema={"name": Property(STRING, required=True)})
    schema = {"items": Property(LIST, schema=item)}
    with pytest.raises(StackValidationFailed) as err:
        validate_properties(schema, {"items": [{"name": "a"}, {}]}, P)
    assert str(err.value) == f"{P}.items[1].name: property is required"


@pytest.mark.parametrize("kind", [STRING, INTEGER, NUMBER, BOOLEAN, MAP, LIST])
def test_unresolved_values_pass_type_and_constraints(kind: str) -> None:
    prop = Property(kind, required=True, constraints=(Range(min=5), Length(min=9)))
    assert validate_properties({"x": prop}, {"x": UNRESOLVED}, P) == {"x": UNRESOLVED}
    custom = Unresolved("get_attr a b")
    assert validate_properties({"x": prop}, {"x": custom}, P)["x"] is custom


def test_null_list_items_become_empty_values() -> None:
    item = Property(MAP, schema={"k": Property(INTEGER, default=7)})
    assert validate_properties({"x": Property(LIST, schema=item)}, {"x": [None]}, P) == {"x": [{"k": 7}]}
    assert validate_value(Property(LIST, schema=Property(STRING)), ["a", None], P) == ["a", ""]


def test_unresolved_inside_list_skips_constraints_not_types() -> None:
    prop = Property(LIST, constraints=(Length(min=5),), schema=Property(INTEGER))
    out = validate_properties({"x": prop}, {"x": ["1", UNRESOLVED]}, P)
    assert out["x"] == [1, UNRESOLVED]
    with pytest.raises(StackValidationFailed, match=r"x\[0\]: 'a' is not an integer"):
        validate_properties({"x": prop}, {"x": ["a", UNRESOLVED]}, P)


def test_whole_properties_unresolved() -> None:
    assert validate_properties({"a": Property(STRING)}, UNRESOLVED, P) == {"a": UNRESOLVED}  # type: ignore[arg-type]


def test_schema_to_dict_shapes() -> None:
    prop = Property(
        LIST,
        "things",
        required=True,
        constraints=(Length(min=1, description="need one"),),
        update_allowed=True,
        schema=Property(STRING, constraints=(AllowedPattern(pattern="a+"),)),
    )
    assert schema_to_dict(prop) == {
        "type": "list",
        "description": "things",
        "required": True,
        "update_allowed": True,
        "immutable": False,
        "constraints": [{"length": {"min": 1}, "description": "need one"}],
        "schema": {
            "*": {
                "type": "string",
                "required": False,
                "update_allowed": False,
                "immutable": False,
                "constraints": [{"allowed_pattern": "a+"}],
            }
        },
    }


def test_bad_schema_declaration_is_a_programming_error() -> None:
    with pytest.raises(TypeError):
        Property("float")
    with pytest.raises(TypeError):
        Property(MAP, schema=Property(STRING))


_SCHEMA = {
    "s": Property(STRING, constraints=(Length(min=1, max=5), AllowedPattern(pattern="[a-z0-9]*"))),
    "i": Property(INTEGER, default=1, constraints=(Range(min=0, max=9),)),
    "n": Property(NUMBER, constraints=(AllowedValues(allowed=(1, 2.5, "3")),)),
    "b": Property(BOOLEAN, required=True),
    "m": Property(MAP, schema={"k": Property(INTEGER, required=True)}),
    "l": Property(LIST, schema=Property(BOOLEAN)),
    "free": Property(MAP),
}

_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=3), children, max_size=3)
    ),
    max_leaves=10,
)
_keys = st.sampled_from([*_SCHEMA, "other"])


@settings(max_examples=150, deadline=None)
@given(st.dictionaries(_keys, _json | st.just(UNRESOLVED), max_size=7))
def test_fuzz_validation_only_raises_ember_errors(values: dict[str, Any]) -> None:
    try:
        out = validate_properties(_SCHEMA, values, P)
    except EmberError as exc:
        assert str(exc).startswith(P)
    else:
        assert set(out) == set(_SCHEMA)


@settings(max_examples=200, deadline=None)
@given(_json)
def test_fuzz_any_value_for_any_type(value: Any) -> None:
    for prop in _SCHEMA.values():
        try:
            validate_value(prop, value, P)
        except EmberError:
            pass
