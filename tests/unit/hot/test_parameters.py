"""Parameters: types, constraints, schema errors, precedence and display."""

from __future__ import annotations

from typing import Any

import pytest

from services.engine import hot
from services.engine.hot.parameters import check_parameter_groups, parse_schemas
from services.engine.hot.versions import get_version
from shared.exceptions import (
    InvalidTemplate,
    StackValidationFailed,
    UnknownUserParameter,
    UserParameterMissing,
)

from .helpers import load, template

WALLABY = get_version("2021-04-16")


def schema(body: dict[str, Any], version: str = "2021-04-16") -> hot.ParamSchema:
    return hot.ParamSchema.from_dict("p", body, get_version(version))


@pytest.mark.parametrize(
    ("ptype", "raw", "typed"),
    [
        ("string", "abc", "abc"),
        ("string", 5, "5"),
        ("string", "", ""),
        ("number", "5", 5),
        ("number", "0.5", 0.5),
        ("number", 7, 7),
        ("number", 2.5, 2.5),
        ("number", "-3", -3),
        ("comma_delimited_list", "a,b", ["a", "b"]),
        ("comma_delimited_list", "one, two", ["one", " two"]),
        ("comma_delimited_list", "", []),
        ("comma_delimited_list", ["x", "y"], ["x", "y"]),
        ("json", '{"a": 1}', {"a": 1}),
        ("json", "[1, 2]", [1, 2]),
        ("json", {"k": "v"}, {"k": "v"}),
        ("json", "", {}),
        ("boolean", "true", True),
        ("boolean", "On", True),
        ("boolean", "y", True),
        ("boolean", "1", True),
        ("boolean", 1, True),
        ("boolean", "f", False),
        ("boolean", "no", False),
        ("boolean", "0", False),
        ("boolean", False, False),
    ],
)
def test_values_convert_to_their_type(ptype: str, raw: Any, typed: Any) -> None:
    assert schema({"type": ptype}).validate(raw) == typed


@pytest.mark.parametrize(
    ("ptype", "raw", "message"),
    [
        ("string", {"a": 1}, "a map is not a string"),
        ("string", [1], "a list is not a string"),
        ("number", "abc", 'value "abc" is not a number'),
        ("number", True, "is not a number"),
        ("number", "nan", "is not a number"),
        ("number", [1], "is not a number"),
        ("comma_delimited_list", {"a": 1}, "is not a comma-delimited list"),
        ("json", "not json", "is not valid JSON"),
        ("json", '"text"', "must be a map or a list"),
        ("json", 5, "must be a map or a list"),
        ("boolean", "maybe", 'value "maybe" is not a boolean'),
        ("boolean", 2, "is not a boolean"),
    ],
)
def test_wrong_types_name_the_parameter(ptype: str, raw: Any, message: str) -> None:
    with pytest.raises(StackValidationFailed) as err:
        schema({"type": ptype}).validate(raw)
    assert str(err.value).startswith("Parameter 'p' is invalid: ")
    assert message in str(err.value)


