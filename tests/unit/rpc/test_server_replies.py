"""RPCServer's message handling in-process, with a fake transport: what gets replied, and when."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from typing import Any

import pytest

from shared.config import RpcSettings
from shared.context import RequestContext
from shared.exceptions import (
    InvalidRPCArguments,
    MalformedMessage,
    MessageTooLarge,
    StackExists,
    deserialize_failure,
)
from shared.rpc import RPCServer, Target, expose
from shared.rpc.envelope import decode_reply, encode_request
from shared.rpc.transport import Delivery, Unroutable


class FakeConsumer:
    async def cancel(self) -> None:
        return None

    async def close(self) -> None:
        return None


class FakeRaw:
    """Stands in for aio-pika's incoming message: records the ack."""

    def __init__(self) -> None:
        self.processed = False
        self.acked = False
        self.delivery_tag = 1
        self.channel = self  # the AMQP channel the delivery came on

        self.ack_calls: list[dict[str, Any]] = []

    async def basic_ack(self, delivery_tag: int, multiple: bool = False, wait: bool = True) -> None:
        self.acked = True
        self.ack_calls.append({"delivery_tag": delivery_tag, "multiple": multiple, "wait": wait})


class FakeTransport:
    """Records what the server publishes; optionally refuses like a broker with no route,
    or like a connection that is down for the first ``down_for`` publishes."""

    def __init__(self, unroutable: bool = False, down_for: int = 0) -> None:
        self.settings = RpcSettings(max_message_size=4096, rpc_response_timeout=10)
        self.published: list[dict[str, Any]] = []
        self.unroutable = unroutable
        self.down_for = down_for
        self.failed_publishes = 0
        self.disconnected_at: float | None = None
        self.listeners: list[Any] = []

    async def consume_server(self, *args: Any, **kwargs: Any) -> FakeConsumer:
        return FakeConsumer()

    def add_reconnect_listener(self, listener: Any) -> None:
        self.listeners.append(listener)

    def remove_reconnect_listener(self, listener: Any) -> None:
        self.listeners.remove(listener)

    is_closed = False

    async def wait_connected(self, timeout: float) -> bool:
        await asyncio.sleep(0)
        return self.down_for == 0

    async def publish(self, body: bytes, routing_key: str, **kwargs: Any) -> bool:
        if self.unroutable:
            raise Unroutable(routing_key)
        if self.down_for > 0:
            self.down_for -= 1
            self.failed_publishes += 1
            raise ConnectionError("connection is closed")
        self.published.append({"body": body, "routing_key": routing_key, **kwargs})
        return False


class Endpoint:
    target = Target(version="1.1")

    def __init__(self) -> None:
        self.casts: list[str] = []
        self.release = asyncio.Event()

    @expose
    async def wait(self, ctxt: RequestContext) -> str:
        await self.release.wait()
        return "released"

    @expose
    async def echo(self, ctxt: RequestContext, value: int) -> dict[str, Any]:
        return {"value": value, "project": ctxt.project_id}

    @expose
    async def remember(self, ctxt: RequestContext, value: str) -> None:
        self.casts.append(value)

    @expose
    async def fail(self, ctxt: RequestContext) -> None:
        raise StackExists(stack_name="web")

    @expose
    async def explode(self, ctxt: RequestContext) -> None:
        raise ZeroDivisionError("boom")

    @expose
    async def bad_result(self, ctxt: RequestContext) -> Any:
        return object()


CTX = RequestContext(project_id="p1")


def _server(transport: FakeTransport, endpoint: Endpoint | None = None) -> RPCServer:
    return RPCServer(transport, Target(topic="t"), [endpoint or Endpoint()])  # type: ignore[arg-type]


def _call(method: str, raw: FakeRaw | None = None, **args: Any) -> Delivery:
    body = encode_request(method, args, CTX.to_dict(), version="1.0", msg_id="m1", reply_q="reply_ab12")
    return Delivery(body=body, message_id="m1", reply_to="reply_ab12", routing_key="t", _raw=raw)  # type: ignore[arg-type]


