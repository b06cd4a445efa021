"""Several engines on one topic: shared locks, deletes across engines, a killed engine's stacks."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest

from shared.clients.engine import API_VERSION
from shared.context import RequestContext
from shared.exceptions import ActionInProgress, EmberError, StackNotFound
from shared.rpc import RPCClient, Target
from tests.integration.engine.conftest import EngineServices

LONG = {
    "heat_template_version": "2021-04-16",
    "resources": {
        "slow": {"type": "OS::Heat::TestResource", "properties": {"action_wait_secs": {"create": 120}}}
    },
}
QUICK = {"heat_template_version": "2021-04-16", "resources": {"n": {"type": "OS::Heat::None"}}}


def _on(services: EngineServices, engine_id: str) -> RPCClient:
    """A client aimed at one engine (its ``engine.<id>`` queue)."""
    return RPCClient(
        services.transport,
        Target(topic=services.engine_topic, server=engine_id, version=API_VERSION),
        timeout=30,
    )


async def _create_on(
    services: EngineServices, engine_id: str, ctx: RequestContext, name: str, template: dict[str, Any]
) -> dict[str, Any]:
    identity: dict[str, Any] = await _on(services, engine_id).call(
        ctx, "create_stack", stack_name=name, template=template, params={}, files={}, args={}
    )
    return identity


async def _wait_resource_in_progress(
    services: EngineServices, ctx: RequestContext, identity: dict[str, Any]
) -> None:
    for _ in range(200):
        resources = await services.client.list_stack_resources(ctx, identity)
        if resources and resources[0]["resource_status"] == "IN_PROGRESS":
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the resource never started")


async def test_stack_created_on_one_engine_is_deleted_through_another(
    engine_services: EngineServices, ctx: RequestContext
) -> None:
    other = await engine_services.start_engine()
    try:
        identity = await _create_on(engine_services, other.engine_id, ctx, "crossing", QUICK)
        await engine_services.wait_for_status(ctx, identity, {"CREATE_COMPLETE"})
        await _on(engine_services, engine_services.engine.engine_id).call(
            ctx, "delete_stack", stack_identity=identity
        )
        await engine_services.wait_for_status(ctx, identity, {"DELETE_COMPLETE"})
    finally:
        await other.stop()


async def test_delete_cancels_a_create_running_on_another_live_engine(
    engine_services: EngineServices, ctx: RequestContext
) -> None:
    other = await engine_services.start_engine()
    try:
        identity = await _create_on(engine_services, other.engine_id, ctx, "cancelled", LONG)
        await _wait_resource_in_progress(engine_services, ctx, identity)
        await _on(engine_services, engine_services.engine.engine_id).call(
            ctx, "delete_stack", stack_identity=identity
        )
        stack = await engine_services.wait_for_status(ctx, identity, {"DELETE_COMPLETE"}, timeout=30)
        assert stack["stack_status_reason"] == "Stack DELETE completed successfully"
    finally:
        await other.stop()


async def test_a_second_action_while_one_runs_is_action_in_progress(
    engine_services: EngineServices, ctx: RequestContext
) -> None:
    identity = await engine_services.client.create_stack(ctx, "busy", LONG)
    await _wait_resource_in_progress(engine_services, ctx, identity)
    ops = engine_services.engine.ops
    assert ops is not None
    stack = await ops.repo.load_by_id(ctx, identity["stack_id"])
    with pytest.raises(ActionInProgress):
        await ops.runner.start_with_lock(
            ops.job(stack, "DELETE", lambda: ops.walk.cancel_children(stack, ""))
        )
    await engine_services.client.delete_stack(ctx, identity)  # cancels the create, then deletes
    await engine_services.wait_for_status(ctx, identity, {"DELETE_COMPLETE"}, timeout=30)


@pytest.fixture
async def engine_process(
    engine_services: EngineServices,
) -> AsyncIterator[tuple[str, subprocess.Popen[bytes]]]:
    engine_id = f"doomed-{uuid.uuid4().hex[:8]}"
    rpc = engine_services.settings.rpc
    env = {
        **os.environ,
        "EMBER_RPC__TRANSPORT_URL": rpc.transport_url,
        "EMBER_RPC__CONTROL_EXCHANGE": rpc.control_exchange,
        "EMBER_RPC__ENGINE_TOPIC": engine_services.engine_topic,
        "EMBER_RPC__STORE_TOPIC": engine_services.store_topic,
        "EMBER_ENGINE__ENGINE_ID": engine_id,
        "EMBER_ENGINE__HEARTBEAT_INTERVAL": "0.3",
    }
    proc = subprocess.Popen([sys.executable, "-m", "services.engine"], env=env)
    try:
        for _ in range(200):
            try:
                if await engine_services.client.listening(
                    RequestContext.admin(), engine_id=engine_id, timeout=0.5
                ):
                    break
            except EmberError:
                await asyncio.sleep(0.1)
        else:
            pytest.fail("the engine process never answered")
        yield engine_id, proc
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(10)


async def test_killed_engine_stack_is_failed_by_a_restarted_engine_and_deletable(
    engine_services: EngineServices, ctx: RequestContext, engine_process: tuple[str, subprocess.Popen[bytes]]
) -> None:
    engine_id, proc = engine_process
    identity = await _create_on(engine_services, engine_id, ctx, "orphan", LONG)
    await _wait_resource_in_progress(engine_services, ctx, identity)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(10)

    # Fail-fast (resume off): an engine starting up fails what dead engines left.
    restarted = await engine_services.start_engine(resume_on_takeover=False)
    try:
        stack = (await engine_services.client.show_stack(ctx, identity))[0]
        assert (stack["stack_action"], stack["stack_status"]) == ("CREATE", "FAILED")
        assert stack["stack_status_reason"] == "Engine went down during stack CREATE"
        resources = await engine_services.client.list_stack_resources(ctx, identity)
        assert resources[0]["resource_status"] == "FAILED"
        await engine_services.client.delete_stack(ctx, identity)
        await engine_services.wait_for_status(ctx, identity, {"DELETE_COMPLETE"}, timeout=30)
    finally:
        await restarted.stop()


async def test_a_killed_engines_create_is_carried_on_by_the_next_engine(
    engine_services: EngineServices, ctx: RequestContext, engine_process: tuple[str, subprocess.Popen[bytes]]
) -> None:
    engine_id, proc = engine_process
    template = {
        "heat_template_version": "2021-04-16",
        "resources": {
            "first": {"type": "OS::Heat::TestResource", "properties": {"value": "a"}},
            "slow": {
                "type": "OS::Heat::TestResource",
                "properties": {"wait_secs": 1, "value": {"get_attr": ["first", "output"]}},
            },
            "after": {"type": "OS::Heat::Value", "properties": {"value": {"get_attr": ["slow", "output"]}}},
        },
    }
    identity = await _create_on(engine_services, engine_id, ctx, "carried", template)
    for _ in range(200):
        rows = {
            r["resource_name"]: r for r in await engine_services.client.list_stack_resources(ctx, identity)
        }
        if rows.get("slow", {}).get("resource_status") == "IN_PROGRESS":
            break
        await asyncio.sleep(0.02)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(10)

    taker = await engine_services.start_engine()  # resume_on_takeover is on by default
    try:
        stack = await engine_services.wait_for_status(ctx, identity, {"CREATE_COMPLETE", "CREATE_FAILED"})
        assert stack["stack_status"] == "COMPLETE", stack["stack_status_reason"]
        events = await engine_services.client.list_events(
            ctx, identity, filters={"resource_name": "carried"}, sort_dir="asc"
        )
        reasons = [e["resource_status_reason"] for e in events]
        # Whichever live engine notices first carries it on: the one just started, or the
        # fixture's engine through its heartbeat's peer-lost check.
        carriers = {taker.engine_id, engine_services.engine.engine_id}
        assert any(
            f"Engine {engine_id} went down; engine {carrier} carries stack CREATE on" in reasons
            for carrier in carriers
        ), reasons
        rows = await engine_services.client.list_stack_resources(ctx, identity)
        assert {r["resource_status"] for r in rows} == {"COMPLETE"}
        await engine_services.client.delete_stack(ctx, identity)
        await engine_services.wait_for_status(ctx, identity, {"DELETE_COMPLETE"}, timeout=30)
    finally:
        await taker.stop()


async def test_killed_engine_lock_is_stolen_by_a_delete(
    engine_services: EngineServices, ctx: RequestContext, engine_process: tuple[str, subprocess.Popen[bytes]]
) -> None:
    engine_id, proc = engine_process
    identity = await _create_on(engine_services, engine_id, ctx, "stolen", LONG)
    await _wait_resource_in_progress(engine_services, ctx, identity)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(10)
    assert await engine_services.store.stack_lock_get_engine_id(ctx, identity["stack_id"]) == engine_id
    await engine_services.client.delete_stack(ctx, identity)  # the holder does not answer: its lock is stolen
    await engine_services.wait_for_status(ctx, identity, {"DELETE_COMPLETE"}, timeout=30)


async def test_stop_stack_cannot_reach_another_tenants_stack(
    engine_services: EngineServices, make_ctx: Any
) -> None:
    owner, intruder = make_ctx(), make_ctx()
    identity = await engine_services.client.create_stack(owner, "guarded", LONG)
    await _wait_resource_in_progress(engine_services, owner, identity)
    on_engine = _on(engine_services, engine_services.engine.engine_id)
    with pytest.raises(StackNotFound):
        await on_engine.call(intruder, "stop_stack", stack_id=identity["stack_id"])
    stack = (await engine_services.client.show_stack(owner, identity))[0]
    assert stack["stack_status"] == "IN_PROGRESS"
    await engine_services.client.delete_stack(owner, identity)
    await engine_services.wait_for_status(owner, identity, {"DELETE_COMPLETE"}, timeout=30)


async def test_a_stale_lock_of_this_engine_is_taken_over(
    engine_services: EngineServices, ctx: RequestContext
) -> None:
    identity = await engine_services.client.create_stack(ctx, "stalelock", QUICK)
    await engine_services.wait_for_status(ctx, identity, {"CREATE_COMPLETE"})
    # As if releasing the lock had failed: the row names this engine, nothing runs.
    engine_id = engine_services.engine.engine_id
    assert await engine_services.store.stack_lock_create(ctx, identity["stack_id"], engine_id) is None
    await engine_services.client.delete_stack(ctx, identity)
    await engine_services.wait_for_status(ctx, identity, {"DELETE_COMPLETE"})


async def test_a_draining_engine_still_answers_liveness(
    engine_services: EngineServices, ctx: RequestContext
) -> None:
    other = await engine_services.start_engine()
    template = {
        "heat_template_version": "2021-04-16",
        "resources": {"slow": {"type": "OS::Heat::TestResource", "properties": {"wait_secs": 2}}},
    }
    identity = await _create_on(engine_services, other.engine_id, ctx, "draining", template)
    await _wait_resource_in_progress(engine_services, ctx, identity)
    stopping = asyncio.create_task(other.stop())
    await asyncio.sleep(0.3)
    assert not stopping.done()
    assert await engine_services.client.listening(
        RequestContext.admin(), engine_id=other.engine_id, timeout=1
    )
    lock = engine_services.engine.ops.runner.lock  # type: ignore[union-attr]
    assert await lock.take(ctx, identity["stack_id"]) == other.engine_id  # not stolen as a dead engine's
    await stopping
    await engine_services.wait_for_status(ctx, identity, {"CREATE_COMPLETE"})


async def test_a_killed_engines_nested_stack_is_deleted_with_its_parent(
    engine_services: EngineServices, ctx: RequestContext, engine_process: tuple[str, subprocess.Popen[bytes]]
) -> None:
    engine_id, proc = engine_process
    template = {
        "heat_template_version": "2021-04-16",
        "resources": {
            "group": {
                "type": "OS::Heat::ResourceGroup",
                "properties": {
                    "count": 1,
                    "resource_def": {
                        "type": "OS::Heat::TestResource",
                        "properties": {"action_wait_secs": {"create": 120}},
                    },
                },
            }
        },
    }
    identity = await _create_on(engine_services, engine_id, ctx, "orphaned", template)
    for _ in range(200):
        children = await engine_services.client.list_stacks(
            ctx, show_nested=True, filters={"owner_id": identity["stack_id"]}
        )
        if children:
            break
        await asyncio.sleep(0.05)
    await _wait_resource_in_progress(engine_services, ctx, children[0]["stack_identity"])
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(10)
    await engine_services.client.delete_stack(ctx, identity)  # steals the dead engine's lock
    await engine_services.wait_for_status(ctx, identity, {"DELETE_COMPLETE"}, timeout=60)
    child = (await engine_services.client.show_stack(ctx, children[0]["stack_identity"]))[0]
    assert (child["stack_action"], child["stack_status"]) == ("DELETE", "COMPLETE")


async def test_a_missed_heartbeat_has_another_engine_check_the_dead_engines_stacks_at_once(
    engine_services: EngineServices, ctx: RequestContext, engine_process: tuple[str, subprocess.Popen[bytes]]
) -> None:
    """With no periodic check at all, the watcher learns of the death from the heartbeats alone."""
    engine_id, proc = engine_process
    watcher = await engine_services.start_engine(
        stale_check_interval=0, heartbeat_interval=0.2, liveness_timeout=1.0
    )
    assert watcher.heartbeat is not None and watcher.heartbeat.on_peer_lost is not None
    told: list[set[str]] = []
    check = watcher.heartbeat.on_peer_lost

    async def recording(engines: set[str]) -> None:
        told.append(engines)
        await check(engines)

    watcher.heartbeat.on_peer_lost = recording
    try:
        identity = await _create_on(
            engine_services,
            engine_id,
            ctx,
            "watched",
            QUICK
            | {"resources": {"slow": {"type": "OS::Heat::TestResource", "properties": {"wait_secs": 1}}}},
        )
        await _wait_resource_in_progress(engine_services, ctx, identity)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
        stack = await engine_services.wait_for_status(ctx, identity, {"CREATE_COMPLETE", "CREATE_FAILED"})
        assert stack["stack_status"] == "COMPLETE", stack["stack_status_reason"]
        assert any(engine_id in engines for engines in told)
        services = await engine_services.store.service_get_all(RequestContext.admin())
        assert engine_id in {s.engine_id for s in services}  # kept, shown down: Heat's list_services
    finally:
        await watcher.stop()


async def test_a_lock_held_for_an_action_being_prepared_is_not_taken_for_stale(
    engine_services: EngineServices, ctx: RequestContext
) -> None:
    """Between taking a lock and running (recording IN_PROGRESS, loading) an action is not
    "running" yet; its lock must not look stale to this engine's own checks meanwhile."""
    identity = await engine_services.client.create_stack(ctx, "held", QUICK)
    await engine_services.wait_for_status(ctx, identity, {"CREATE_COMPLETE"})
    ops = engine_services.engine.ops
    assert ops is not None
    lock, stack_id = ops.runner.lock, identity["stack_id"]
    assert await lock.take(ctx, stack_id) is None
    try:
        assert not ops.runner.is_running(stack_id)
        assert await lock.take(ctx, stack_id) == lock.engine_id  # refused, not taken over
        assert await ops.repair_stranded() == 0
        assert await lock.holder(ctx, stack_id) == lock.engine_id  # the repair left it alone
    finally:
        await lock.release(ctx, stack_id)
    # A lock of this engine that nothing here holds (a release that never reached the store) is stale.
    assert await engine_services.store.stack_lock_create(ctx, stack_id, lock.engine_id) is None
    assert await lock.take(ctx, stack_id) is None
    await lock.release(ctx, stack_id)