@pytest.mark.parametrize(
    ("ptype", "constraint", "good", "bad", "message"),
    [
        ("string", {"length": {"min": 2}}, "ab", "a", "length 1 is below the minimum 2"),
        ("string", {"length": {"max": 3}}, "abc", "abcd", "length 4 is above the maximum 3"),
        ("comma_delimited_list", {"length": {"min": 2}}, "a,b", "a", "length 1 is below the minimum 2"),
        ("json", {"length": {"max": 1}}, {"a": 1}, {"a": 1, "b": 2}, "length 2 is above the maximum 1"),
        ("number", {"range": {"min": 1}}, 1, -1, "value -1 is below the minimum 1"),
        ("number", {"range": {"min": 0, "max": 10}}, "10", 11, "value 11 is above the maximum 10"),
        ("number", {"range": {"max": 0.5}}, 0.5, 0.6, "value 0.6 is above the maximum 0.5"),
        ("number", {"modulo": {"step": 2, "offset": 1}}, 7, 8, "value 8 is not a multiple of 2 plus 1"),
        ("number", {"modulo": {"step": 5, "offset": 0}}, "15", 16, "not a multiple of 5 plus 0"),
        (
            "string",
            {"allowed_values": ["a", "b"]},
            "b",
            "x",
            'value "x" is not in the allowed values ["a", "b"]',
        ),
        ("number", {"allowed_values": [1, "2"]}, "2", 3, "value 3 is not in the allowed values [1, 2]"),
        ("comma_delimited_list", {"allowed_values": ["a", "b"]}, "a,b", "a,c", 'value "c" is not in'),
        ("boolean", {"allowed_values": [True]}, "yes", "no", "value false is not in the allowed values"),
        ("string", {"allowed_pattern": "[a-z]+"}, "abc", "abc1", 'value "abc1" does not match the pattern'),
        ("string", {"allowed_pattern": "[A-Z]"}, "A", "xA", "does not match"),
    ],
)
def test_constraints(ptype: str, constraint: dict[str, Any], good: Any, bad: Any, message: str) -> None:
    param = schema({"type": ptype, "constraints": [constraint]})
    param.validate(good)
    with pytest.raises(StackValidationFailed) as err:
        param.validate(bad)
    assert str(err.value) == f"Parameter 'p' is invalid: {message}" or message in str(err.value)


@pytest.mark.parametrize(
    "constraint",
    [
        {"length": {"min": 5}},
        {"allowed_values": ["x"]},
        {"allowed_pattern": "[0-9]+"},
    ],
)
def test_a_constraint_description_replaces_the_message(constraint: dict[str, Any]) -> None:
    param = schema({"type": "string", "constraints": [{**constraint, "description": "Use five digits."}]})
    with pytest.raises(StackValidationFailed, match=r"^Parameter 'p' is invalid: Use five digits\.$"):
        param.validate("abc")


def test_custom_constraints_are_accepted_but_not_enforced() -> None:
    param = schema({"type": "string", "constraints": [{"custom_constraint": "nova.flavor"}]})
    assert param.validate("anything") == "anything"


@pytest.mark.parametrize(
    ("body", "version", "message"),
    [
        ("string", "2021-04-16", "parameters.p: a parameter must be a map"),
        ({}, "2021-04-16", 'parameters.p: "type" is required'),
        ({"type": "integer"}, "2021-04-16", 'invalid type "integer"'),
        ({"type": "string", "foo": 1}, "2021-04-16", 'parameters.p: unknown key "foo"'),
        ({"type": "string", "tags": ["a"]}, "2017-09-01", 'unknown key "tags"'),
        ({"type": "string", "tags": "a"}, "2021-04-16", "tags: must be a list of strings"),
        ({"type": "string", "hidden": "perhaps"}, "2021-04-16", "hidden: must be true or false"),
        ({"type": "string", "constraints": {"length": {}}}, "2021-04-16", "constraints: must be a list"),
        (
            {"type": "string", "constraints": ["x"]},
            "2021-04-16",
            "constraints[0]: a constraint must be a map",
        ),
        ({"type": "string", "constraints": [{"description": "d"}]}, "2021-04-16", "exactly one type"),
        ({"type": "string", "constraints": [{"foo": 1}]}, "2021-04-16", 'unknown constraint "foo"'),
        ({"type": "number", "constraints": [{"modulo": {"step": 2, "offset": 0}}]}, "2016-10-14", "modulo"),
        ({"type": "number", "constraints": [{"length": {"min": 1}}]}, "2021-04-16", "does not apply"),
        ({"type": "string", "constraints": [{"range": {"min": 1}}]}, "2021-04-16", "does not apply"),
        ({"type": "json", "constraints": [{"allowed_values": [1]}]}, "2021-04-16", "does not apply"),
        ({"type": "number", "constraints": [{"allowed_pattern": "x"}]}, "2021-04-16", "does not apply"),
        ({"type": "string", "constraints": [{"length": {}}]}, "2021-04-16", '"min" and/or "max"'),
        (
            {"type": "string", "constraints": [{"length": {"min": "a"}}]},
            "2021-04-16",
            "min: must be a number",
        ),
        ({"type": "string", "constraints": [{"length": {"least": 1}}]}, "2021-04-16", '"min" and/or "max"'),
        ({"type": "number", "constraints": [{"modulo": {"step": 2}}]}, "2021-04-16", '"step" and "offset"'),
        (
            {"type": "number", "constraints": [{"modulo": {"step": 0, "offset": 0}}]},
            "2021-04-16",
            "step not zero",
        ),
        ({"type": "number", "constraints": [{"modulo": {"step": 2, "offset": 3}}]}, "2021-04-16", "smaller"),
        ({"type": "string", "constraints": [{"allowed_values": []}]}, "2021-04-16", "non-empty list"),
        ({"type": "number", "constraints": [{"allowed_values": ["x"]}]}, "2021-04-16", "must be numbers"),
        ({"type": "string", "constraints": [{"allowed_pattern": "("}]}, "2021-04-16", "invalid regular expr"),
        ({"type": "string", "constraints": [{"allowed_pattern": 5}]}, "2021-04-16", "must be a string"),
    ],
)
def test_bad_schemas_are_invalid_templates(body: Any, version: str, message: str) -> None:
    with pytest.raises(InvalidTemplate) as err:
        schema(body, version)
    assert message in str(err.value)