async def _deliver(server: RPCServer, delivery: Delivery) -> None:
    """Hand the server a delivery and wait until it has handled it (and replied)."""
    await server._on_delivery(delivery)
    while server._in_flight:
        await asyncio.wait(set(server._in_flight))


async def test_call_is_replied_to_the_reply_queue_on_the_default_exchange() -> None:
    transport = FakeTransport()
    await _deliver(_server(transport), _call("echo", value=3))
    [sent] = transport.published
    assert sent["routing_key"] == "reply_ab12" and sent["exchange"] == "" and sent["message_id"] == "m1"
    reply = decode_reply(sent["body"])
    assert reply.msg_id == "m1" and reply.failure is None and reply.result == {"value": 3, "project": "p1"}


async def test_cast_gets_no_reply() -> None:
    transport, endpoint = FakeTransport(), Endpoint()
    body = encode_request("remember", {"value": "v"}, CTX.to_dict())
    await _deliver(
        _server(transport, endpoint), Delivery(body=body, message_id=None, reply_to=None, routing_key="t")
    )
    assert endpoint.casts == ["v"] and transport.published == []


@pytest.mark.parametrize(
    ("method", "args", "expected"),
    [("fail", {}, StackExists), ("echo", {"value": "x"}, InvalidRPCArguments)],
)
async def test_expected_errors_are_replied_as_their_class(
    method: str, args: dict[str, Any], expected: type
) -> None:
    transport = FakeTransport()
    await _deliver(_server(transport), _call(method, **args))
    failure = decode_reply(transport.published[0]["body"]).failure
    assert failure is not None and type(deserialize_failure(failure)) is expected


async def test_unexpected_error_is_replied_without_a_traceback(caplog: pytest.LogCaptureFixture) -> None:
    transport = FakeTransport()
    with caplog.at_level(logging.ERROR, logger="shared.rpc.server"):
        await _deliver(_server(transport), _call("explode"))
    failure = json.loads(decode_reply(transport.published[0]["body"]).failure or "{}")
    assert failure["class"] == "ZeroDivisionError" and failure["tb"] == []
    assert any(record.exc_info for record in caplog.records)  # the traceback stays in the server's log


async def test_result_that_is_not_json_becomes_a_failure() -> None:
    transport = FakeTransport()
    await _deliver(_server(transport), _call("bad_result"))
    failure = json.loads(decode_reply(transport.published[0]["body"]).failure or "{}")
    assert failure["class"] == "TypeError" and "cannot send" in failure["message"]


async def test_undecodable_call_is_answered_through_its_properties() -> None:
    transport = FakeTransport()
    await _deliver(
        _server(transport), Delivery(body=b"\xffnope", message_id="m9", reply_to="reply_cd", routing_key="t")
    )
    [sent] = transport.published
    assert sent["routing_key"] == "reply_cd"
    assert isinstance(deserialize_failure(decode_reply(sent["body"]).failure or ""), MalformedMessage)


async def test_oversized_call_is_answered_with_message_too_large() -> None:
    transport = FakeTransport()
    await _deliver(_server(transport), _call("echo", value=1, pad="x" * 5000))
    assert isinstance(
        deserialize_failure(decode_reply(transport.published[0]["body"]).failure or ""), MessageTooLarge
    )


async def test_reply_to_a_vanished_reply_queue_is_dropped_with_a_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    server = _server(FakeTransport(unroutable=True))
    with caplog.at_level(logging.WARNING, logger="shared.rpc.server"):
        await _deliver(server, _call("echo", value=1))
    assert any("reply queue no longer exists" in r.getMessage() for r in caplog.records)
    assert not any(r.levelno >= logging.ERROR for r in caplog.records)
    await _deliver(server, _call("echo", value=2))  # and it carries on


