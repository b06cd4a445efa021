"""Scale-out as deployed: 3 engines, 2 stores on one PostgreSQL, 2 apis, quorum queues.

Fifty stacks are created at once through both apis; in the middle one
engine and one store are killed (SIGKILL, no goodbye). Every stack must end
COMPLETE or FAILED and then delete; none may be lost (a 201 whose stack is
gone), stay IN_PROGRESS, or keep a lock. A POST that the killed engine took
may fail (the reply died with it): its stack, if stored, must settle too.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import EXAMPLES, Cluster, Service, pid_exists, wait_for
from tests.integration.store.conftest import create_pg_database, drop_pg_database, pg_url

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

STACKS = 50
WAIT = 2  # seconds each TestResource waits: creates still run when the kill comes
SETTLE_TIMEOUT = 120.0


@pytest.fixture(scope="module")
def scaled(log_dir: Path) -> Iterator[Cluster]:
    name = asyncio.run(create_pg_database())
    cluster = Cluster(
        log_dir,
        pg_url(name),
        engines=3,
        stores=2,
        apis=2,
        EMBER_RPC__RABBIT_QUORUM_QUEUE="true",
        EMBER_RPC__TRANSIENT_QUEUES_TTL="60",  # the servers' own quorum queues go soon after them
        EMBER_ENGINE__HEARTBEAT_INTERVAL="1",
        EMBER_ENGINE__LIVENESS_TIMEOUT="3",
        EMBER_ENGINE__STALE_CHECK_INTERVAL="2",
        EMBER_ENGINE__STORE_TIMEOUT="15",  # a call the killed store took is re-sent after this
        EMBER_API__ENGINE_TIMEOUT="20",  # a POST the killed engine took waits this long
    )
    try:
        yield cluster.start()
    finally:
        cluster.stop()
        cluster.dump_logs()
        cluster.delete_topic_queues()
        asyncio.run(drop_pg_database(name))


async def _post_all(urls: list[str], template: str, on_half: Any) -> dict[str, int]:
    """POST every stack at once, alternating apis; ``on_half`` runs once half have answered."""
    answered: dict[str, int] = {}
    limits = httpx.Limits(max_connections=STACKS)
    clients = [httpx.AsyncClient(base_url=f"{url}/v1/demo", timeout=60, limits=limits) for url in urls]

    async def post(n: int) -> None:
        name = f"scale-{n:02d}"
        client = clients[n % len(clients)]
        body = {"stack_name": name, "template": template, "parameters": {"wait": WAIT}}
        try:
            answered[name] = (await client.post("/stacks", json=body)).status_code
        except httpx.HTTPError:
            answered[name] = 0
        if len(answered) == STACKS // 2:
            on_half(dict(answered))

    try:
        await asyncio.gather(*(post(n) for n in range(STACKS)))
    finally:
        for client in clients:
            await client.aclose()
    return answered


async def _delete_all(urls: list[str], ids: dict[str, str]) -> dict[str, int]:
    """DELETE every stack at once, alternating apis; name -> status."""
    clients = [httpx.AsyncClient(base_url=f"{url}/v1/demo", timeout=60) for url in urls]

    async def delete(n: int, name: str) -> tuple[str, int]:
        resp = await clients[n % len(clients)].delete(f"/stacks/{name}/{ids[name]}")
        return name, resp.status_code

    try:
        return dict(await asyncio.gather(*(delete(n, name) for n, name in enumerate(ids))))
    finally:
        for client in clients:
            await client.aclose()


def _stacks(cluster: Cluster) -> dict[str, dict[str, Any]]:
    resp = cluster.http.get("/stacks")
    assert resp.status_code == 200, resp.text
    return {s["stack_name"]: s for s in resp.json()["stacks"]}


def test_fifty_creates_through_two_apis_survive_killing_an_engine_and_a_store(scaled: Cluster) -> None:
    template = (EXAMPLES / "test_resource_parallel.yaml").read_text()
    killed: list[Service] = []
    before_kill: dict[str, int] = {}

    def kill_one_engine_and_one_store(answered: dict[str, int]) -> None:
        before_kill.update(answered)
        for service in (scaled.engines[0], scaled.stores[1]):
            service.kill9()
            killed.append(service)

    answered = asyncio.run(_post_all(scaled.urls, template, kill_one_engine_and_one_store))
    assert len(killed) == 2
    # Before the kills every POST succeeds; after them, one the killed engine took may fail.
    assert set(before_kill.values()) == {201}, before_kill
    for service in killed:  # the rest of the cluster carries on without them
        (scaled.engines if service in scaled.engines else scaled.stores).remove(service)
        scaled.retired.append(service)
    created = {name for name, status in answered.items() if status == 201}
    failed = {name: status for name, status in answered.items() if status != 201}
    assert all(status == 0 or status >= 500 for status in failed.values()), failed

    def settled() -> bool:
        stacks = _stacks(scaled)
        return created <= set(stacks) and not any(
            s["stack_status"].endswith("IN_PROGRESS") for s in stacks.values()
        )

    wait_for("every stack to settle", settled, timeout=SETTLE_TIMEOUT)
    stacks = _stacks(scaled)
    assert created <= set(stacks), f"lost: {sorted(created - set(stacks))}"
    assert set(stacks) <= set(answered), sorted(stacks)  # nothing created twice or out of nowhere
    statuses = {name: s["stack_status"] for name, s in stacks.items()}
    assert set(statuses.values()) <= {"CREATE_COMPLETE", "CREATE_FAILED"}, statuses
    # The kill hit running creates: another engine took the dead one's stacks over.
    went_down = any(
        "went down" in e["resource_status_reason"]
        for name, s in stacks.items()
        for e in scaled.http.get(f"/stacks/{name}/{s['id']}/events").json()["events"]
    )
    assert went_down, "the killed engine held none of the creates: nothing was tested"

    ids = {name: s["id"] for name, s in stacks.items()}
    deleted = asyncio.run(_delete_all(scaled.urls, ids))
    assert set(deleted.values()) == {204}, deleted
    wait_for("every stack to be deleted", lambda: not _stacks(scaled), timeout=SETTLE_TIMEOUT)
    # An engine releases a stack's lock just after storing DELETE_COMPLETE: give it that moment.
    held = dict(ids)

    def released() -> bool:
        for name, stack_id in list(held.items()):
            if scaled.store_call("stack_lock_get_engine_id", stack_id) is None:
                del held[name]
        return not held

    wait_for("every lock to be released", released, timeout=30)
    assert not [s.pid for s in killed if pid_exists(s.pid)]
