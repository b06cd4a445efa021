"""RpcDispatcher in-process: which methods are callable, namespace/version routing, argument binding."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import BaseModel

from shared.context import RequestContext
from shared.exceptions import InvalidRPCArguments, NoSuchMethod, StackExists, UnsupportedVersion
from shared.rpc import RpcDispatcher, Target, expose
from shared.rpc.envelope import encode_json

CTX = RequestContext(user_id="u1", project_id="p1")


class StackSpec(BaseModel):
    name: str
    timeout_mins: int = 60


class Identity(BaseModel):
    stack_id: str
    created: datetime


class MainEndpoint:
    target = Target(version="1.3")

    def __init__(self) -> None:
        self.seen_ctxt: RequestContext | None = None

    @expose
    async def echo(self, ctxt: RequestContext, value: int, note: str = "") -> dict[str, Any]:
        self.seen_ctxt = ctxt
        return {"value": value, "note": note}

    @expose
    def sync_echo(self, ctxt: RequestContext, value: Any) -> Any:
        return value

    @expose
    async def create(self, ctxt: RequestContext, spec: StackSpec, tags: list[str] | None = None) -> Identity:
        assert isinstance(spec, StackSpec)
        return Identity(stack_id=f"{spec.name}-{spec.timeout_mins}", created=datetime(2026, 1, 2, tzinfo=UTC))

    @expose
    async def anything(self, ctxt: RequestContext, first: int, **rest: Any) -> dict[str, Any]:
        return {"first": first, **rest}

    @expose
    async def fail(self, ctxt: RequestContext) -> None:
        raise StackExists(stack_name="web")

    @expose
    def sync_fail(self, ctxt: RequestContext) -> None:
        raise ZeroDivisionError("boom")

    async def not_exposed(self, ctxt: RequestContext) -> str:
        return "secret"

    async def _private(self, ctxt: RequestContext) -> str:
        return "secret"

    def helper(self) -> str:
        return "secret"


class AdminEndpoint:
    target = Target(namespace="admin", version="2.1")

    @expose
    async def echo(self, ctxt: RequestContext, value: int) -> str:
        return f"admin:{value}"

    @expose
    async def only_admin(self, ctxt: RequestContext) -> str:
        return "admin-only"


class OldEndpoint:
    """Serves major version 1 of a method whose version 2 lives on NewEndpoint."""

    target = Target(namespace="multi", version="1.5")

    @expose
    async def ping(self, ctxt: RequestContext) -> str:
        return "v1"


class NewEndpoint:
    target = Target(namespace="multi", version="2.0")

    @expose
    async def ping(self, ctxt: RequestContext) -> str:
        return "v2"


@pytest.fixture
def endpoint() -> MainEndpoint:
    return MainEndpoint()


@pytest.fixture
def dispatcher(endpoint: MainEndpoint) -> RpcDispatcher:
    return RpcDispatcher([endpoint, AdminEndpoint(), OldEndpoint(), NewEndpoint()])


async def _call(
    dispatcher: RpcDispatcher, method: str, namespace: str | None = None, version: str = "1.0", **args: Any
) -> Any:
    return await dispatcher.dispatch(CTX, namespace, version, method, args)


# --- what is callable -------------------------------------------------------------


def test_only_exposed_methods_are_listed(dispatcher: RpcDispatcher) -> None:
    names = dispatcher.method_names()
    assert "echo" in names and "sync_echo" in names and "only_admin" in names
    assert not {"not_exposed", "_private", "helper", "target", "__init__"} & set(names)


@pytest.mark.parametrize(
    "method",
    ["not_exposed", "_private", "helper", "__init__", "__class__", "target", "seen_ctxt", "nope", "__dict__"],
)
async def test_unexposed_private_or_unknown_method_is_no_such_method(
    dispatcher: RpcDispatcher, method: str
) -> None:
    with pytest.raises(NoSuchMethod) as info:
        await _call(dispatcher, method)
    assert method in str(info.value)


def test_expose_refuses_a_private_method() -> None:
    with pytest.raises(ValueError, match="private"):

        @expose
        async def _hidden(ctxt: RequestContext) -> None:
            return None


def test_exposed_private_attribute_set_by_hand_is_still_not_callable() -> None:
    class Sneaky:
        async def _sneaky(self, ctxt: RequestContext) -> str:
            return "secret"

    Sneaky._sneaky.__ember_rpc_exposed__ = True  # type: ignore[attr-defined]
    assert "_sneaky" not in RpcDispatcher([Sneaky()]).method_names()


def test_exposed_method_without_a_context_parameter_is_refused() -> None:
    class NoContext:
        @expose
        def bare(self) -> None:
            return None

    with pytest.raises(TypeError, match="context"):
        RpcDispatcher([NoContext()])


# --- namespace and version --------------------------------------------------------


@pytest.mark.parametrize(
    ("namespace", "version", "method", "expected"),
    [
        (None, "1.0", "echo", {"value": 1, "note": ""}),
        (None, "1.3", "echo", {"value": 1, "note": ""}),
        (None, "1", "echo", {"value": 1, "note": ""}),
        (None, "1.4", "echo", UnsupportedVersion),
        (None, "2.0", "echo", UnsupportedVersion),
        (None, "0.9", "echo", UnsupportedVersion),
        (None, "banana", "echo", UnsupportedVersion),
        (None, "1.2.3", "echo", UnsupportedVersion),
        (None, "", "echo", UnsupportedVersion),
        ("admin", "2.0", "echo", "admin:1"),
        ("admin", "2.1", "echo", "admin:1"),
        ("admin", "2.2", "echo", UnsupportedVersion),
        ("admin", "1.0", "echo", UnsupportedVersion),
        ("admin", "3.0", "echo", UnsupportedVersion),
        ("nobody", "1.0", "echo", NoSuchMethod),
        (None, "1.0", "only_admin", NoSuchMethod),
        ("admin", "2.0", "sync_echo", NoSuchMethod),
        ("multi", "1.2", "ping", "v1"),
        ("multi", "1.5", "ping", "v1"),
        ("multi", "2.0", "ping", "v2"),
        ("multi", "1.6", "ping", UnsupportedVersion),
        ("multi", "2.1", "ping", UnsupportedVersion),
    ],
)
async def test_namespace_and_version_rules(
    dispatcher: RpcDispatcher, namespace: str | None, version: str, method: str, expected: Any
) -> None:
    args: dict[str, Any] = {"value": 1} if method in ("echo", "sync_echo") else {}
    if isinstance(expected, type) and issubclass(expected, Exception):
        with pytest.raises(expected):
            await dispatcher.dispatch(CTX, namespace, version, method, args)
    else:
        assert await dispatcher.dispatch(CTX, namespace, version, method, args) == expected


async def test_unsupported_version_names_the_version_and_method(dispatcher: RpcDispatcher) -> None:
    with pytest.raises(UnsupportedVersion) as info:
        await _call(dispatcher, "echo", version="7.0", value=1)
    assert "7.0" in str(info.value) and "echo" in str(info.value)


def test_endpoint_without_a_target_serves_the_default_namespace_at_1_0() -> None:
    class Plain:
        @expose
        def hello(self, ctxt: RequestContext) -> str:
            return "hi"

    dispatcher = RpcDispatcher([Plain()])
    assert dispatcher.bind(None, "1.0", "hello", {}).kwargs == {}
    with pytest.raises(UnsupportedVersion):
        dispatcher.bind(None, "1.1", "hello", {})


# --- argument binding ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "args", "named"),
    [
        ("echo", {}, "value"),
        ("echo", {"note": "x"}, "value"),
        ("echo", {"value": 1, "bogus": 2}, "bogus"),
        ("echo", {"value": "seven"}, "value"),
        ("echo", {"value": 1, "note": ["not", "text"]}, "note"),
        ("create", {}, "spec"),
        ("create", {"spec": "not an object"}, "spec"),
        ("create", {"spec": {"timeout_mins": 5}}, "spec.name"),
        ("create", {"spec": {"name": "web", "timeout_mins": "soon"}}, "spec.timeout_mins"),
        ("create", {"spec": {"name": "web"}, "tags": "not-a-list"}, "tags"),
        ("anything", {"second": 2}, "first"),
    ],
)
async def test_bad_arguments_are_rejected_naming_the_argument(
    dispatcher: RpcDispatcher, method: str, args: dict[str, Any], named: str
) -> None:
    with pytest.raises(InvalidRPCArguments) as info:
        await dispatcher.dispatch(CTX, None, "1.0", method, args)
    assert named in str(info.value)
    assert method in str(info.value)


async def test_sync_and_async_methods_both_return_their_value(dispatcher: RpcDispatcher) -> None:
    assert await _call(dispatcher, "echo", value=3, note="n") == {"value": 3, "note": "n"}
    assert await _call(dispatcher, "sync_echo", value=[1, {"a": None}]) == [1, {"a": None}]


async def test_endpoint_receives_the_request_context(
    dispatcher: RpcDispatcher, endpoint: MainEndpoint
) -> None:
    await _call(dispatcher, "echo", value=1)
    assert endpoint.seen_ctxt is CTX


async def test_defaults_apply_when_an_argument_is_absent(dispatcher: RpcDispatcher) -> None:
    assert (await _call(dispatcher, "echo", value=1))["note"] == ""


async def test_lax_numeric_text_is_coerced_to_the_annotated_type(dispatcher: RpcDispatcher) -> None:
    assert (await _call(dispatcher, "echo", value="7"))["value"] == 7


async def test_pydantic_argument_is_built_and_pydantic_result_is_serialized(
    dispatcher: RpcDispatcher,
) -> None:
    result = await _call(dispatcher, "create", spec={"name": "web"})
    # The envelope's encoder turns the model into JSON (no copy of the value before).
    assert json.loads(encode_json(result)) == {"stack_id": "web-60", "created": "2026-01-02T00:00:00Z"}


async def test_var_keyword_method_receives_extra_arguments(dispatcher: RpcDispatcher) -> None:
    assert await _call(dispatcher, "anything", first=1, second=2, third="x") == {
        "first": 1,
        "second": 2,
        "third": "x",
    }


async def test_endpoint_errors_propagate_unchanged(dispatcher: RpcDispatcher) -> None:
    with pytest.raises(StackExists):
        await _call(dispatcher, "fail")
    with pytest.raises(ZeroDivisionError):
        await _call(dispatcher, "sync_fail")


def test_bind_checks_arguments_without_running_the_method(dispatcher: RpcDispatcher) -> None:
    bound = dispatcher.bind(None, "1.0", "echo", {"value": "5"})
    assert bound.kwargs == {"value": 5, "note": ""}
