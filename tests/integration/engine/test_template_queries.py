"""TemplateQueries over the real bus: its own RPCServer, called with EngineClient.

The endpoint is built here rather than taken from the engine so these
tests hold whether or not the engine service mounts it yet.
"""

from __future__ import annotations

import asyncio
import importlib.util
import json
import sys
import uuid
from collections.abc import AsyncIterator
from importlib import metadata
from pathlib import Path

import pytest

from services.engine.endpoints.templates import TemplateQueries
from services.engine.resources.registry import new_registry
from shared.clients.engine import EngineClient
from shared.config import RpcSettings
from shared.context import RequestContext
from shared.exceptions import NotFound, ResourceTypeNotFound
from shared.rpc import RPCServer, Target, Transport


@pytest.fixture
async def engine(transport: Transport) -> AsyncIterator[EngineClient]:
    topic = f"tq-{uuid.uuid4().hex[:8]}"
    server = RPCServer(transport, Target(topic=topic), [TemplateQueries(new_registry(load_plugins=False))])
    await server.start()
    try:
        yield EngineClient(transport, timeout=10, topic=topic)
    finally:
        await server.stop(grace=2)


CTX = RequestContext(user_id="alice", project_id="demo")


async def test_list_template_versions_over_the_bus(engine: EngineClient) -> None:
    versions = await engine.list_template_versions(CTX)
    assert {
        "version": "heat_template_version.2017-02-24",
        "type": "hot",
        "aliases": ["heat_template_version.ocata"],
    } in versions


async def test_list_template_functions_over_the_bus(engine: EngineClient) -> None:
    plain = await engine.list_template_functions(CTX, "heat_template_version.2016-10-14")
    with_cond = await engine.list_template_functions(
        CTX, "heat_template_version.2016-10-14", with_condition=True
    )
    assert "equals" not in {f["functions"] for f in plain}
    assert {"equals", "if"} <= {f["functions"] for f in with_cond}
    assert all(set(f) == {"functions", "description"} for f in with_cond)


async def test_list_template_functions_of_unknown_version_raises_not_found(engine: EngineClient) -> None:
    with pytest.raises(NotFound, match=r"Template with version heat_template_version\.1999-01-01 not found"):
        await engine.list_template_functions(CTX, "heat_template_version.1999-01-01")


async def test_get_revision_is_the_installed_version(engine: EngineClient) -> None:
    assert await engine.get_revision(CTX) == metadata.version("ember")


@pytest.mark.skipif(importlib.util.find_spec("heat") is None, reason="openstack-heat is not installed")
async def test_heats_own_rpc_client_calls_the_template_methods(rpc_settings: RpcSettings) -> None:
    # Heat's client always uses topic "engine"; a private control exchange keeps it apart.
    exchange = f"ember-heat-tq-{uuid.uuid4().hex[:8]}"
    rpc = rpc_settings.model_copy(update={"control_exchange": exchange})
    transport = await Transport.connect(rpc)
    server = RPCServer(transport, Target(topic="engine"), [TemplateQueries(new_registry(load_plugins=False))])
    await server.start()
    try:
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            str(Path(__file__).with_name("heat_template_queries_driver.py")),
            rpc.transport_url,
            exchange,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        stdout, stderr = await asyncio.wait_for(proc.communicate(), 120)
        assert proc.returncode == 0, stderr.decode()[-3000:]
        out = json.loads(stdout.decode().strip().splitlines()[-1])
    finally:
        await server.stop(grace=2)
        await transport.close()
    assert {
        "version": "heat_template_version.2016-10-14",
        "type": "hot",
        "aliases": ["heat_template_version.newton"],
    } in out["versions"]
    assert "equals" not in {f["functions"] for f in out["functions"]}
    assert "equals" in {f["functions"] for f in out["with_condition"]}
    assert out["revision"] == metadata.version("ember")
    assert "Template with version heat_template_version.1999-01-01 not found" in out["missing"]


async def test_resource_types_over_the_bus(engine: EngineClient) -> None:
    described = await engine.list_resource_types(CTX, type_name="OS::Heat::N", with_description=True)
    assert [t["resource_type"] for t in described] == ["OS::Heat::None"]
    assert described[0]["description"]
    assert await engine.list_resource_types(CTX, support_status="DEPRECATED") == []
    assert "OS::Heat::Value" in await engine.list_resource_types(CTX, support_status="SUPPORTED")


async def test_resource_schema_over_the_bus_has_a_description_only_when_asked(engine: EngineClient) -> None:
    plain = await engine.resource_schema(CTX, "OS::Heat::RandomString")
    assert set(plain) == {"resource_type", "properties", "attributes", "support_status"}
    described = await engine.resource_schema(CTX, "OS::Heat::RandomString", with_description=True)
    assert described["description"]


async def test_generate_template_over_the_bus_defaults_to_cfn(engine: EngineClient) -> None:
    template = await engine.generate_template(CTX, "OS::Heat::Value")
    assert template["HeatTemplateFormatVersion"] == "2012-12-12"
    with pytest.raises(ResourceTypeNotFound):
        await engine.generate_template(CTX, "OS::Nope::Nothing")
