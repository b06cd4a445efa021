"""Every service's Prometheus metrics move with a stack create: the engine's and the store's own
listeners and the api's GET /metrics, each scraped over real HTTP (services on the real bus)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from services.api.app import create_app
from services.engine.app import EngineApp
from services.store.service import StoreService
from shared.config import MetricsSettings, RpcSettings
from shared.rpc import Transport
from tests.integration.api.conftest import MINIMAL, TENANT, make_settings, serve, unique_name, wait_status
from tests.integration.engine.conftest import engine_settings

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


@dataclass
class Scraped:
    engine: str
    store: str
    api: str


def scrape(text: str) -> Samples:
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    """The sum of the series of ``name`` whose labels include ``labels`` (0 when none yet)."""
    wanted = set(labels.items())
    return sum(v for (n, ls), v in samples.items() if n == name and wanted <= ls)


@pytest.fixture
async def metered(
    rpc_settings: RpcSettings, transport: Transport, tmp_path: Path
) -> AsyncIterator[tuple[Scraped, Any]]:
    """A store, an engine and an api with metrics on (listeners on free ports)."""
    settings = engine_settings(rpc_settings, f"sqlite+aiosqlite:///{tmp_path / 'metrics.sqlite'}")
    on = MetricsSettings(enabled=True, engine_port=0, store_port=0)
    settings = settings.model_copy(update={"metrics": on})
    suffix = uuid.uuid4().hex[:8]
    store = StoreService(settings, transport=transport, topic=f"store-m-{suffix}")
    await store.start()
    engine = EngineApp(settings, transport=transport, topic=f"engine-m-{suffix}", store_topic=store.topic)
    await engine.start()
    api_settings = make_settings(rpc_settings).model_copy(update={"metrics": on})
    app = create_app(api_settings, transport=transport, engine_topic=engine.topic, store_topic=store.topic)
    try:
        async with serve(app) as url:
            assert engine.metrics is not None and store.metrics is not None
            yield (
                Scraped(
                    engine=f"http://127.0.0.1:{engine.metrics.port}/metrics",
                    store=f"http://127.0.0.1:{store.metrics.port}/metrics",
                    api=f"{url}/metrics",
                ),
                engine,
            )
    finally:
        await engine.stop()
        await store.stop()


async def test_each_services_metrics_move_with_a_stack_create(metered: tuple[Scraped, Any]) -> None:
    urls, engine = metered
    topic = engine.topic
    async with httpx.AsyncClient(headers={"X-Auth-Token": "demo-token"}) as http:

        async def all_samples() -> tuple[Samples, Samples, Samples]:
            got = [await http.get(u) for u in (urls.engine, urls.store, urls.api)]
            for resp in got:
                assert resp.status_code == 200 and resp.headers["content-type"].startswith("text/plain")
            return scrape(got[0].text), scrape(got[1].text), scrape(got[2].text)

        before = await all_samples()
        api = str(urls.api).removesuffix("/metrics")
        name = unique_name("metered")
        resp = await http.post(f"{api}/v1/{TENANT}/stacks", json={"stack_name": name, "template": MINIMAL})
        assert resp.status_code == 201, resp.text
        sid = resp.json()["stack"]["id"]
        async with httpx.AsyncClient(base_url=api, headers={"X-Auth-Token": "demo-token"}) as client:
            await wait_status(client, f"/v1/{TENANT}/stacks/{name}/{sid}", "CREATE_COMPLETE")
        assert engine.stack_counts is not None
        await engine.stack_counts.refresh()
        after = await all_samples()

    def moved(which: int, metric: str, **labels: str) -> float:
        return value(after[which], metric, **labels) - value(before[which], metric, **labels)

    # The engine: the RPC it served, the action's duration, the resources acted on, the stacks by state.
    assert moved(0, "ember_rpc_server_requests_total", service=topic, method="create_stack", result="ok") == 1
    assert moved(0, "ember_engine_stack_action_seconds_count", action="CREATE", status="COMPLETE") >= 1
    assert moved(0, "ember_engine_resources_acted_on_total", action="CREATE", status="COMPLETE") >= 2
    assert value(after[0], "ember_engine_stacks", action="CREATE", status="COMPLETE") >= 1
    assert ("ember_rpc_server_in_flight", frozenset({("service", topic)})) in after[0]
    # The store: its transactions (one stores the new stack) and their latency.
    assert moved(1, "ember_store_transactions_total", method="stack_store", result="ok") >= 1
    assert moved(1, "ember_store_transaction_seconds_count", method="stack_store") >= 1
    assert moved(1, "ember_rpc_server_requests_total", method="stack_transition", result="ok") >= 1
    # The api: the create by its route template and status, and the latency of the polls.
    assert (
        moved(2, "ember_http_requests_total", route="/v1/{tenant_id}/stacks", method="POST", status="201")
        == 1
    )
    assert (
        moved(2, "ember_http_request_seconds_count", route="/v1/{tenant_id}/stacks/{stack_name}/{stack_id}")
        >= 1
    )
