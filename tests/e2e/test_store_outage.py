"""The store (a process, with its database) gone in the middle of a create.

Shorter than ``engine.store_retry_timeout``: the engine's unconfirmed state
changes are sent again (each named by its event uuid, so none lands twice)
and the stack completes as if nothing happened. Longer: the engine gives the
action up; what the store holds is what was confirmed, in order, so the stack
reads FAILED naming the store and the resource whose change was lost is failed
by the periodic repair (none is left IN_PROGRESS) -- or, when even the stack's
own final state could not be stored in time (a slow store restart), the
periodic check takes the stack back and carries the create on to COMPLETE.
Either way the stack deletes and no event is duplicated.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import Cluster, wait_for

pytestmark = pytest.mark.slow

CHAIN = 10


def chain(length: int) -> dict[str, Any]:
    resources: dict[str, Any] = {}
    for i in range(length):
        resources[f"r{i}"] = {"type": "OS::Heat::TestResource", "properties": {"wait_secs": 0.3}}
        if i:
            resources[f"r{i}"]["depends_on"] = [f"r{i - 1}"]
    return {"heat_template_version": "2021-04-16", "resources": resources}


@pytest.fixture(scope="module")
def cluster(log_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    db = tmp_path_factory.mktemp("outage") / "ember.sqlite"
    cluster = Cluster(
        log_dir,
        f"sqlite+aiosqlite:///{db}",
        engines=1,
        EMBER_ENGINE__STORE_TIMEOUT="1.5",
        EMBER_ENGINE__STORE_RETRY_TIMEOUT="6",
        EMBER_ENGINE__STALE_CHECK_INTERVAL="1",
    )
    try:
        yield cluster.start()
    finally:
        cluster.stop()
        cluster.dump_logs()


def _try_get(cluster: Cluster, path: str) -> Any:
    try:
        resp = cluster.http.get(path, timeout=10)
    except httpx.HTTPError:
        return None
    return resp.json() if resp.status_code == 200 else None


def _complete_resources(cluster: Cluster, path: str) -> int:
    body = _try_get(cluster, f"{path}/resources")
    rows = body["resources"] if body else []
    return sum(r["resource_status"] == "CREATE_COMPLETE" for r in rows)


def _create_through_an_outage(cluster: Cluster, name: str, outage: float) -> str:
    resp = cluster.http.post("/stacks", json={"stack_name": name, "template": chain(CHAIN)})
    assert resp.status_code == 201, resp.text
    path = f"/stacks/{name}/{resp.json()['stack']['id']}"
    wait_for("two resources done", lambda: _complete_resources(cluster, path) >= 2, timeout=60)
    cluster.store.kill9()
    cluster.retired.append(cluster.store)
    time.sleep(outage)
    cluster.store = cluster._service("store", "services.store").start()
    cluster.wait_store()
    return path


def _settled(cluster: Cluster, path: str) -> dict[str, Any]:
    final: dict[str, Any] = {}

    def done() -> bool:
        body = _try_get(cluster, path)
        if body and not body["stack"]["stack_status"].endswith("IN_PROGRESS"):
            final.update(body["stack"])
            return True
        return False

    wait_for(f"{path} to settle", done, timeout=120)
    return final


def _resources(cluster: Cluster, path: str) -> list[dict[str, Any]]:
    body = _try_get(cluster, f"{path}/resources")
    assert body is not None
    rows: list[dict[str, Any]] = body["resources"]
    return rows


def _completes(cluster: Cluster, path: str) -> Counter[str]:
    events = _try_get(cluster, f"{path}/events?sort_dir=asc&limit=1000")["events"]
    done = (e["resource_name"] for e in events if e["resource_status"] == "CREATE_COMPLETE")
    return Counter(name for name in done if name.startswith("r"))


def test_a_short_store_outage_mid_create_is_retried_through(cluster: Cluster) -> None:
    path = _create_through_an_outage(cluster, "short-outage", outage=3)
    stack = _settled(cluster, path)
    assert stack["stack_status"] == "CREATE_COMPLETE", stack["stack_status_reason"]
    rows = _resources(cluster, path)
    assert sorted(r["resource_status"] for r in rows) == ["CREATE_COMPLETE"] * CHAIN, rows
    assert _completes(cluster, path) == {f"r{i}": 1 for i in range(CHAIN)}


def test_a_store_outage_longer_than_the_retries_fails_exactly_what_was_not_stored(cluster: Cluster) -> None:
    path = _create_through_an_outage(cluster, "long-outage", outage=10)
    stack = _settled(cluster, path)
    if stack["stack_status"] == "CREATE_COMPLETE":  # its FAILED was not stored either: carried on
        events = _try_get(cluster, f"{path}/events?sort_dir=asc&limit=1000")["events"]
        assert any("carries stack CREATE on" in e["resource_status_reason"] for e in events)
    else:
        assert stack["stack_status"] == "CREATE_FAILED"
        assert "could not store resource states" in stack["stack_status_reason"]
    wait_for(
        "the repair of resources left IN_PROGRESS",
        lambda: all(r["resource_status"] != "CREATE_IN_PROGRESS" for r in _resources(cluster, path)),
        timeout=30,
    )
    rows = {r["resource_name"]: r["resource_status"] for r in _resources(cluster, path)}
    done = sorted(n for n, status in rows.items() if status == "CREATE_COMPLETE")
    assert done and _completes(cluster, path) == dict.fromkeys(done, 1)  # none completed twice
    # What is stored is a prefix of the chain: complete, then at most one failed, then never started.
    order = [rows[f"r{i}"] for i in range(CHAIN)]
    assert order == sorted(order, key=["CREATE_COMPLETE", "CREATE_FAILED", "INIT_COMPLETE"].index), order
    assert order.count("CREATE_FAILED") <= 1
    assert cluster.http.delete(path).status_code == 204
    wait_for(
        "the delete",
        lambda: (_try_get(cluster, path) or {}).get("stack", {}).get("stack_status") == "DELETE_COMPLETE",
    )
