"""Gateway fixtures: an engine on the real bus, the app in-process, and a live uvicorn server.

``engine_backend`` is the engine the gateway talks to: the in-memory
FakeEngine served over the real RabbitMQ on a topic unique to the session
(until the real engine's ``engine_services`` fixture exists). Route tests
use ``client`` (httpx over ASGITransport, token auth as tenant ``demo``);
heatclient and CLI tests use ``live_server`` (uvicorn on a free port in the
session's event loop; the synchronous clients run in worker threads).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import uvicorn

from services.api.app import create_app
from services.engine.endpoints.templates import TemplateQueries
from services.engine.resources.registry import new_registry
from shared.config import RpcSettings, Settings
from shared.rpc import RPCServer, Target, Transport
from tests.integration.api.fake_engine import FakeEngine, FakeStore

try:  # importing the fixture registers it here; the engine may still be in the making
    from tests.integration.engine.conftest import engine_services  # noqa: F401

    REAL_ENGINE = os.environ.get("EMBER_API_TEST_ENGINE", "real") != "fake"
except Exception:
    REAL_ENGINE = False

TENANT = "demo"
OTHER_TENANT = "other"
TOKENS: dict[str, Any] = {
    "demo-token": {"user_id": "alice", "project_id": TENANT, "roles": ["member"]},
    "other-token": {"user_id": "bob", "project_id": OTHER_TENANT, "roles": ["member"]},
    "admin-token": {"user_id": "root", "project_id": "admin", "roles": ["admin"]},
}

MINIMAL = {
    "heat_template_version": "2018-08-31",
    "description": "two none resources",
    "parameters": {"greeting": {"type": "string", "default": "hello"}},
    "resources": {"a": {"type": "OS::Heat::None"}, "b": {"type": "OS::Heat::None"}},
    "outputs": {"said": {"value": {"get_param": "greeting"}, "description": "the greeting"}},
}


@dataclass
class EngineBackend:
    transport: Transport
    topic: str
    real: bool
    store_topic: str


def unique_name(prefix: str = "s") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def make_settings(rpc_settings: RpcSettings, **api: Any) -> Settings:
    values: dict[str, Any] = {"auth_strategy": "token", "tokens": TOKENS, "engine_timeout": 10.0}
    values.update(api)
    return Settings(rpc=rpc_settings, api=values)


@pytest.fixture(scope="session")
async def fake_store(transport: Transport) -> AsyncIterator[str]:
    """The topic of a stand-in store (the gateway checks that a store consumes its topic)."""
    topic = f"fake-store-{uuid.uuid4().hex[:8]}"
    server = RPCServer(transport, Target(topic=topic), [FakeStore()])
    await server.start()
    yield topic
    await server.stop(grace=2)


@pytest.fixture(scope="session")
async def fake_engine(transport: Transport, fake_store: str) -> AsyncIterator[EngineBackend]:
    topic = f"fake-engine-{uuid.uuid4().hex[:8]}"
    server = RPCServer(
        transport, Target(topic=topic), [FakeEngine(), TemplateQueries(new_registry(load_plugins=False))]
    )
    await server.start()
    yield EngineBackend(transport, topic, real=False, store_topic=fake_store)
    await server.stop(grace=2)


@pytest.fixture(scope="session")
def engine_backend(request: pytest.FixtureRequest) -> EngineBackend:
    """The real store + engine when they import, else the FakeEngine (EMBER_API_TEST_ENGINE=fake forces it)."""
    if REAL_ENGINE:
        services = request.getfixturevalue("engine_services")
        return EngineBackend(
            services.transport, services.engine_topic, real=True, store_topic=services.store_topic
        )
    fake: EngineBackend = request.getfixturevalue("fake_engine")
    return fake


@pytest.fixture(scope="session")
def api_settings(rpc_settings: RpcSettings) -> Settings:
    return make_settings(rpc_settings)


@pytest.fixture(scope="session")
def app(api_settings: Settings, engine_backend: EngineBackend) -> Any:
    return backend_app(api_settings, engine_backend)


def backend_app(settings: Settings, backend: EngineBackend) -> Any:
    """The gateway in front of ``backend``'s engine and store topics."""
    return create_app(
        settings, transport=backend.transport, engine_topic=backend.topic, store_topic=backend.store_topic
    )