def test_a_default_must_satisfy_its_constraints() -> None:
    with pytest.raises(StackValidationFailed, match="Parameter 'p' is invalid: length 1 is below"):
        schema({"type": "string", "default": "a", "constraints": [{"length": {"min": 2}}]})


PARAMS = {
    "flavor": {"type": "string", "default": "from-template"},
    "size": {"type": "number"},
    "other": {"type": "string", "default": "x"},
}


@pytest.mark.parametrize(
    ("request_params", "env", "expected"),
    [
        ({}, {}, "from-template"),
        ({}, {"parameter_defaults": {"flavor": "from-defaults"}}, "from-defaults"),
        ({}, {"parameters": {"flavor": "from-env"}, "parameter_defaults": {"flavor": "d"}}, "from-env"),
        ({"flavor": "from-request"}, {"parameters": {"flavor": "from-env"}}, "from-request"),
    ],
)
def test_precedence(request_params: dict[str, Any], env: dict[str, Any], expected: str) -> None:
    defn = load(template(parameters=PARAMS), {"size": 1, **request_params}, environment=env)
    assert defn.parameters.get("flavor") == expected


def test_parameter_defaults_for_undeclared_parameters_are_ignored() -> None:
    defn = load(template(parameters=PARAMS), {"size": 1}, environment={"parameter_defaults": {"nope": 1}})
    assert "nope" not in defn.parameters.as_strings()


def test_parameter_defaults_give_a_value_to_required_parameters() -> None:
    defn = load(template(parameters=PARAMS), environment={"parameter_defaults": {"size": "4"}})
    assert defn.parameters.get("size") == 4


@pytest.mark.parametrize("where", ["request", "environment"])
def test_unknown_user_parameters_are_errors(where: str) -> None:
    params, env = ({"nope": 1}, None) if where == "request" else ({}, {"parameters": {"nope": 1}})
    with pytest.raises(UnknownUserParameter, match=r"The Parameter \(nope\) was not defined"):
        load(template(parameters=PARAMS), {"size": 1, **params}, environment=env)


def test_missing_required_parameter() -> None:
    with pytest.raises(UserParameterMissing) as err:
        load(template(parameters=PARAMS))
    assert err.value.kwargs == {"key": "size"}


def test_a_bad_user_value_names_the_parameter() -> None:
    with pytest.raises(StackValidationFailed, match="Parameter 'size' is invalid"):
        load(template(parameters=PARAMS), {"size": "big"})


