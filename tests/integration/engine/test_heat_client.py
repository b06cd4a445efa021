"""Heat's own RPC client (oslo.messaging, topic "engine") drives Ember's engine unchanged."""

from __future__ import annotations

import asyncio
import importlib.util
import json
import sys
import uuid
from pathlib import Path

import pytest

from services.engine.app import EngineApp
from services.store.service import StoreService
from shared.config import RpcSettings
from shared.rpc import Transport
from tests.integration.engine.conftest import engine_settings

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("heat") is None, reason="openstack-heat is not installed"
)

DRIVER = Path(__file__).with_name("heat_client_driver.py")


async def test_heat_engine_client_creates_shows_and_deletes(
    rpc_settings: RpcSettings, tmp_path: Path
) -> None:
    # Heat's client always uses topic "engine"; a private control exchange keeps it apart.
    exchange = f"ember-heat-{uuid.uuid4().hex[:8]}"
    rpc = rpc_settings.model_copy(update={"control_exchange": exchange})
    settings = engine_settings(rpc, f"sqlite+aiosqlite:///{tmp_path}/heat.sqlite")
    transport = await Transport.connect(rpc)
    store = StoreService(settings, transport=transport)
    await store.start()
    engine = EngineApp(settings, transport=transport)
    await engine.start()
    try:
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            str(DRIVER),
            rpc.transport_url,
            exchange,
            "heat-project",
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        stdout, stderr = await asyncio.wait_for(proc.communicate(), 120)
        assert proc.returncode == 0, stderr.decode()[-3000:]
        out = json.loads(stdout.decode().strip().splitlines()[-1])
    finally:
        await engine.stop()
        await store.stop()
        await transport.close()

    assert out["validate"]["Parameters"]["word"]["Default"] == "hi"
    identity = out["identity"]
    assert identity["stack_name"] == "from-heat" and identity["tenant"] == "heat-project"
    shown = out["show"][0]
    assert (shown["stack_action"], shown["stack_status"]) == ("CREATE", "COMPLETE"), shown[
        "stack_status_reason"
    ]
    assert shown["outputs"][0]["output_value"] == "hello"
    assert shown["parameters"]["word"] == "hello"
    assert out["identify"] == identity
    assert [s["stack_name"] for s in out["list"]] == ["from-heat"]
    assert sorted(r["resource_name"] for r in out["resources"]) == ["a", "b"]
    assert len(out["events"]) >= 6
    assert "StackExists" in out["duplicate"]
    checked = out["checked_deployment"]  # check_software_deployment (1.27)
    assert (checked["server_id"], checked["status"]) == ("heat-server", "COMPLETE")
    preview = out["preview_update"]
    assert [r["resource_name"] for r in preview["updated"]] == ["b"]
    assert [r["resource_name"] for r in preview["unchanged"]] == ["a"]
    updated = out["updated"][0]
    assert (updated["stack_action"], updated["stack_status"]) == ("UPDATE", "COMPLETE")
    assert updated["outputs"][0]["output_value"] == "changed"
    assert "Cancelling update when stack is UPDATE_COMPLETE" in out["cancel"]
    deleted = out["deleted"][0]
    assert (deleted["stack_action"], deleted["stack_status"]) == ("DELETE", "COMPLETE")