async def test_delivery_waiting_for_a_slot_when_stop_begins_is_left_unacked() -> None:
    transport, endpoint = FakeTransport(), Endpoint()
    server = RPCServer(transport, Target(topic="t"), [endpoint], concurrency=1)  # type: ignore[arg-type]
    await server.start()
    running_raw, waiting_raw = FakeRaw(), FakeRaw()
    running = asyncio.create_task(server._on_delivery(_call("wait", raw=running_raw)))
    await asyncio.sleep(0.01)  # holds the only slot
    waiting = asyncio.create_task(server._on_delivery(_call("echo", raw=waiting_raw, value=1)))
    await asyncio.sleep(0.01)
    stopping = asyncio.create_task(server.stop(grace=5))
    await asyncio.sleep(0.01)
    endpoint.release.set()
    await asyncio.wait_for(asyncio.gather(running, waiting, stopping), 5)
    assert running_raw.acked and len(transport.published) == 1  # the running call finished and replied
    assert not waiting_raw.acked  # left for another replica: the broker requeues it when the channel closes


async def test_each_request_is_acked_once_on_receipt_without_waiting_for_the_flush() -> None:
    raw = FakeRaw()
    delivery = _call("echo", raw=raw, value=1)
    transport = FakeTransport()
    await _deliver(_server(transport), delivery)
    await delivery.ack()  # a second ack is a no-op
    assert raw.ack_calls == [{"delivery_tag": 1, "multiple": False, "wait": False}]
    assert len(transport.published) == 1


async def test_reply_waits_for_the_connection_to_come_back_instead_of_being_dropped() -> None:
    transport = FakeTransport(down_for=3)
    await _deliver(_server(transport), _call("echo", value=5))
    assert transport.failed_publishes == 3
    [sent] = transport.published
    assert decode_reply(sent["body"]).result == {"value": 5, "project": "p1"}


async def test_reply_is_given_up_only_after_the_callers_deadline(caplog: pytest.LogCaptureFixture) -> None:
    transport = FakeTransport(down_for=10**9)
    delivery = _call("echo", value=5)
    delivery.expiration = 0.3  # the caller waits 0.3 s
    with caplog.at_level(logging.WARNING, logger="shared.rpc.server"):
        await asyncio.wait_for(_deliver(_server(transport), delivery), 10)
    assert transport.published == [] and transport.failed_publishes > 1
    assert any("before its caller's deadline" in r.getMessage() for r in caplog.records)


async def test_call_delivered_twice_runs_once_and_gets_the_same_reply_again() -> None:
    transport, endpoint = FakeTransport(), Endpoint()
    server = _server(transport, endpoint)
    body = encode_request("remember", {"value": "v"}, CTX.to_dict(), msg_id="m7", reply_q="reply_ab12")
    for _ in range(2):
        await _deliver(server, Delivery(body=body, message_id="m7", reply_to="reply_ab12", routing_key="t"))
    assert endpoint.casts == ["v"]  # ran once
    first, second = transport.published
    assert first["body"] == second["body"] and first["routing_key"] == "reply_ab12"


async def test_a_copy_of_an_answered_call_naming_another_reply_queue_gets_nothing_there() -> None:
    transport = FakeTransport()
    server = _server(transport)
    await _deliver(server, _call("echo", value=1))
    forged = encode_request("echo", {"value": 1}, CTX.to_dict(), msg_id="m1", reply_q="reply_thief")
    await _deliver(server, Delivery(body=forged, message_id="m1", reply_to="reply_thief", routing_key="t"))
    assert [sent["routing_key"] for sent in transport.published] == ["reply_ab12", "reply_ab12"]


async def test_duplicate_of_a_running_call_is_dropped() -> None:
    transport, endpoint = FakeTransport(), Endpoint()
    server = _server(transport, endpoint)
    running = asyncio.create_task(_deliver(server, _call("wait")))
    await asyncio.sleep(0.01)
    await server._on_delivery(_call("wait"))  # same msg_id, while the first runs
    await asyncio.sleep(0.01)
    assert transport.published == [] and len(server._in_flight) == 1
    endpoint.release.set()
    await asyncio.wait_for(running, 5)
    assert len(transport.published) == 1


async def test_reply_sent_unconfirmed_just_before_a_drop_is_sent_again_after_the_reconnect() -> None:
    transport = FakeTransport()
    server = _server(transport)
    await server.start()
    try:
        await _deliver(server, _call("echo", value=1))
        transport.disconnected_at = time.monotonic()
        for listener in transport.listeners:
            listener()
        await asyncio.sleep(0.05)
        first, second = transport.published
        assert first["body"] == second["body"]
    finally:
        await server.stop(grace=1)
