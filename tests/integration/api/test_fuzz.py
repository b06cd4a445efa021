"""Schemathesis fuzzes every operation of /openapi.json: no input may cause a 5xx.

The gateway runs with ``noauth`` (so random tenants reach the routes rather
than stopping at 403) in front of the FakeEngine, in a thread of its own
(schemathesis' runner is synchronous). 501 (update/preview) is the only 5xx
allowed, and every answer must carry a request id and, when an error, Heat's
fault body.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from services.api.app import create_app
from shared.config import RpcSettings, Settings
from tests.integration.api.threaded import ThreadedGateway

schema = schemathesis.openapi.from_dict(create_app(Settings()).openapi())


@pytest.fixture(scope="module")
def fuzz_gateway(rpc_settings: RpcSettings) -> Iterator[ThreadedGateway]:
    settings = Settings(rpc=rpc_settings, api={"auth_strategy": "noauth", "engine_timeout": 5.0})
    with ThreadedGateway(settings) as gateway:
        yield gateway


@schema.parametrize()
@settings(
    max_examples=int(os.environ.get("EMBER_FUZZ_EXAMPLES", "25")),
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_no_input_causes_a_server_error(case: Any, fuzz_gateway: ThreadedGateway) -> None:
    response = case.call(base_url=fuzz_gateway.url, timeout=10)
    assert response.status_code < 500 or response.status_code == 501, (
        f"{case.method} {case.formatted_path} -> {response.status_code}: {response.text[:500]}"
    )
    request_id = response.headers.get("x-openstack-request-id") or [""]  # schemathesis: lists of values
    assert request_id[0].startswith("req-")
    if response.status_code >= 400:
        body = response.json()
        assert set(body) == {"code", "title", "explanation", "error"}, body
        assert body["error"]["traceback"] is None
