"""Request/reply over the real RabbitMQ: results, errors, versions, deadlines, concurrency."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator

import pytest

from shared.config import RpcSettings
from shared.context import RequestContext
from shared.exceptions import (
    InvalidRPCArguments,
    MessagingTimeout,
    NoRoute,
    NoSuchMethod,
    RemoteError,
    StackExists,
    UnsupportedVersion,
)
from shared.rpc import RPCClient, RPCServer, Target, Transport
from shared.rpc.client import _waiter_for
from tests.integration.rpc.endpoints import EchoEndpoint, OtherNamespaceEndpoint

CTX = RequestContext(user_id="u1", project_id="p1")


@pytest.fixture(scope="module")
async def transport(rpc_settings: RpcSettings) -> AsyncIterator[Transport]:
    """This module's own connection: its tests count the calls pending on it, and the session's
    transport also carries the in-process engines' background calls (heartbeats, stale checks)."""
    own = await Transport.connect(rpc_settings)
    yield own
    await own.close()


@pytest.fixture
async def endpoint() -> EchoEndpoint:
    return EchoEndpoint()


@pytest.fixture
async def server(transport: Transport, unique_topic: str, endpoint: EchoEndpoint) -> AsyncIterator[RPCServer]:
    server = RPCServer(
        transport,
        Target(topic=unique_topic, server="srv1"),
        [endpoint, OtherNamespaceEndpoint()],
        concurrency=8,
    )
    await server.start()
    yield server
    await server.stop(grace=1)


@pytest.fixture
def client(transport: Transport, unique_topic: str, server: RPCServer) -> RPCClient:
    return RPCClient(transport, Target(topic=unique_topic, version="1.2"), timeout=5)


async def test_call_returns_result_and_carries_context(client: RPCClient) -> None:
    result = await client.call(CTX, "echo", value=7, note="hi")
    assert result == {"value": 7, "note": "hi", "project": "p1", "request_id": CTX.request_id}


async def test_sync_endpoint_method_is_callable(client: RPCClient) -> None:
    assert await client.call(CTX, "sync_echo", value=[1, {"a": None}]) == [1, {"a": None}]


async def test_ember_error_is_reraised_as_same_class(client: RPCClient) -> None:
    with pytest.raises(StackExists) as info:
        await client.call(CTX, "fail_expected", name="web")
    assert str(info.value) == "The Stack (web) already exists."
    assert info.value.kwargs == {"stack_name": "web"}
    assert info.value.http_status == 409


async def test_unexpected_error_becomes_remote_error(client: RPCClient) -> None:
    with pytest.raises(RemoteError) as info:
        await client.call(CTX, "fail_unexpected")
    assert info.value.exc_type == "ZeroDivisionError"
    assert "division by zero" in info.value.value


async def test_unserializable_result_is_a_failure_not_a_hang(client: RPCClient) -> None:
    with pytest.raises(RemoteError):
        await client.call(CTX, "return_unserializable")


@pytest.mark.parametrize("method", ["nope", "not_exposed", "_private", "__init__", "target"])
async def test_unknown_unexposed_or_private_method_is_no_such_method(client: RPCClient, method: str) -> None:
    with pytest.raises(NoSuchMethod):
        await client.call(CTX, method)


@pytest.mark.parametrize("version", ["2.0", "1.4", "0.9", "banana"])
async def test_incompatible_version_is_unsupported(client: RPCClient, version: str) -> None:
    with pytest.raises(UnsupportedVersion):
        await client.prepare(version=version).call(CTX, "echo", value=1)


async def test_lower_minor_version_is_served(client: RPCClient) -> None:
    assert (await client.prepare(version="1.0").call(CTX, "echo", value=1))["value"] == 1


async def test_namespace_selects_the_endpoint(client: RPCClient) -> None:
    admin = client.prepare(namespace="admin", version="2.0")
    assert await admin.call(CTX, "echo", value=3) == "admin:3"
    with pytest.raises(NoSuchMethod):
        await admin.call(CTX, "sleep", seconds=0)


@pytest.mark.parametrize(
    ("kwargs", "named"),
    [({}, "value"), ({"value": 1, "bogus": 2}, "bogus"), ({"value": "seven"}, "value")],
)
async def test_bad_arguments_name_the_argument(
    client: RPCClient, kwargs: dict[str, object], named: str
) -> None:
    with pytest.raises(InvalidRPCArguments) as info:
        await client.call(CTX, "echo", **kwargs)
    assert named in str(info.value)


async def test_call_to_a_topic_with_no_queue_fails_at_once_with_no_route(transport: Transport) -> None:
    client = RPCClient(transport, Target(topic="nobody-listens-here"), timeout=30)
    loop = asyncio.get_running_loop()
    started = loop.time()
    with pytest.raises(NoRoute):
        await client.call(CTX, "echo", value=1)
    assert loop.time() - started < 10  # far below the 30 s timeout


