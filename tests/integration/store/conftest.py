"""Store fixtures: a StoreService on SQLite and on PostgreSQL, reached through the real bus.

``store_backend`` is parametrized ("sqlite", "postgresql"), so every test that
uses ``store`` (a StoreClient) or ``db`` (the db api of the same service) runs
against both databases. Each database is a throw-away one (a temp file, or
``ember_test_<random>`` on the local PostgreSQL) and each service serves a
topic unique to the test session.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from services.store.crypt import generate_key
from services.store.service import StoreService
from shared.clients.store import StoreClient
from shared.config import RpcSettings, Settings
from shared.context import RequestContext
from shared.rpc import Transport

PG_HOST = os.environ.get("EMBER_TEST_PG_HOST", "127.0.0.1")
PG_PORT = int(os.environ.get("EMBER_TEST_PG_PORT", "5432"))
PG_USER = os.environ.get("EMBER_TEST_PG_USER", "postgres")


async def create_pg_database() -> str:
    name = f"ember_test_{uuid.uuid4().hex[:12]}"
    conn = await asyncpg.connect(host=PG_HOST, port=PG_PORT, user=PG_USER, database="postgres")
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return name


async def drop_pg_database(name: str) -> None:
    conn = await asyncpg.connect(host=PG_HOST, port=PG_PORT, user=PG_USER, database="postgres")
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


def pg_url(name: str) -> str:
    return f"postgresql+asyncpg://{PG_USER}@{PG_HOST}:{PG_PORT}/{name}"


def make_settings(rpc_settings: RpcSettings, url: str, **store: Any) -> Settings:
    store.setdefault("auth_encryption_key", generate_key())
    return Settings(rpc=rpc_settings, database={"url": url}, store=store)


@pytest.fixture(scope="session", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store_backend(request: pytest.FixtureRequest) -> str:
    """The database under test; deselect PostgreSQL with ``-m "not postgres"``."""
    return str(request.param)


@pytest.fixture(scope="session")
async def store_db_url(store_backend: str, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[str]:
    if store_backend == "sqlite":
        path: Path = tmp_path_factory.mktemp("store") / "ember.sqlite"
        yield f"sqlite+aiosqlite:///{path}"
        return
    name = await create_pg_database()
    yield pg_url(name)
    await drop_pg_database(name)


@pytest.fixture(scope="session")
def store_settings(rpc_settings: RpcSettings, store_db_url: str) -> Settings:
    return make_settings(rpc_settings, store_db_url)


@pytest.fixture(scope="session")
async def store_service(
    store_settings: Settings, transport: Transport, store_backend: str
) -> AsyncIterator[StoreService]:
    topic = f"store-test-{store_backend}-{uuid.uuid4().hex[:8]}"
    service = StoreService(store_settings, transport=transport, topic=topic)
    await service.start()
    yield service
    await service.stop()


@pytest.fixture(scope="session")
def store(store_service: StoreService, transport: Transport) -> StoreClient:
    """A StoreClient calling the in-process store service over RabbitMQ."""
    return StoreClient(transport, timeout=20, topic=store_service.topic)


@pytest.fixture(scope="session")
def db(store_service: StoreService) -> Any:
    """The same service's db api, called directly (no bus)."""
    return store_service.backend


@pytest.fixture
def unique_name() -> Iterator[Callable[[str], str]]:
    yield lambda prefix="stack": f"{prefix}-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def new_stack(store: StoreClient, unique_name: Callable[[str], str]) -> Callable[..., Any]:
    """Store a stack (template + creds + stack) for ``ctxt`` and return its StackRecord."""

    async def factory(ctxt: RequestContext, name: str | None = None, **values: Any) -> Any:
        return await store.stack_store(
            ctxt,
            {"template": {"heat_template_version": "2021-04-16"}},
            {"name": name or unique_name("stack"), **values},
        )

    return factory
