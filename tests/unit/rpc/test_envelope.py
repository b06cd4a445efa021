"""The wire format in-process: round trips, and every malformed message refused with a clear reason."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shared.exceptions import MalformedMessage
from shared.rpc.envelope import (
    decode_reply,
    decode_request,
    encode_json,
    encode_reply,
    encode_request,
)
from shared.rpc.transport import Delivery

CONTEXT = {"user_id": "u1", "project_id": "p1", "roles": ["member"], "request_id": "req-1"}


def _outer(body: bytes) -> dict[str, Any]:
    outer = json.loads(body)
    assert set(outer) == {"oslo.version", "oslo.message"}
    assert outer["oslo.version"] == "2.0"
    assert isinstance(outer["oslo.message"], str)
    return outer


def _inner(body: bytes) -> dict[str, Any]:
    inner: dict[str, Any] = json.loads(_outer(body)["oslo.message"])
    return inner


def _wrapped(inner: Any) -> bytes:
    return json.dumps({"oslo.version": "2.0", "oslo.message": json.dumps(inner)}).encode()


# --- requests -----------------------------------------------------------------------


def test_call_round_trip() -> None:
    body = encode_request(
        "create_stack",
        {"stack_name": "web", "params": {"n": 1}},
        CONTEXT,
        namespace="engine",
        version="1.36",
        msg_id="abc123",
        reply_q="reply_0123",
    )
    request = decode_request(body)
    assert request.method == "create_stack"
    assert request.args == {"stack_name": "web", "params": {"n": 1}}
    assert request.context == CONTEXT
    assert request.namespace == "engine"
    assert request.version == "1.36"
    assert request.msg_id == "abc123"
    assert request.reply_q == "reply_0123"
    assert request.timeout is None
    assert request.is_call
    assert request.unique_id is not None and len(request.unique_id) == 32


def test_call_inner_keys_follow_oslo() -> None:
    inner = _inner(
        encode_request("m", {"a": 1}, {"user_id": "u1"}, version="1.0", msg_id="x", reply_q="reply_q1")
    )
    assert inner == {
        "method": "m",
        "args": {"a": 1},
        "version": "1.0",
        "_context_user_id": "u1",
        "_msg_id": "x",
        "_reply_q": "reply_q1",
        "_timeout": None,
        "_unique_id": inner["_unique_id"],
    }


def test_cast_has_no_reply_fields() -> None:
    body = encode_request("remember", {"value": "v"}, CONTEXT)
    inner = _inner(body)
    assert not {"_msg_id", "_reply_q", "_timeout", "namespace", "version"} & set(inner)
    request = decode_request(body)
    assert not request.is_call
    assert request.version == "1.0" and request.namespace is None


def test_each_message_gets_a_fresh_unique_id() -> None:
    ids = {decode_request(encode_request("m", {}, {})).unique_id for _ in range(20)}
    assert len(ids) == 20


def test_non_ascii_text_survives() -> None:
    request = decode_request(encode_request("m", {"name": "pile-de-tâches ☃ 日本"}, {"user_name": "zoë"}))
    assert request.args["name"] == "pile-de-tâches ☃ 日本"
    assert request.context["user_name"] == "zoë"


def test_unwrapped_message_is_accepted_as_oslo_does() -> None:
    body = json.dumps({"method": "m", "args": {"a": 1}, "_context_user_id": "u1"}).encode()
    request = decode_request(body)
    assert (request.method, request.args, request.context) == ("m", {"a": 1}, {"user_id": "u1"})


def test_null_args_mean_no_arguments() -> None:
    assert decode_request(_wrapped({"method": "m", "args": None})).args == {}
    assert decode_request(_wrapped({"method": "m"})).args == {}


def test_odd_optional_fields_are_tolerated() -> None:
    request = decode_request(_wrapped({"method": "m", "_timeout": "soon", "_unique_id": 7}))
    assert request.timeout is None and request.unique_id is None
    assert decode_request(_wrapped({"method": "m", "_timeout": 30})).timeout == 30


def _deep(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"", "not JSON"),
        (b"\xff\xfe\x00garbage", "not JSON"),
        (b"not json at all", "not JSON"),
        (b'{"method": "m"', "not JSON"),
        (b"[1, 2, 3]", "not a JSON object"),
        (b'"just a string"', "not a JSON object"),
        (b"null", "not a JSON object"),
        (json.dumps({"oslo.version": "9.9", "oslo.message": "{}"}).encode(), "envelope version"),
        (json.dumps({"oslo.version": None, "oslo.message": "{}"}).encode(), "envelope version"),
        (json.dumps({"oslo.version": "2.0"}).encode(), '"oslo.message"'),
        (json.dumps({"oslo.version": "2.0", "oslo.message": 42}).encode(), '"oslo.message"'),
        (json.dumps({"oslo.version": "2.0", "oslo.message": {"method": "m"}}).encode(), '"oslo.message"'),
        (json.dumps({"oslo.version": "2.0", "oslo.message": "{nope"}).encode(), '"oslo.message" is not JSON'),
        (json.dumps({"oslo.version": "2.0", "oslo.message": "[1]"}).encode(), "not a JSON object"),
        (_wrapped({"args": {}}), '"method"'),
        (_wrapped({"method": ""}), '"method"'),
        (_wrapped({"method": 5}), '"method"'),
        (_wrapped({"method": ["m"]}), '"method"'),
        (_wrapped({"method": "m", "args": [1, 2]}), '"args"'),
        (_wrapped({"method": "m", "args": "a=1"}), '"args"'),
        (_wrapped({"method": "m", "namespace": 3}), '"namespace"'),
        (_wrapped({"method": "m", "version": 1.2}), '"version"'),
        (_wrapped({"method": "m", "version": None}), '"version"'),
        (_wrapped({"method": "m", "_msg_id": 12, "_reply_q": "reply_x"}), '"_msg_id"'),
        (_wrapped({"method": "m", "_msg_id": "x", "_reply_q": ["reply_x"]}), '"_reply_q"'),
        (_deep(100_000), "not JSON"),
        (json.dumps({"oslo.version": "2.0", "oslo.message": _deep(100_000).decode()}).encode(), "not JSON"),
        (b'{"method": "m", "args": {"n": ' + b"9" * 5000 + b"}}", "not JSON"),
    ],
)
def test_malformed_request_raises_with_a_clear_reason(body: bytes, reason: str) -> None:
    with pytest.raises(MalformedMessage) as info:
        decode_request(body)
    assert reason in str(info.value)
    assert str(info.value).startswith("Malformed RPC message: ")


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=2048))
def test_decode_request_on_arbitrary_bytes_only_raises_malformed_message(body: bytes) -> None:
    try:
        decode_request(body)
    except MalformedMessage:
        pass


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=12,
)
REQUEST_KEYS = st.sampled_from(
    [
        "method",
        "args",
        "namespace",
        "version",
        "_msg_id",
        "_reply_q",
        "_timeout",
        "_unique_id",
        "_context_user_id",
    ]
)


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(REQUEST_KEYS | st.text(max_size=12), JSON_VALUES, max_size=8), st.booleans())
def test_decode_request_on_arbitrary_json_only_raises_malformed_message(
    inner: dict[str, Any], wrap: bool
) -> None:
    body = _wrapped(inner) if wrap else json.dumps(inner).encode()
    try:
        request = decode_request(body)
    except MalformedMessage:
        return
    assert isinstance(request.method, str) and request.method
    assert isinstance(request.args, dict) and isinstance(request.context, dict)
    assert isinstance(request.version, str)


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=1024))
def test_decode_reply_on_arbitrary_bytes_only_raises_malformed_message(body: bytes) -> None:
    try:
        decode_reply(body)
    except MalformedMessage:
        pass


# --- replies ------------------------------------------------------------------------


def test_reply_round_trip_with_result() -> None:
    body = encode_reply("m1", {"stack_id": "s1", "n": [1, 2]})
    inner = _inner(body)
    assert inner["result"] == {"stack_id": "s1", "n": [1, 2]}
    assert inner["failure"] is None and inner["ending"] is True and inner["_msg_id"] == "m1"
    assert len(inner["_unique_id"]) == 32
    reply = decode_reply(body)
    assert (reply.msg_id, reply.result, reply.failure, reply.ending) == (
        "m1",
        {"stack_id": "s1", "n": [1, 2]},
        None,
        True,
    )


def test_reply_round_trip_with_failure() -> None:
    failure = json.dumps({"class": "StackExists", "module": "shared.exceptions", "message": "x"})
    reply = decode_reply(encode_reply("m1", failure=failure))
    assert reply.failure == failure and reply.result is None


def test_reply_failure_sent_as_an_object_is_turned_into_text() -> None:
    reply = decode_reply(_wrapped({"_msg_id": "m1", "failure": {"class": "KeyError", "message": "k"}}))
    assert reply.failure is not None and json.loads(reply.failure)["class"] == "KeyError"


def test_reply_without_ending_defaults_to_ending() -> None:
    assert decode_reply(_wrapped({"_msg_id": "m1", "result": 1})).ending is True
    assert decode_reply(_wrapped({"_msg_id": "m1", "result": 1, "ending": False})).ending is False


@pytest.mark.parametrize(
    "body",
    [b"garbage", b"[]", _wrapped({"result": 1}), _wrapped({"_msg_id": 5, "result": 1}), _deep(100_000)],
)
def test_malformed_reply_raises_malformed_message(body: bytes) -> None:
    with pytest.raises(MalformedMessage):
        decode_reply(body)


def test_encode_json_refuses_what_json_cannot_carry() -> None:
    assert encode_json({"a": [1, "é"]}) == '{"a":[1,"é"]}'.encode()
    with pytest.raises(TypeError):
        encode_json({"a": object()})


# --- finding the reply address of a message that cannot be decoded --------------------


def test_reply_address_comes_from_the_properties_when_present() -> None:
    delivery = Delivery(body=b"\xff garbage", message_id="m1", reply_to="reply_abc", routing_key="t")
    assert delivery.sniff_reply_address() == ("m1", "reply_abc")


def test_reply_address_is_found_in_a_wrapped_body() -> None:
    body = encode_request("m", {"a": "x" * 100}, {}, msg_id="0123abcd", reply_q="reply_00ff")
    delivery = Delivery(
        body=body[:-5], message_id=None, reply_to=None, routing_key="t"
    )  # truncated: not JSON
    assert delivery.sniff_reply_address() == ("0123abcd", "reply_00ff")


def test_no_reply_address_in_a_cast_or_garbage() -> None:
    for body in (encode_request("m", {}, {}), b"garbage", b""):
        assert Delivery(body=body, message_id=None, reply_to=None, routing_key="t").sniff_reply_address() == (
            None,
            None,
        )