async def test_call_times_out_when_no_server_consumes(transport: Transport, unique_topic: str) -> None:
    server = RPCServer(transport, Target(topic=unique_topic), [EchoEndpoint()])
    await server.start()
    await server.stop(grace=0)  # the queue stays, nobody consumes it
    client = RPCClient(transport, Target(topic=unique_topic), timeout=0.5)
    with pytest.raises(MessagingTimeout):
        await client.call(CTX, "echo", value=1)
    assert _waiter_for(transport).pending_count == 0


async def test_late_reply_is_dropped(
    client: RPCClient, transport: Transport, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="shared.rpc.client")
    with pytest.raises(MessagingTimeout):
        await client.prepare(timeout=0.2).call(CTX, "sleep", seconds=0.6)
    await asyncio.sleep(0.8)
    assert _waiter_for(transport).pending_count == 0
    assert any("dropping reply" in r.message for r in caplog.records)
    assert (await client.call(CTX, "echo", value=2))["value"] == 2


async def test_cast_is_delivered(client: RPCClient, endpoint: EchoEndpoint) -> None:
    assert await client.cast(CTX, "remember", value="hello") is None
    await asyncio.wait_for(endpoint.cast_event.wait(), 5)
    assert endpoint.casts == ["hello"]


async def test_call_to_one_server_by_name(client: RPCClient) -> None:
    assert (await client.prepare(server="srv1").call(CTX, "echo", value=5))["value"] == 5
    with pytest.raises(NoRoute):
        await client.prepare(server="srv-absent").call(CTX, "echo", value=5)


async def test_fanout_cast_reaches_every_server(transport: Transport, unique_topic: str) -> None:
    endpoints = [EchoEndpoint(), EchoEndpoint()]
    servers = [
        RPCServer(transport, Target(topic=unique_topic, server=f"s{i}"), [ep])
        for i, ep in enumerate(endpoints)
    ]
    for server in servers:
        await server.start()
    try:
        await RPCClient(transport, Target(topic=unique_topic, fanout=True)).cast(CTX, "remember", value="all")
        await asyncio.wait_for(asyncio.gather(*(ep.cast_event.wait() for ep in endpoints)), 5)
        assert [ep.casts for ep in endpoints] == [["all"], ["all"]]
    finally:
        for server in servers:
            await server.stop(grace=1)


async def test_slow_handler_does_not_block_others(client: RPCClient, endpoint: EchoEndpoint) -> None:
    endpoint.release.clear()
    blocked = asyncio.create_task(client.call(CTX, "wait_released"))
    await asyncio.sleep(0.1)
    for i in range(5):
        assert (await client.call(CTX, "echo", value=i))["value"] == i
    assert not blocked.done()
    endpoint.release.set()
    assert await blocked >= 1


async def test_concurrency_is_bounded(client: RPCClient, endpoint: EchoEndpoint) -> None:
    endpoint.release.clear()
    calls = [asyncio.create_task(client.call(CTX, "wait_released")) for _ in range(20)]
    await asyncio.sleep(0.5)
    assert endpoint.running == 8  # the server's concurrency
    endpoint.release.set()
    await asyncio.gather(*calls)
    assert endpoint.max_running == 8


async def test_stop_finishes_and_replies_in_flight_requests(transport: Transport, unique_topic: str) -> None:
    server = RPCServer(transport, Target(topic=unique_topic), [EchoEndpoint()])
    await server.start()
    client = RPCClient(transport, Target(topic=unique_topic), timeout=5)
    call = asyncio.create_task(client.call(CTX, "sleep", seconds=0.5))
    await asyncio.sleep(0.2)
    await server.stop(grace=5)
    assert await call == 0.5


async def test_many_concurrent_calls_all_answered(client: RPCClient) -> None:
    results = await asyncio.gather(*(client.call(CTX, "echo", value=i) for i in range(200)))
    assert [r["value"] for r in results] == list(range(200))


async def test_request_id_is_in_server_log_lines(client: RPCClient, caplog: pytest.LogCaptureFixture) -> None:
    from shared.log import RequestIdFilter

    caplog.handler.addFilter(RequestIdFilter())
    caplog.set_level(logging.DEBUG, logger="shared.rpc.server")
    ctxt = RequestContext(project_id="p1")
    await client.call(ctxt, "echo", value=1)
    dispatch = [r for r in caplog.records if "dispatch echo" in r.getMessage()]
    assert dispatch and dispatch[0].request_id == ctxt.request_id  # type: ignore[attr-defined]
    assert "args=['value']" in dispatch[0].getMessage() and "version=1.2" in dispatch[0].getMessage()


async def test_the_broker_counts_a_topics_consumers(transport: Transport, unique_topic: str) -> None:
    assert await transport.consumer_count(unique_topic) is None  # no such queue
    server = RPCServer(transport, Target(topic=unique_topic), [EchoEndpoint()])
    await server.start()
    try:
        assert await transport.consumer_count(unique_topic) == 1
    finally:
        await server.stop(grace=1)
    assert await transport.consumer_count(unique_topic) == 0  # the queue outlives its server
    assert transport.is_connected  # the probes' closed channels left the connection alone
