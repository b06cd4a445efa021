"""The engine process's own lifecycle: bounded work, graceful stop, internal failures."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from shared.context import RequestContext
from shared.exceptions import MessagingTimeout
from tests.integration.engine.conftest import EngineServices


def flat(n: int) -> dict[str, Any]:
    return {
        "heat_template_version": "2021-04-16",
        "resources": {f"r{i}": {"type": "OS::Heat::None"} for i in range(n)},
    }


def _stack_work() -> list[asyncio.Task[object]]:
    """The loop's tasks but the engines' housekeeping (a lost peer's check starts when it starts)."""
    return [t for t in asyncio.all_tasks() if t.get_name() != "peer-lost-check"]


async def test_a_large_stack_leaves_no_tasks_behind(
    engine_services: EngineServices, ctx: RequestContext
) -> None:
    await asyncio.sleep(0.2)
    baseline = set(_stack_work())
    identity = await engine_services.client.create_stack(ctx, "large", flat(300))
    await engine_services.wait_for_status(ctx, identity, {"CREATE_COMPLETE"}, timeout=120)
    await engine_services.client.delete_stack(ctx, identity)
    await engine_services.wait_for_status(ctx, identity, {"DELETE_COMPLETE"}, timeout=120)
    await asyncio.sleep(0.5)
    left = set(_stack_work()) - baseline
    assert not left, sorted(f"{t.get_name()}: {t.get_coro()}" for t in left)
    ops = engine_services.engine.ops
    assert ops is not None and not ops.runner.is_running(identity["stack_id"])
    assert await engine_services.store.stack_lock_get_engine_id(ctx, identity["stack_id"]) is None


async def test_graceful_stop_fails_what_still_runs_and_frees_its_lock(
    engine_services: EngineServices, ctx: RequestContext
) -> None:
    engine = await engine_services.start_engine()
    engine.settings = engine.settings.model_copy(
        update={"engine": engine.settings.engine.model_copy(update={"graceful_stop_timeout": 0.5})}
    )
    from shared.clients.engine import API_VERSION
    from shared.rpc import RPCClient, Target

    on_engine = RPCClient(
        engine_services.transport,
        Target(topic=engine_services.engine_topic, server=engine.engine_id, version=API_VERSION),
        timeout=30,
    )
    template = {
        "heat_template_version": "2021-04-16",
        "resources": {
            "slow": {"type": "OS::Heat::TestResource", "properties": {"action_wait_secs": {"create": 60}}}
        },
    }
    identity = await on_engine.call(
        ctx, "create_stack", stack_name="stopping", template=template, params={}, files={}, args={}
    )
    for _ in range(100):
        resources = await engine_services.client.list_stack_resources(ctx, identity)
        if resources and resources[0]["resource_status"] == "IN_PROGRESS":
            break
        await asyncio.sleep(0.05)
    await engine.stop()
    stack = (await engine_services.client.show_stack(ctx, identity))[0]
    assert (stack["stack_action"], stack["stack_status"]) == ("CREATE", "FAILED")
    assert stack["stack_status_reason"] == "Engine stopped during stack CREATE"
    assert await engine_services.store.stack_lock_get_engine_id(ctx, identity["stack_id"]) is None
    await engine_services.client.delete_stack(ctx, identity)
    await engine_services.wait_for_status(ctx, identity, {"DELETE_COMPLETE"})


async def test_an_internal_failure_never_leaves_a_stack_in_progress(
    engine_services: EngineServices, ctx: RequestContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    from services.engine.persistence.repository import StackRepository

    async def broken(self: StackRepository, *args: Any, **kwargs: Any) -> None:
        raise MessagingTimeout(method="resource_create_many", topic="store", timeout=30)

    monkeypatch.setattr(StackRepository, "ensure_resource_rows", broken)
    identity = await engine_services.client.create_stack(ctx, "broken", flat(2))
    stack = await engine_services.wait_for_status(ctx, identity, {"CREATE_FAILED"})
    assert "Timed out waiting for a reply to resource_create_many" in stack["stack_status_reason"]
    assert await engine_services.store.stack_lock_get_engine_id(ctx, identity["stack_id"]) is None
