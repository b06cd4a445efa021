"""Errors across the wire: every EmberError comes back as itself; anything else as RemoteError."""

from __future__ import annotations

import inspect
import json
import string
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shared import exceptions
from shared.exceptions import (
    EmberError,
    MessageTooLarge,
    RemoteError,
    StackExists,
    StackValidationFailed,
    deserialize_failure,
    serialize_failure,
)

EMBER_ERRORS = sorted(
    (
        cls
        for _, cls in inspect.getmembers(exceptions, inspect.isclass)
        if issubclass(cls, EmberError) and cls.__module__ == exceptions.__name__
    ),
    key=lambda cls: cls.__name__,
)


def _example(cls: type[EmberError]) -> EmberError:
    """An instance with every field of the class's message template filled."""
    fields = {name for _, name, _, _ in string.Formatter().parse(cls.msg_fmt) if name}
    kwargs: dict[str, Any] = {name: f"<{name}>" for name in fields if name != "message"}
    if cls is MessageTooLarge:
        kwargs = {"size": 20_000_000, "limit": 16_777_216}
    if "message" in fields:
        return cls(f"explicit message for {cls.__name__}", **kwargs)
    return cls(**kwargs)


def test_the_tree_is_discovered() -> None:
    assert len(EMBER_ERRORS) > 30
    assert StackExists in EMBER_ERRORS and RemoteError in EMBER_ERRORS


@pytest.mark.parametrize("cls", EMBER_ERRORS, ids=lambda cls: cls.__name__)
def test_every_ember_error_round_trips_as_the_same_class(cls: type[EmberError]) -> None:
    original = _example(cls)
    assert "{" not in original.message, "the example should fill the whole template"
    wire = serialize_failure(original)
    data = json.loads(wire)
    assert data["class"] == cls.__name__
    assert data["module"] == "shared.exceptions"
    assert data["message"] == original.message
    assert data["tb"] == [] and data["args"] == []

    rebuilt = deserialize_failure(wire)
    assert type(rebuilt) is cls
    assert str(rebuilt) == original.message
    assert rebuilt.message == original.message
    assert rebuilt.kwargs == original.kwargs
    assert rebuilt.http_status == original.http_status
    assert rebuilt.args == (original.message,)


@pytest.mark.parametrize("cls", EMBER_ERRORS, ids=lambda cls: cls.__name__)
def test_every_ember_error_round_trips_even_without_kwargs(cls: type[EmberError]) -> None:
    if cls is RemoteError:
        pytest.skip("RemoteError's positional arguments are (exc_type, value)")
    original = cls("a message written by hand")
    rebuilt = deserialize_failure(serialize_failure(original))
    assert type(rebuilt) is cls and str(rebuilt) == "a message written by hand"


def test_attributes_come_back_too() -> None:
    rebuilt = deserialize_failure(serialize_failure(StackExists(stack_name="web")))
    assert isinstance(rebuilt, StackExists)
    assert rebuilt.kwargs == {"stack_name": "web"}
    assert rebuilt.http_status == 409

    remote = deserialize_failure(serialize_failure(RemoteError("KeyError", "'k'")))
    assert isinstance(remote, RemoteError) and (remote.exc_type, remote.value) == ("KeyError", "'k'")


def test_validation_failure_with_path_round_trips() -> None:
    original = StackValidationFailed(path="resources.web.properties", reason="bad value")
    rebuilt = deserialize_failure(serialize_failure(original))
    assert type(rebuilt) is StackValidationFailed
    assert str(rebuilt) == "resources.web.properties: bad value"


def test_kwargs_that_are_not_json_are_sent_as_text() -> None:
    class Thing:
        def __str__(self) -> str:
            return "a-thing"

    wire = serialize_failure(StackExists(stack_name=Thing()))
    assert json.loads(wire)["kwargs"] == {"stack_name": "a-thing"}
    assert deserialize_failure(wire).kwargs == {"stack_name": "a-thing"}