def asgi_client(app: Any, token: str | None = "demo-token") -> httpx.AsyncClient:
    headers = {"X-Auth-Token": token} if token else {}
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://ember.test", headers=headers
    )


@pytest.fixture
async def client(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    async with asgi_client(app) as c:
        yield c


@pytest.fixture
async def stack(client: httpx.AsyncClient) -> dict[str, Any]:
    """A created stack (waited to CREATE_COMPLETE): its name, id and canonical path."""
    name = unique_name()
    resp = await client.post(f"/v1/{TENANT}/stacks", json={"stack_name": name, "template": MINIMAL})
    assert resp.status_code == 201, resp.text
    sid = resp.json()["stack"]["id"]
    path = f"/v1/{TENANT}/stacks/{name}/{sid}"
    await wait_status(client, path, "CREATE_COMPLETE")
    return {"name": name, "id": sid, "path": path}


async def wait_status(
    client: httpx.AsyncClient, path: str, want: str, timeout: float = 20.0
) -> dict[str, Any]:
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        body = (await client.get(path)).json()["stack"]
        status = body["stack_status"]
        # A failed CREATE or UPDATE reads FAILED for a moment before its rollback starts.
        passing = want.startswith("ROLLBACK_") and status in ("CREATE_FAILED", "UPDATE_FAILED")
        if status == want or not (status.endswith("IN_PROGRESS") or passing):
            assert body["stack_status"] == want, body
            return dict(body)
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"{path} still {body['stack_status']}")
        await asyncio.sleep(0.05)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.asynccontextmanager
async def serve(app: Any) -> AsyncIterator[str]:
    """``http://127.0.0.1:<port>`` of a uvicorn serving ``app`` in the running loop."""
    port = free_port()
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, log_config=None, access_log=False, lifespan="on"
    )
    server = uvicorn.Server(config)
    server.capture_signals = contextlib.nullcontext  # type: ignore[method-assign,assignment]
    task = asyncio.create_task(server.serve())
    for _ in range(200):
        if server.started:
            break
        await asyncio.sleep(0.02)
    assert server.started, "uvicorn did not start"
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, 10)


@pytest.fixture(scope="session")
async def live_server(api_settings: Settings, engine_backend: EngineBackend) -> AsyncIterator[str]:
    """``http://127.0.0.1:<port>`` of a uvicorn serving the gateway in the session loop."""
    app = backend_app(api_settings, engine_backend)
    async with serve(app) as url:
        yield url


@pytest.fixture(scope="session")
async def template_engine(transport: Transport, fake_store: str) -> AsyncIterator[EngineBackend]:
    """A TemplateQueries endpoint alone on its own topic, over the real bus.

    The engine service mounts TemplateQueries when the engine core is
    merged; until then (and so these tests never depend on it) the
    template routes are tested against this endpoint.
    """
    topic = f"template-engine-{uuid.uuid4().hex[:8]}"
    server = RPCServer(transport, Target(topic=topic), [TemplateQueries(new_registry(load_plugins=False))])
    await server.start()
    # The template methods only, not a whole engine.
    yield EngineBackend(transport, topic, real=False, store_topic=fake_store)
    await server.stop(grace=2)


@pytest.fixture(scope="session")
def templates_app(api_settings: Settings, template_engine: EngineBackend) -> Any:
    return backend_app(api_settings, template_engine)


@pytest.fixture
async def templates_client(templates_app: Any) -> AsyncIterator[httpx.AsyncClient]:
    async with asgi_client(templates_app) as c:
        yield c


@pytest.fixture(scope="session")
async def templates_server(templates_app: Any) -> AsyncIterator[str]:
    async with serve(templates_app) as url:
        yield url
