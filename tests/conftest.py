"""Session-wide fixtures: the real RabbitMQ (and, where asked, PostgreSQL)."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from shared.config import RpcSettings
from shared.context import RequestContext
from shared.rpc import Transport

# No service of a test listens for Prometheus unless the test turns it on (fixed ports would
# collide between test runs sharing the machine).
os.environ.setdefault("EMBER_METRICS__ENABLED", "false")

AMQP_URL = os.environ.get("EMBER_TEST_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/")
TEST_EXCHANGE = "ember-test"


@pytest.fixture(scope="session")
def rpc_settings() -> RpcSettings:
    return RpcSettings(transport_url=AMQP_URL, control_exchange=TEST_EXCHANGE, rpc_response_timeout=10)


@pytest.fixture(scope="session")
async def transport(rpc_settings: RpcSettings) -> AsyncIterator[Transport]:
    transport = await Transport.connect(rpc_settings)
    yield transport
    await transport.close()


@pytest.fixture
def unique_topic() -> str:
    return f"test-{uuid.uuid4().hex[:12]}"


@pytest.fixture
def make_ctx() -> Callable[..., RequestContext]:
    """A context for a fresh project (unique per call unless named)."""

    def factory(project: str | None = None, **kwargs: Any) -> RequestContext:
        kwargs.setdefault("user_id", "user-1")
        kwargs.setdefault("user_name", "demo")
        kwargs.setdefault("auth_token", "secret-token")
        return RequestContext(project_id=project or f"project-{uuid.uuid4().hex[:8]}", **kwargs)

    return factory


@pytest.fixture
def ctx(make_ctx: Callable[..., RequestContext]) -> RequestContext:
    return make_ctx()
