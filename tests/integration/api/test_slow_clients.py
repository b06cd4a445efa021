"""HTTP hardening over raw sockets on 127.0.0.1: slow-loris heads, slow bodies, connection cap.

Each test opens a bounded number of connections and waits a bounded time;
nothing asserts how long anything took.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import pytest
import uvicorn

from services.api.app import create_app
from services.api.serving import uvicorn_config
from shared.config import RpcSettings
from shared.rpc import Transport
from tests.integration.api.conftest import free_port, make_settings

WAIT = 15.0  # upper bound on any one wait below


@contextlib.asynccontextmanager
async def serving(rpc_settings: RpcSettings, transport: Transport, **api: Any) -> AsyncIterator[int]:
    settings = make_settings(rpc_settings, auth_strategy="noauth", **api)
    port = free_port()
    app = create_app(settings, transport=transport, engine_topic="slow-clients-no-engine")
    server = uvicorn.Server(uvicorn_config(app, settings.api, host="127.0.0.1", port=port, lifespan="on"))
    server.capture_signals = contextlib.nullcontext  # type: ignore[method-assign,assignment]
    task = asyncio.create_task(server.serve())
    for _ in range(500):
        if server.started:
            break
        await asyncio.sleep(0.01)
    assert server.started
    try:
        yield port
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, WAIT)


async def _closed_by_server(reader: asyncio.StreamReader) -> bytes:
    """Everything the server sends until it closes the connection (bounded)."""
    return await asyncio.wait_for(reader.read(), WAIT)


@pytest.fixture
def quick(rpc_settings: RpcSettings, transport: Transport) -> Any:
    return lambda **api: serving(rpc_settings, transport, **api)


async def test_a_request_head_that_never_completes_is_closed(quick: Any) -> None:
    async with quick(header_timeout=0.5) as port:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"GET /livez HTTP/1.1\r\nHost: 127.0.0.1\r\n")  # no blank line, ever
        await writer.drain()
        assert await _closed_by_server(reader) == b""
        writer.close()


async def test_a_trickling_request_head_does_not_extend_its_deadline(quick: Any) -> None:
    async with quick(header_timeout=0.5) as port:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        head = b"GET /livez HTTP/1.1\r\nHost: 127.0.0.1\r\n" + b"X-Slow: " + b"a" * 400
        closed = False
        for byte in head:  # a byte every 50 ms: never a whole head within 0.5 s
            try:
                writer.write(bytes([byte]))
                await writer.drain()
            except ConnectionError:
                closed = True
                break
            if reader.at_eof():
                closed = True
                break
            await asyncio.sleep(0.05)
        assert closed or await _closed_by_server(reader) == b""
        writer.close()


async def test_a_connection_that_sends_nothing_is_closed(quick: Any) -> None:
    async with quick(header_timeout=0.5) as port:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        assert await _closed_by_server(reader) == b""
        writer.close()


async def test_a_body_that_does_not_arrive_is_408(quick: Any) -> None:
    async with quick(body_timeout=0.5) as port:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(
            b"POST /v1/demo/stacks HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b'Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{"stack'
        )
        await writer.drain()
        answer = await asyncio.wait_for(reader.readline(), WAIT)
        assert answer.startswith(b"HTTP/1.1 408")
        writer.close()


async def test_connections_beyond_the_cap_are_answered_503_and_closed(quick: Any) -> None:
    cap = 10
    async with quick(max_connections=cap, header_timeout=30) as port:
        held = [await asyncio.open_connection("127.0.0.1", port) for _ in range(cap)]
        await asyncio.sleep(0.1)
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        answer = await _closed_by_server(reader)
        assert answer.startswith(b"HTTP/1.1 503") and b"HTTPServiceUnavailable" in answer
        writer.close()
        for _reader, held_writer in held:
            held_writer.close()
        # Once they are gone, new connections are served again.
        for _ in range(100):
            await asyncio.sleep(0.05)
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(b"GET /livez HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
            await writer.drain()
            answer = await _closed_by_server(reader)
            writer.close()
            if answer.startswith(b"HTTP/1.1 200"):
                break
        assert answer.startswith(b"HTTP/1.1 200")


async def test_whole_requests_on_a_kept_alive_connection_are_served(quick: Any) -> None:
    async with quick(header_timeout=0.5) as port:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        for _ in range(3):
            writer.write(b"GET /livez HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            await writer.drain()
            status = await asyncio.wait_for(reader.readline(), WAIT)
            assert status.startswith(b"HTTP/1.1 200")
            headers = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), WAIT)
            length = int(
                next(h for h in headers.split(b"\r\n") if h.lower().startswith(b"content-length")).split(
                    b":"
                )[1]
            )
            await asyncio.wait_for(reader.readexactly(length), WAIT)
        # Then, idle after its last response, it is closed too.
        assert await _closed_by_server(reader) == b""
        writer.close()