def test_foreign_exception_becomes_remote_error() -> None:
    wire = serialize_failure(KeyError("no such key"), tb=["Traceback ...\n"])
    data = json.loads(wire)
    assert (data["class"], data["module"]) == ("KeyError", "builtins")
    assert data["tb"] == ["Traceback ...\n"] and data["args"] == ["no such key"]
    rebuilt = deserialize_failure(wire)
    assert type(rebuilt) is RemoteError
    assert rebuilt.exc_type == "KeyError" and "no such key" in rebuilt.value


@pytest.mark.parametrize(
    "failure",
    [
        {
            "class": "StackExists",
            "module": "heat.common.exception",
            "message": "m",
        },  # same name, other module
        {"class": "StackExists_Remote", "module": "shared.exceptions", "message": "m"},
        {"class": "RequestContext", "module": "shared.exceptions", "message": "m"},
        {"class": "ClassVar", "module": "shared.exceptions", "message": "m"},
        {"class": "Exception", "module": "shared.exceptions", "message": "m"},
        {"class": "__class__", "module": "shared.exceptions", "message": "m"},
        {"class": "json", "module": "shared.exceptions", "message": "m"},
        {
            "class": "StackExists",
            "module": "shared.exceptions",
            "message": "m",
            "kwargs": ["not", "a", "dict"],
        },
        {"class": "StackExists", "module": "shared.exceptions", "message": "m", "kwargs": "text"},
    ],
)
def test_unknown_foreign_or_odd_failures_become_remote_error(failure: dict[str, Any]) -> None:
    for data in (json.dumps(failure), failure):
        rebuilt = deserialize_failure(data)
        assert type(rebuilt) is RemoteError
        assert rebuilt.exc_type == failure["class"] and rebuilt.value == "m"


def test_failure_from_an_oslo_server_becomes_remote_error() -> None:
    oslo_failure = {
        "class": "MessagingTimeout",
        "module": "oslo_messaging.exceptions",
        "message": "Timed out",
        "tb": ["Traceback (most recent call last):\n"],
        "args": ["Timed out"],
        "kwargs": {},
    }
    rebuilt = deserialize_failure(json.dumps(oslo_failure))
    assert type(rebuilt) is RemoteError and rebuilt.exc_type == "MessagingTimeout"


def test_kwargs_the_class_does_not_accept_still_rebuild_the_class() -> None:
    data = {
        "class": "RemoteError",
        "module": "shared.exceptions",
        "message": "m",
        "kwargs": {"exc_type": 1, "x": 2},
    }
    rebuilt = deserialize_failure(json.dumps(data))
    assert type(rebuilt) is RemoteError and str(rebuilt) == "m"


@pytest.mark.parametrize(
    "garbage",
    ["", "not json", "[]", "null", "42", '"text"', "{", "[" * 100_000 + "]" * 100_000, '{"class": 5}', "{}"],
)
def test_garbage_failure_is_remote_error_never_a_crash(garbage: str) -> None:
    assert isinstance(deserialize_failure(garbage), RemoteError)


@settings(max_examples=200)
@given(st.text(max_size=300))
def test_deserialize_failure_on_arbitrary_text_returns_an_error(text: str) -> None:
    assert isinstance(deserialize_failure(text), EmberError)


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=10,
)


@settings(max_examples=200)
@given(
    st.fixed_dictionaries(
        {},
        optional={
            "class": st.sampled_from([cls.__name__ for cls in EMBER_ERRORS]) | JSON,
            "module": st.just("shared.exceptions") | JSON,
            "message": JSON,
            "kwargs": st.dictionaries(st.text(max_size=10), JSON, max_size=4) | JSON,
            "args": JSON,
            "tb": JSON,
        },
    )
)
def test_deserialize_failure_on_arbitrary_objects_returns_an_error(failure: dict[str, Any]) -> None:
    assert isinstance(deserialize_failure(json.dumps(failure)), EmberError)


def test_template_that_cannot_be_filled_keeps_the_arguments() -> None:
    error = StackExists(wrong="x")
    assert "x" in str(error) and error.kwargs == {"wrong": "x"}


def test_error_type_prefers_the_heat_name() -> None:
    assert exceptions.StackNotFound(name="s").error_type == "EntityNotFound"
    assert StackExists(stack_name="s").error_type == "StackExists"
