"""Intrinsic functions: results, argument errors with paths, and version gates."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest

from shared.exceptions import EmberError, InvalidTemplateReference, NotSupported, StackValidationFailed

from .helpers import resolve_value

PARAMETERS = {
    "name": {"type": "string", "default": "web"},
    "count": {"type": "number", "default": 3},
    "names": {"type": "comma_delimited_list", "default": "a,b,c"},
    "config": {"type": "json", "default": {"db": {"port": 5432, "hosts": ["h1", "h2"]}, "flag": True}},
    "enabled": {"type": "boolean", "default": True},
    "empty": {"type": "string", "default": ""},
}
ATTRIBUTES = {
    "server": {
        "first_address": "10.0.0.1",
        "networks": {"private": ["10.0.0.1", "10.0.0.2"]},
        "show": {"id": "x"},
    }
}
PATH = "resources.target.properties.value"


def value(snippet: Any, version: str = "2021-04-16", **kwargs: Any) -> Any:
    return resolve_value(
        snippet,
        version=version,
        parameters=kwargs.pop("parameters", PARAMETERS),
        attributes=kwargs.pop("attributes", ATTRIBUTES),
        **kwargs,
    )


CASES: list[tuple[str, Any, Any]] = [
    # get_param
    ("get_param", {"get_param": "name"}, "web"),
    ("get_param number", {"get_param": "count"}, 3),
    ("get_param list", {"get_param": "names"}, ["a", "b", "c"]),
    ("get_param list index", {"get_param": ["names", 1]}, "b"),
    ("get_param list index text", {"get_param": ["names", "2"]}, "c"),
    # a path step that is not there: "" as in Heat, not an error
    ("get_param missing key", {"get_param": ["config", "nope"]}, ""),
    ("get_param index past the end", {"get_param": ["names", 7]}, ""),
    ("get_param path into a string", {"get_param": ["name", "x"]}, ""),
    ("get_param non-index into a list", {"get_param": ["names", "x"]}, ""),
    ("get_param path past a scalar", {"get_param": ["config", "flag", "x"]}, ""),
    # outside conditions, equals/not/and/or are not functions in Heat: the map is data
    (
        "equals outside conditions is data",
        {"equals": [{"get_param": "name"}, "web"]},
        {"equals": ["web", "web"]},
    ),
    ("not outside conditions is data", {"not": True}, {"not": True}),
    ("get_param json path", {"get_param": ["config", "db", "hosts", 0]}, "h1"),
    ("get_param json map", {"get_param": ["config", "db", "port"]}, 5432),
    ("get_param boolean", {"get_param": "enabled"}, True),
    ("get_param pseudo", {"get_param": "OS::project_id"}, ""),
    # get_resource / get_attr
    ("get_resource", {"get_resource": "server"}, "ref-server"),
    ("get_attr", {"get_attr": ["server", "first_address"]}, "10.0.0.1"),
    ("get_attr path", {"get_attr": ["server", "networks", "private", 1]}, "10.0.0.2"),
    ("get_attr show", {"get_attr": ["server", "show", "id"]}, "x"),
    ("get_attr all", {"get_attr": ["server"]}, ATTRIBUTES["server"]),
    ("get_attr name from a function", {"get_attr": ["server", {"str_split": [",", "x,show", 1]}, "id"]}, "x"),
    # str_replace
    (
        "str_replace",
        {"str_replace": {"template": "Hi $n!", "params": {"$n": {"get_param": "name"}}}},
        "Hi web!",
    ),
    (
        "str_replace longest first",
        {"str_replace": {"template": "$v $v1", "params": {"$v": "a", "$v1": "b"}}},
        "a b",
    ),
    ("str_replace one pass", {"str_replace": {"template": "AB", "params": {"A": "B", "B": "C"}}}, "BC"),
    ("str_replace number", {"str_replace": {"template": "p=P", "params": {"P": 80}}}, "p=80"),
    (
        "str_replace json",
        {"str_replace": {"template": "c=C", "params": {"C": {"b": 1, "a": [2]}}}},
        'c={"a": [2], "b": 1}',
    ),
    ("str_replace null", {"str_replace": {"template": "x=X.", "params": {"X": None}}}, "x=."),
    ("str_replace missing key ok", {"str_replace": {"template": "x", "params": {"Y": "y"}}}, "x"),
    ("str_replace_strict", {"str_replace_strict": {"template": "x=X", "params": {"X": "1"}}}, "x=1"),
    ("str_replace_vstrict", {"str_replace_vstrict": {"template": "x=X", "params": {"X": "1"}}}, "x=1"),
    # list_join
    ("list_join", {"list_join": [",", ["a", "b"]]}, "a,b"),
    ("list_join param", {"list_join": ["-", {"get_param": "names"}]}, "a-b-c"),
    ("list_join several", {"list_join": [",", ["a"], ["b", "c"]]}, "a,b,c"),
    ("list_join json items", {"list_join": [",", [1, {"k": "v"}, None]]}, '1,{"k": "v"},'),
    ("list_join empty", {"list_join": [",", []]}, ""),
    # digest
    ("digest sha256", {"digest": ["sha256", "abc"]}, hashlib.sha256(b"abc").hexdigest()),
    ("digest md5 upper", {"digest": ["MD5", "abc"]}, hashlib.md5(b"abc").hexdigest()),
    ("digest sha512", {"digest": ["sha512", ""]}, hashlib.sha512(b"").hexdigest()),
    # repeat
    ("repeat", {"repeat": {"for_each": {"%x%": ["a", "b"]}, "template": "v-%x%"}}, ["v-a", "v-b"]),
    (
        "repeat product",
        {"repeat": {"for_each": {"X": ["1", "2"], "Y": ["a", "b"]}, "template": {"k": "X-Y"}}},
        [{"k": "1-a"}, {"k": "1-b"}, {"k": "2-a"}, {"k": "2-b"}],
    ),
    (
        "repeat zip",
        {
            "repeat": {
                "for_each": {"X": ["1", "2"], "Y": ["a", "b"]},
                "template": "X-Y",
                "permutations": False,
            }
        },
        ["1-a", "2-b"],
    ),
    ("repeat keys", {"repeat": {"for_each": {"K": ["a"]}, "template": {"K": "K"}}}, [{"a": "a"}]),
    ("repeat map", {"repeat": {"for_each": {"K": {"x": 1, "y": 2}}, "template": "K"}}, ["x", "y"]),
    (
        "repeat param",
        {"repeat": {"for_each": {"N": {"get_param": "names"}}, "template": "N"}},
        ["a", "b", "c"],
    ),
    ("repeat empty", {"repeat": {"for_each": {"N": []}, "template": "N"}}, []),
    # map_merge / map_replace
    ("map_merge", {"map_merge": [{"a": 1, "b": 1}, {"b": 2}, {"c": 3}]}, {"a": 1, "b": 2, "c": 3}),
    ("map_merge empty", {"map_merge": []}, {}),
    (
        "map_replace",
        {"map_replace": [{"k1": "v1", "k2": "v2"}, {"keys": {"k1": "K1"}, "values": {"v2": "V2"}}]},
        {"K1": "v1", "k2": "V2"},
    ),
    ("map_replace keys only", {"map_replace": [{"a": 1}, {"keys": {"a": "b"}}]}, {"b": 1}),
    # str_split
    ("str_split", {"str_split": [",", "a,b,c"]}, ["a", "b", "c"]),
    ("str_split index", {"str_split": [",", "a,b,c", 2]}, "c"),
    ("str_split index text", {"str_split": [",", "a,b,c", "0"]}, "a"),
    # lists
    ("list_concat", {"list_concat": [["a"], ["b", "a"]]}, ["a", "b", "a"]),
    (
        "list_concat_unique",
        {"list_concat_unique": [["a", {"k": 1}], ["b", "a", {"k": 1}]]},
        ["a", {"k": 1}, "b"],
    ),
    ("contains yes", {"contains": ["b", {"get_param": "names"}]}, True),
    ("contains no", {"contains": ["z", ["a"]]}, False),
    ("contains string", {"contains": ["ell", "hello"]}, True),
    ("filter", {"filter": [["a", None], ["a", "b", None]]}, ["b"]),
    # make_url
    (
        "make_url",
        {
            "make_url": {
                "scheme": "https",
                "host": "example.com",
                "port": 8443,
                "path": "/a b",
                "query": {"q": "1"},
            }
        },
        "https://example.com:8443/a%20b?q=1",
    ),
    ("make_url ipv6", {"make_url": {"scheme": "http", "host": "::1", "path": "x"}}, "http://[::1]/x"),
    (
        "make_url user",
        {"make_url": {"scheme": "ftp", "username": "u", "password": "p@", "host": "h", "fragment": "f"}},
        "ftp://u:p%40@h/#f",
    ),
    # if
    ("if true", {"if": [True, "yes", "no"]}, "yes"),
    ("if false", {"if": [False, "yes", "no"]}, "no"),
    ("if inline", {"if": [{"equals": [{"get_param": "name"}, "web"]}, 1, 2]}, 1),
    ("if param", {"if": [{"get_param": "enabled"}, 1, 2]}, 1),
    ("if nullable removes", {"if": [False, "yes"]}, "<removed>"),
    ("if nested functions", {"if": [True, {"list_join": ["-", ["a", "b"]]}, None]}, "a-b"),
    # plain data that looks like a function but has two keys
    ("two keys are data", {"get_param": "name", "other": 1}, {"get_param": "name", "other": 1}),
    ("unknown name is data", {"Fn::Custom": 1}, {"Fn::Custom": 1}),
]


@pytest.mark.parametrize(("snippet", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_functions_resolve(snippet: Any, expected: Any) -> None:
    assert value(snippet) == expected


def test_get_param_pseudo_stack_name() -> None:
    from .helpers import FakeResolver, load, template, value_resource

    defn = load(template({"t": value_resource({"get_param": "OS::stack_name"})}), stack_name="stack")
    assert defn.resources["t"].resolved_properties(FakeResolver(defn.parameters))["value"] == "stack"


def test_get_file() -> None:
    assert value({"get_file": "a.txt"}, files={"a.txt": "content"}) == "content"


def test_if_nullable_inside_lists_and_maps() -> None:
    snippet = {"list": ["a", {"if": [False, "b"]}], "map": {"k": {"if": [False, "v"]}, "j": 1}}
    assert value(snippet) == {"list": ["a"], "map": {"j": 1}}


def test_if_with_named_condition() -> None:
    conditions = {"is_web": {"equals": [{"get_param": "name"}, "web"]}}
    assert value({"if": ["is_web", "w", "o"]}, conditions=conditions) == "w"


def test_old_str_replace_rejects_maps_as_values() -> None:
    with pytest.raises(StackValidationFailed, match='the value of "C" must be a string or a number'):
        value({"str_replace": {"template": "C", "params": {"C": {"a": 1}}}}, version="2015-04-30")


def test_old_list_join_requires_strings() -> None:
    with pytest.raises(StackValidationFailed, match="items to join must be strings"):
        value({"list_join": [",", [1]]}, version="2015-04-30")


ERRORS: list[tuple[str, Any, str]] = [
    ("get_param empty list", {"get_param": []}, "get_param: needs a parameter name"),
    ("get_param not a name", {"get_param": 5}, "get_param: the parameter name must be a non-empty string"),
    ("get_param undeclared", {"get_param": "nope"}, 'get_param: the parameter "nope" is not declared'),
    (
        "get_resource list",
        {"get_resource": ["a"]},
        "get_resource: the resource name must be a non-empty string",
    ),
    ("get_attr not a list", {"get_attr": "server"}, "get_attr: must be a list"),
    ("get_attr empty", {"get_attr": []}, "get_attr: must be a list"),
    ("get_attr bad attribute", {"get_attr": ["server", {"a": 1}]}, "the attribute name must be a string"),
    ("get_attr attribute number", {"get_attr": ["server", 5]}, "the attribute name must be a string"),
    ("get_attr resolved attribute", {"get_attr": ["server", {"get_param": "count"}]}, "must be a string"),
    (
        "get_attr unknown attribute",
        {"get_attr": ["server", "nope"]},
        "The Referenced Attribute (server nope)",
    ),
    ("get_file unknown", {"get_file": "nope.txt"}, 'get_file: no content for "nope.txt"'),
    (
        "str_replace not a map",
        {"str_replace": ["a"]},
        'str_replace: must be a map with "template" and "params"',
    ),
    ("str_replace extra key", {"str_replace": {"template": "", "params": {}, "x": 1}}, "must be a map with"),
    (
        "str_replace params",
        {"str_replace": {"template": "t", "params": [1]}},
        'str_replace: "params" must be a map',
    ),
    ("str_replace template", {"str_replace": {"template": 5, "params": {}}}, '"template" must be a string'),
    (
        "str_replace resolved template",
        {"str_replace": {"template": {"get_param": "names"}, "params": {}}},
        '"template" must be a string',
    ),
    (
        "str_replace_strict missing",
        {"str_replace_strict": {"template": "x", "params": {"Y": "1"}}},
        'str_replace_strict: the placeholder "Y" is not in the template',
    ),
    (
        "str_replace_vstrict empty list",
        {"str_replace_vstrict": {"template": "xY", "params": {"Y": []}}},
        'str_replace_vstrict: the value of "Y" is empty',
    ),
    (
        "str_replace_vstrict empty",
        {"str_replace_vstrict": {"template": "xY", "params": {"Y": {"get_param": "empty"}}}},
        'str_replace_vstrict: the value of "Y" is empty',
    ),
    ("list_join shape", {"list_join": [","]}, "list_join: must be a list [delimiter, list, ...]"),
    ("list_join delimiter", {"list_join": [1, ["a"]]}, "the delimiter must be a string"),
    ("list_join not list", {"list_join": [",", "a"]}, "the values to join must be lists"),
    (
        "list_join resolved not list",
        {"list_join": [",", {"get_param": "name"}]},
        "the values to join must be lists",
    ),
    ("digest algorithm", {"digest": ["rot13", "a"]}, 'digest: unknown algorithm "rot13"'),
    ("digest shape", {"digest": "sha256"}, "digest: must be a list [algorithm, value]"),
    ("digest value", {"digest": ["sha256", ["a"]]}, "the value to digest must be a string"),
    ("repeat shape", {"repeat": {"template": "x"}}, 'repeat: must be a map with "for_each" and "template"'),
    (
        "repeat for_each",
        {"repeat": {"for_each": ["a"], "template": "x"}},
        '"for_each" must be a non-empty map',
    ),
    (
        "repeat values",
        {"repeat": {"for_each": {"X": "abc"}, "template": "X"}},
        'the values of "X" must be a list',
    ),
    ("repeat key", {"repeat": {"for_each": {"X": []}, "template": "X", "foo": 1}}, 'unknown key "foo"'),
    (
        "repeat zip lengths",
        {"repeat": {"for_each": {"X": ["1"], "Y": ["a", "b"]}, "template": "X", "permutations": False}},
        "every list must have the same length",
    ),
    ("map_merge shape", {"map_merge": {"a": 1}}, "map_merge: must be a list of maps"),
    ("map_merge item", {"map_merge": [{"a": 1}, ["b"]]}, "map_merge: item 1 is a list, not a map"),
    ("map_replace shape", {"map_replace": [{"a": 1}]}, "map_replace: must be a list"),
    ("map_replace spec", {"map_replace": [{"a": 1}, {"foo": {}}]}, 'second item must be a map with "keys"'),
    ("map_replace source", {"map_replace": [["a"], {"keys": {}}]}, "the first item must be a map"),
    ("map_replace collision", {"map_replace": [{"a": 1, "b": 2}, {"keys": {"a": "b"}}]}, '"b" appear twice'),
    ("str_split shape", {"str_split": [","]}, "str_split: must be a list [delimiter, string]"),
    ("str_split value", {"str_split": [",", ["a"]]}, "the value to split must be a string"),
    ("str_split delimiter", {"str_split": ["", "a"]}, "the delimiter must be a non-empty string"),
    ("str_split range", {"str_split": [",", "a,b", 5]}, "index 5 is out of range for 2 items"),
    ("str_split index", {"str_split": [",", "a,b", "x"]}, "the index must be an integer"),
    ("list_concat shape", {"list_concat": "a"}, "list_concat: must be a list of lists"),
    ("list_concat item", {"list_concat": [["a"], "b"]}, "list_concat: item 1 is not a list"),
    ("contains shape", {"contains": ["a"]}, "contains: must be a list [value, sequence]"),
    ("contains sequence", {"contains": ["a", 5]}, "the second item must be a list or a string"),
    ("filter shape", {"filter": [1]}, "filter: must be a list [values_to_remove, list]"),
    ("make_url key", {"make_url": {"hostname": "x"}}, 'make_url: unknown key "hostname"'),
    ("make_url port", {"make_url": {"host": "x", "port": 99999}}, '"port" must be an integer'),
    ("if shape", {"if": [True]}, "if: must be a list [condition, value_if_true]"),
    ("if condition type", {"if": [[1], 1, 2]}, "the condition must be a condition name"),
    ("if unknown condition", {"if": ["nope", 1, 2]}, 'the condition "nope" is not defined'),
    ("if param not boolean", {"if": [{"get_param": "name"}, 1, 2]}, "not a boolean"),
    (
        "if with str_replace",
        {"if": [{"str_replace": {"template": "", "params": {}}}, 1, 2]},
        "cannot be used in a",
    ),
    ("equals shape", {"if": [{"equals": [1]}, 1, 2]}, "equals: must be a list of two values"),
    ("and shape", {"if": [{"and": [True]}, 1, 2]}, "and: must be a list of at least two conditions"),
    ("or shape", {"if": [{"or": True}, 1, 2]}, "or: must be a list of at least two conditions"),
    ("not shape", {"if": [{"not": [True, False]}, 1, 2]}, "not: takes one condition"),
    ("cfn function", {"Fn::Join": [",", ["a"]]}, '"Fn::Join" is a CloudFormation function'),
    ("Ref", {"Ref": "x"}, '"Ref" is a CloudFormation function'),
]


@pytest.mark.parametrize(("snippet", "message"), [e[1:] for e in ERRORS], ids=[e[0] for e in ERRORS])
def test_function_errors_give_the_path(snippet: Any, message: str) -> None:
    with pytest.raises(EmberError) as err:
        value(snippet)
    assert message in str(err.value)
    if isinstance(err.value, StackValidationFailed) and "Referenced Attribute" not in message:
        assert str(err.value).startswith(PATH), str(err.value)


def test_the_path_names_the_property_and_the_function() -> None:
    with pytest.raises(StackValidationFailed) as err:
        value({"k": [{"str_replace": {"template": "t", "params": "p"}}]})
    assert str(err.value) == f'{PATH}.k[0].str_replace: "params" must be a map'


def test_yaql_is_not_supported() -> None:
    with pytest.raises(NotSupported, match=f"{PATH}.yaql: the yaql function .* is not supported"):
        value({"yaql": {"expression": "1 + 1", "data": {}}})


def test_resource_facade_needs_a_section_and_a_parent() -> None:
    with pytest.raises(
        StackValidationFailed, match=r"should be: resource_facade: \(metadata\|deletion_policy"
    ):
        value({"resource_facade": "properties"})
    with pytest.raises(StackValidationFailed, match="only available in a provider template's nested stack"):
        value({"resource_facade": "metadata"})


def test_get_resource_of_an_unknown_resource() -> None:
    with pytest.raises(InvalidTemplateReference) as err:
        value({"get_resource": "nope"})
    assert str(err.value) == f'The specified reference "nope" (in {PATH}.get_resource) is incorrect.'


GATES: list[tuple[str, str, Any]] = [
    ("digest", "2015-04-30", {"digest": ["md5", "a"]}),
    ("repeat", "2015-04-30", {"repeat": {"for_each": {"X": ["a"]}, "template": "X"}}),
    ("str_split", "2015-10-15", {"str_split": [",", "a"]}),
    ("map_merge", "2016-04-08", {"map_merge": [{}]}),
    ("map_replace", "2016-10-14", {"map_replace": [{}, {}]}),
    ("if", "2016-10-14", {"if": [True, 1, 2]}),
    ("filter", "2017-02-24", {"filter": [[], []]}),
    ("str_replace_strict", "2017-02-24", {"str_replace_strict": {"template": "a", "params": {"a": "b"}}}),
    ("str_replace_vstrict", "2017-09-01", {"str_replace_vstrict": {"template": "a", "params": {"a": "b"}}}),
    ("list_concat", "2017-09-01", {"list_concat": [[1]]}),
    ("list_concat_unique", "2017-09-01", {"list_concat_unique": [[1]]}),
    ("contains", "2017-09-01", {"contains": [1, [1]]}),
    ("make_url", "2017-09-01", {"make_url": {"host": "h"}}),
]
VERSIONS = [
    "2013-05-23",
    "2014-10-16",
    "2015-04-30",
    "2015-10-15",
    "2016-04-08",
    "2016-10-14",
    "2017-02-24",
    "2017-09-01",
    "2018-03-02",
    "2018-08-31",
    "2021-04-16",
]


@pytest.mark.parametrize(("name", "since", "snippet"), GATES, ids=[g[0] for g in GATES])
def test_functions_follow_the_version(name: str, since: str, snippet: Any) -> None:
    for version in VERSIONS:
        if version >= since:
            value(snippet, version=version, parameters={}, attributes={})
        else:
            with pytest.raises(StackValidationFailed) as err:
                value(snippet, version=version, parameters={}, attributes={})
            assert f'the function "{name}" needs heat_template_version {since} or later' in str(err.value)


@pytest.mark.parametrize(
    ("version", "snippet", "expected", "error"),
    [
        ("2015-04-30", {"get_attr": ["server"]}, None, "get_attr: must be a list"),
        ("2015-10-15", {"get_attr": ["server"]}, ATTRIBUTES["server"], None),
        (
            "2015-04-30",
            {"list_join": [",", ["a"], ["b"]]},
            None,
            "list_join: must be a list [delimiter, list]",
        ),
        ("2015-10-15", {"list_join": [",", ["a"], ["b"]]}, "a,b", None),
        ("2015-10-15", {"repeat": {"for_each": {"K": {"x": 1}}, "template": "K"}}, None, "must be a list"),
        ("2016-10-14", {"repeat": {"for_each": {"K": {"x": 1}}, "template": "K"}}, ["x"], None),
        (
            "2017-02-24",
            {"repeat": {"for_each": {"K": ["a"]}, "template": "K", "permutations": False}},
            None,
            'unknown key "permutations"',
        ),
        (
            "2018-08-31",
            {"if": [False, 1]},
            None,
            "if: must be a list [condition, value_if_true, value_if_false]",
        ),
        ("2021-04-16", {"if": [False, 1]}, "<removed>", None),
    ],
)
def test_behaviour_changes_between_versions(
    version: str, snippet: Any, expected: Any, error: str | None
) -> None:
    if error is None:
        assert value(snippet, version=version) == expected
    else:
        with pytest.raises(StackValidationFailed) as err:
            value(snippet, version=version)
        assert error in str(err.value)


def test_functions_inside_function_arguments_resolve_first() -> None:
    snippet = {
        "str_replace": {
            "template": {"list_join": ["-", ["$a", {"get_param": "name"}]]},
            "params": {"$a": {"get_attr": ["server", "first_address"]}},
        }
    }
    assert value(snippet) == "10.0.0.1-web"


def test_resolution_is_lazy_and_repeatable() -> None:
    from .helpers import FakeResolver, load, template, value_resource

    defn = load(template({"t": value_resource({"get_attr": ["s", "a"]}), "s": {"type": "OS::Heat::None"}}))
    first = FakeResolver(defn.parameters, attributes={"s": {"a": 1}})
    second = FakeResolver(defn.parameters, attributes={"s": {"a": 2}})
    assert defn.resources["t"].resolved_properties(first) == {"value": 1}
    assert defn.resources["t"].resolved_properties(second) == {"value": 2}


def test_raw_snippets_are_kept() -> None:
    from .helpers import load, template, value_resource

    raw = {"get_attr": ["s", "a"]}
    defn = load(template({"t": value_resource(raw), "s": {"type": "OS::Heat::None"}}))
    assert defn.resources["t"].properties["value"].raw == raw
    assert defn.resources["t"].raw_properties() == {"value": raw}
    assert json.dumps(defn.resources["t"].raw_properties())


def test_repeat_refuses_to_explode() -> None:
    many = [str(i) for i in range(200)]
    with pytest.raises(StackValidationFailed, match="would make 40000 items"):
        value({"repeat": {"for_each": {"A": many, "B": many}, "template": "A-B"}})


CFN_CASES: list[tuple[str, Any, Any]] = [
    ("Ref parameter", {"Ref": "name"}, "web"),
    ("Ref resource", {"Ref": "server"}, "ref-server"),
    ("Fn::Select list", {"Fn::Select": ["1", ["a", "b"]]}, "b"),
    ("Fn::Select map", {"Fn::Select": ["k", {"k": "v"}]}, "v"),
    ("Fn::Select missing", {"Fn::Select": [5, ["a"]]}, ""),
    ("Fn::Select json text", {"Fn::Select": [0, '["x"]']}, "x"),
    ("Fn::Join", {"Fn::Join": [",", ["a", "b"]]}, "a,b"),
    ("Fn::Split", {"Fn::Split": [",", "a,b"]}, ["a", "b"]),
    ("Fn::Replace", {"Fn::Replace": [{"$x": "1"}, "v=$x"]}, "v=1"),
    ("Fn::Base64", {"Fn::Base64": "plain"}, "plain"),
    (
        "Fn::MemberListToMap",
        {
            "Fn::MemberListToMap": [
                "Name",
                "Value",
                [".member.0.Name=a", ".member.0.Value=1", ".member.1.Name=b"],
            ]
        },
        {"a": "1"},
    ),
]


@pytest.mark.parametrize(("snippet", "expected"), [c[1:] for c in CFN_CASES], ids=[c[0] for c in CFN_CASES])
def test_cloudformation_functions_in_2013_templates(snippet: Any, expected: Any) -> None:
    assert value(snippet, version="2013-05-23") == expected


def test_ref_to_a_resource_is_a_dependency() -> None:
    from .helpers import load, template

    doc = template({"a": {"type": "OS::Heat::None"}, "b": value_resource_ref()}, version="2013-05-23")
    assert load(doc).resources["b"].dependencies() == {"a"}


def value_resource_ref() -> dict[str, Any]:
    return {"type": "OS::Heat::Value", "properties": {"value": {"Ref": "a"}}}


@pytest.mark.parametrize(
    ("version", "name", "ok"),
    [
        ("2014-10-16", "Fn::Select", True),
        ("2015-04-30", "Fn::Select", True),
        ("2015-10-15", "Fn::Select", False),
        ("2014-10-16", "Fn::Join", False),
        ("2014-10-16", "Ref", False),
    ],
)
def test_cloudformation_functions_follow_the_version(version: str, name: str, ok: bool) -> None:
    snippet = {name: [0, ["a"]]} if name == "Fn::Select" else {name: [",", ["a"]]}
    if name == "Ref":
        snippet = {"Ref": "name"}
    if ok:
        value(snippet, version=version)
    else:
        with pytest.raises(StackValidationFailed, match=f"not available in heat_template_version {version}"):
            value(snippet, version=version)


@pytest.mark.parametrize("name", ["Fn::GetAZs"])
def test_cloud_only_cloudformation_functions_are_not_supported(name: str) -> None:
    with pytest.raises(NotSupported, match=f"the {name} function"):
        value({name: ""}, version="2013-05-23")
