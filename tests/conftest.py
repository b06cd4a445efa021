"""Session-wide fixtures: the real RabbitMQ (and, where asked, PostgreSQL)."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator

import pytest

from shared.config import RpcSettings
from shared.rpc import Transport

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
