"""A gateway + FakeEngine running in their own thread and event loop.

For clients that must block the calling thread for a long time (schemathesis'
synchronous runner): the session loop would be stalled meanwhile, so the
gateway and its engine get a loop of their own, with their own bus connection.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
import uuid

import uvicorn

from services.api.app import create_app
from services.engine.endpoints.templates import TemplateQueries
from services.engine.resources.registry import new_registry
from shared.config import Settings
from shared.rpc import RPCServer, Target, Transport
from tests.integration.api.fake_engine import FakeEngine, FakeStore


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class ThreadedGateway:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="gateway", daemon=True)
        self._transport: Transport | None = None
        self._rpc: RPCServer | None = None
        self._store: RPCServer | None = None
        self._uvicorn: uvicorn.Server | None = None
        self._task: asyncio.Task[None] | None = None

    def __enter__(self) -> ThreadedGateway:
        self.thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self.loop).result(30)
        return self

    def __exit__(self, *exc: object) -> None:
        asyncio.run_coroutine_threadsafe(self._stop(), self.loop).result(30)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.loop.close()

    async def _start(self) -> None:
        topic = f"fuzz-engine-{uuid.uuid4().hex[:8]}"
        self._transport = await Transport.connect(self.settings.rpc)
        self._rpc = RPCServer(
            self._transport,
            Target(topic=topic),
            [FakeEngine(), TemplateQueries(new_registry(load_plugins=False))],
        )
        await self._rpc.start()
        self._store = RPCServer(self._transport, Target(topic=f"{topic}-store"), [FakeStore()])
        await self._store.start()
        app = create_app(
            self.settings, transport=self._transport, engine_topic=topic, store_topic=f"{topic}-store"
        )
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_config=None, access_log=False)
        self._uvicorn = uvicorn.Server(config)
        self._uvicorn.capture_signals = contextlib.nullcontext  # type: ignore[method-assign,assignment]
        self._task = asyncio.create_task(self._uvicorn.serve())
        for _ in range(500):
            if self._uvicorn.started:
                return
            await asyncio.sleep(0.01)
        raise RuntimeError("uvicorn did not start")

    async def _stop(self) -> None:
        if self._uvicorn is not None and self._task is not None:
            self._uvicorn.should_exit = True
            await asyncio.wait_for(self._task, 10)
        if self._rpc is not None:
            await self._rpc.stop(grace=1)
        if self._store is not None:
            await self._store.stop(grace=1)
        if self._transport is not None:
            await self._transport.close()
