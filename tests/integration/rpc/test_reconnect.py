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
from collections.abc import AsyncIterator

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
