"""After the broker drops connections or restarts, servers consume and clients call again.

Closing connections targets only this test's own (by connection name), so
tests running beside it are untouched. The broker restart affects every
client of the broker and runs only when EMBER_TEST_BROKER_RESTART=1 (CI).
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import time
import uuid
from collections.abc import AsyncIterator, Callable

import pytest

from shared.config import RpcSettings
from shared.context import RequestContext
from shared.rpc import RPCClient, RPCServer, Target, Transport
from tests.integration.rpc.endpoints import EchoEndpoint

CTX = RequestContext(project_id="p1")
pytestmark = pytest.mark.slow


def _close_connections_named(name: str) -> int:
    listing = subprocess.run(
        ["rabbitmqctl", "list_connections", "-q", "pid", "client_properties"],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    ).stdout
    pids = [line.split("\t", 1)[0] for line in listing.splitlines() if name in line]
    for pid in pids:
        subprocess.run(
            ["rabbitmqctl", "close_connection", pid, "ember test"],
            capture_output=True,
            timeout=30,
            check=True,
        )
    return len(pids)


@pytest.fixture
async def named_transports(rpc_settings: RpcSettings) -> AsyncIterator[tuple[str, Transport, Transport]]:
    name = f"ember-reconnect-{uuid.uuid4().hex[:8]}"
    url = rpc_settings.transport_url.rstrip("/") + f"/?name={name}"
    settings = rpc_settings.model_copy(update={"transport_url": url})
    server_transport = await Transport.connect(settings)
    client_transport = await Transport.connect(settings)
    yield name, server_transport, client_transport
    await client_transport.close()
    await server_transport.close()


@pytest.fixture
async def split_transports(rpc_settings: RpcSettings) -> AsyncIterator[tuple[str, Transport, str, Transport]]:
    """A server and a client transport under different connection names, to drop one alone."""
    names = [f"ember-reconnect-{role}-{uuid.uuid4().hex[:8]}" for role in ("server", "client")]
    transports = []
    for name in names:
        url = rpc_settings.transport_url.rstrip("/") + f"/?name={name}"
        transports.append(await Transport.connect(rpc_settings.model_copy(update={"transport_url": url})))
    yield names[0], transports[0], names[1], transports[1]
    for transport in transports:
        await transport.close()


async def _wait_until(predicate: Callable[[], bool], timeout: float = 10) -> None:
    for _ in range(int(timeout * 100)):
        if predicate():
            return
        await asyncio.sleep(0.01)


async def _wait_disconnected(transport: Transport) -> None:
    await _wait_until(lambda: not transport.is_connected)


async def _call_until_ok(client: RPCClient, deadline: float) -> dict[str, object]:
    while True:
        try:
            return await client.call(CTX, "echo", value=9)  # type: ignore[no-any-return]
        except Exception:
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.5)


async def test_server_and_client_resume_after_connections_are_closed(
    named_transports: tuple[str, Transport, Transport], unique_topic: str
) -> None:
    name, server_transport, client_transport = named_transports
    server = RPCServer(server_transport, Target(topic=unique_topic), [EchoEndpoint()])
    await server.start()
    client = RPCClient(client_transport, Target(topic=unique_topic), timeout=5)
    try:
        assert (await client.call(CTX, "echo", value=1))["value"] == 1
        assert await asyncio.to_thread(_close_connections_named, name) >= 2
        await asyncio.sleep(0.5)
        result = await _call_until_ok(client, time.monotonic() + 30)
        assert result["value"] == 9
    finally:
        await server.stop(grace=1)


async def test_reply_finished_while_the_servers_connection_is_down_is_sent_when_it_is_back(
    split_transports: tuple[str, Transport, str, Transport], unique_topic: str
) -> None:
    server_name, server_transport, _client_name, client_transport = split_transports
    endpoint = EchoEndpoint()
    server = RPCServer(server_transport, Target(topic=unique_topic), [endpoint])
    await server.start()
    client = RPCClient(client_transport, Target(topic=unique_topic), timeout=30)
    try:
        endpoint.release.clear()
        call = asyncio.create_task(client.call(CTX, "wait_released"))
        await _wait_until(lambda: endpoint.running > 0)
        assert endpoint.running == 1
        assert await asyncio.to_thread(_close_connections_named, server_name) == 1
        await _wait_disconnected(server_transport)
        endpoint.release.set()  # the reply is ready while the server has no connection
        assert await asyncio.wait_for(call, 30) == 1
    finally:
        await server.stop(grace=1)


async def test_calls_made_while_the_clients_connection_is_down_are_answered(
    split_transports: tuple[str, Transport, str, Transport], unique_topic: str
) -> None:
    _server_name, server_transport, client_name, client_transport = split_transports
    server = RPCServer(server_transport, Target(topic=unique_topic), [EchoEndpoint()])
    await server.start()
    client = RPCClient(client_transport, Target(topic=unique_topic), timeout=30)
    try:
        assert (await client.call(CTX, "echo", value=1))["value"] == 1
        assert await asyncio.to_thread(_close_connections_named, client_name) == 1
        await _wait_disconnected(client_transport)
        calls = [asyncio.create_task(client.call(CTX, "echo", value=i)) for i in range(20)]
        results = await asyncio.wait_for(asyncio.gather(*calls), 30)
        assert [r["value"] for r in results] == list(range(20))
    finally:
        await server.stop(grace=1)


async def test_calls_in_flight_when_both_connections_drop_are_all_answered(
    split_transports: tuple[str, Transport, str, Transport], unique_topic: str
) -> None:
    server_name, server_transport, client_name, client_transport = split_transports
    server = RPCServer(server_transport, Target(topic=unique_topic), [EchoEndpoint()])
    await server.start()
    client = RPCClient(client_transport, Target(topic=unique_topic), timeout=30)
    try:
        calls = [asyncio.create_task(client.call(CTX, "sleep", seconds=0.5)) for _ in range(30)]
        await asyncio.sleep(0.1)
        await asyncio.to_thread(_close_connections_named, server_name)
        await asyncio.to_thread(_close_connections_named, client_name)
        results = await asyncio.wait_for(asyncio.gather(*calls), 40)
        assert results == [0.5] * 30
    finally:
        await server.stop(grace=1)


@pytest.mark.skipif(
    os.environ.get("EMBER_TEST_BROKER_RESTART") != "1", reason="restarts the broker (CI only)"
)
async def test_server_and_client_resume_after_broker_restart(
    named_transports: tuple[str, Transport, Transport], unique_topic: str
) -> None:
    _name, server_transport, client_transport = named_transports
    server = RPCServer(server_transport, Target(topic=unique_topic), [EchoEndpoint()])
    await server.start()
    client = RPCClient(client_transport, Target(topic=unique_topic), timeout=5)
    try:
        assert (await client.call(CTX, "echo", value=1))["value"] == 1
        await asyncio.to_thread(
            subprocess.run, ["rabbitmqctl", "stop_app"], capture_output=True, timeout=60, check=True
        )
        await asyncio.to_thread(
            subprocess.run, ["rabbitmqctl", "start_app"], capture_output=True, timeout=60, check=True
        )
        result = await _call_until_ok(client, time.monotonic() + 60)
        assert result["value"] == 9
    finally:
        await server.stop(grace=1)