def test_values_are_shown_as_strings_with_hidden_masked_and_pseudo_parameters() -> None:
    params = {
        "s": {"type": "string", "default": "a"},
        "n": {"type": "number", "default": 1.5},
        "l": {"type": "comma_delimited_list", "default": ["a", "b"]},
        "j": {"type": "json", "default": {"k": [1]}},
        "b": {"type": "boolean", "default": "yes"},
        "pw": {"type": "string", "default": "secret", "hidden": True},
    }
    defn = load(template(parameters=params), stack_name="st", stack_id="id-1", project_id="proj")
    assert defn.parameters.as_strings() == {
        "s": "a",
        "n": "1.5",
        "l": "a,b",
        "j": '{"k": [1]}',
        "b": "True",
        "pw": "******",
        "OS::stack_id": "id-1",
        "OS::stack_name": "st",
        "OS::project_id": "proj",
    }
    assert defn.parameters.as_strings(mask_hidden=False)["pw"] == "secret"
    assert defn.parameters.get("OS::stack_name") == "st"
    assert defn.parameters.hidden_names() == ["pw"]


def test_immutable_is_recorded() -> None:
    params = {
        "a": {"type": "string", "default": "x", "immutable": True},
        "b": {"type": "string", "default": "y"},
    }
    defn = load(template(parameters=params))
    assert defn.parameters.immutable_names() == ["a"]
    same = load(template(parameters=params), {"b": "changed"})
    changed = load(template(parameters=params), {"a": "changed"})
    assert defn.parameters.immutable_changes(same.parameters) == []
    assert defn.parameters.immutable_changes(changed.parameters) == ["a"]


def test_user_values_keep_what_the_user_gave() -> None:
    defn = load(template(parameters=PARAMS), {"size": "3"}, environment={"parameters": {"other": "o"}})
    assert defn.parameters.user_values == {"size": "3", "other": "o"}


@pytest.mark.parametrize(
    ("groups", "message"),
    [
        ([{"parameters": ["nope"]}], '"nope" is not a declared parameter'),
        ([{"parameters": ["a"]}, {"parameters": ["a"]}], '"a" is already in another group'),
        ([{"label": "x"}], "parameter_groups[0].parameters: must be a list"),
        (["x"], "a parameter group must be a map"),
        ([{"parameters": ["a"], "foo": 1}], 'unknown key "foo"'),
    ],
)
def test_bad_parameter_groups(groups: list[Any], message: str) -> None:
    schemas = parse_schemas({"a": {"type": "string"}}, WALLABY)
    with pytest.raises(InvalidTemplate) as err:
        check_parameter_groups(groups, schemas)
    assert message in str(err.value)


def test_describe_reports_what_heat_validate_reports() -> None:
    param = hot.ParamSchema.from_dict(
        "db",
        {
            "type": "number",
            "label": "DB size",
            "description": "GB",
            "default": 10,
            "hidden": True,
            "constraints": [
                {"range": {"min": 1, "max": 100}, "description": "1 to 100."},
                {"modulo": {"step": 2, "offset": 0}},
                {"allowed_values": [10, 20]},
            ],
        },
        WALLABY,
    )
    assert param.describe(user_value="20") == {
        "Type": "Number",
        "Description": "GB",
        "NoEcho": "true",
        "Label": "DB size",
        "Default": 10,
        "Value": "20",
        "MinValue": 1,
        "MaxValue": 100,
        "Step": 2,
        "Offset": 0,
        "AllowedValues": [10, 20],
        "ConstraintDescription": "1 to 100.",
    }
    text = hot.ParamSchema.from_dict(
        "t", {"type": "comma_delimited_list", "constraints": [{"length": {"min": 1, "max": 3}}]}, WALLABY
    )
    assert text.describe() == {
        "Type": "CommaDelimitedList",
        "Description": "",
        "NoEcho": "false",
        "Label": "t",
        "MinLength": 1,
        "MaxLength": 3,
    }
