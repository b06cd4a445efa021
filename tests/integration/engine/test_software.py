"""Software configs and deployments over the real bus: the RPC methods, and the resources in stacks."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from shared.context import RequestContext
from shared.exceptions import BadRequest, Conflict, DeploymentStillInProgress, NotFound, StackValidationFailed
from tests.integration.engine.conftest import EngineServices


def tmpl(resources: dict[str, Any], outputs: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"heat_template_version": "2021-04-16", "resources": resources, "outputs": outputs or {}}


async def test_software_config_and_deployment_methods(
    engine_services: EngineServices, ctx: RequestContext
) -> None:
    client = engine_services.client
    with pytest.raises(StackValidationFailed, match=r"inputs\[0\]\.type"):
        await client.create_software_config(
            ctx, name="bad", config="x", inputs=[{"name": "a", "type": "Int"}]
        )
    config = await client.create_software_config(
        ctx, group="script", name="cfg", config="#!/bin/sh\necho hi", inputs=[{"name": "foo"}], outputs=[]
    )
    assert config["inputs"] == [{"name": "foo", "type": "String"}] and config["options"] == {}
    assert (await client.show_software_config(ctx, config["id"]))["config"] == "#!/bin/sh\necho hi"
    listed = await client.list_software_configs(ctx, limit=100)
    assert config["id"] in [c["id"] for c in listed] and "config" not in listed[0]

    deployment = await client.create_software_deployment(
        ctx, server_id="srv-a", config_id=config["id"], input_values={"foo": "bar"}, action="CREATE",
        status="IN_PROGRESS", status_reason="started",
    )  # fmt: skip
    assert [d["id"] for d in await client.list_software_deployments(ctx, server_id="srv-a")] == [
        deployment["id"]
    ]
    assert [c["name"] for c in await client.metadata_software_deployments(ctx, "srv-a")] == ["cfg"]
    with pytest.raises(Conflict, match="can not be deleted as it is referenced"):
        await client.delete_software_config(ctx, config["id"])
    updated = await client.update_software_deployment(
        ctx, deployment["id"], status="COMPLETE", output_values={"deploy_stdout": "hi"}
    )
    assert (updated["status"], updated["output_values"]) == ("COMPLETE", {"deploy_stdout": "hi"})
    await client.delete_software_deployment(ctx, deployment["id"])
    await client.delete_software_config(ctx, config["id"])
    with pytest.raises(NotFound, match="Software config with id"):
        await client.show_software_config(ctx, config["id"])
    other = RequestContext(user_id="u2", project_id="someone-else")
    with pytest.raises(NotFound):
        await client.show_software_deployment(other, deployment["id"])


async def test_check_software_deployment_waits_until_it_is_no_longer_in_progress(
    engine_services: EngineServices, ctx: RequestContext
) -> None:
    client = engine_services.client
    config = await client.create_software_config(ctx, group="script", name="checked", config="true")
    deployment = await client.create_software_deployment(
        ctx, server_id="srv-check", config_id=config["id"], action="CREATE", status="IN_PROGRESS"
    )
    with pytest.raises(
        DeploymentStillInProgress, match=f"{deployment['id']} is still IN_PROGRESS after 0.3s"
    ):
        await client.check_software_deployment(ctx, deployment["id"], 0.3)
    for bad in (0, -1, 99999):
        with pytest.raises(BadRequest, match="timeout must be more than 0 and at most 3600 seconds"):
            await client.check_software_deployment(ctx, deployment["id"], bad)
    other = RequestContext(user_id="u2", project_id="someone-else")
    with pytest.raises(NotFound):
        await client.check_software_deployment(other, deployment["id"], 1)

    waiting = asyncio.create_task(client.check_software_deployment(ctx, deployment["id"], 30))
    await asyncio.sleep(0.7)
    assert not waiting.done()
    await client.update_software_deployment(ctx, deployment["id"], status="FAILED", status_reason="boom")
    checked = await asyncio.wait_for(waiting, 10)
    assert (checked["status"], checked["status_reason"]) == ("FAILED", "boom")
    await client.delete_software_deployment(ctx, deployment["id"])
    await client.delete_software_config(ctx, config["id"])


DEPLOYED = tmpl(
    {
        "config": {
            "type": "OS::Heat::SoftwareConfig",
            "properties": {
                "group": "script",
                "config": "#!/bin/sh\necho $foo",
                "inputs": [{"name": "foo"}],
                "outputs": [{"name": "result"}],
            },
        },
        "deployment": {
            "type": "OS::Heat::SoftwareDeployment",
            "properties": {
                "config": {"get_resource": "config"},
                "server": "server-1",
                "input_values": {"foo": "bar"},
                "signal_transport": "HEAT_SIGNAL",
            },
        },
    },
    {
        "stdout": {"value": {"get_attr": ["deployment", "deploy_stdout"]}},
        "result": {"value": {"get_attr": ["deployment", "result"]}},
    },
)


async def _deployment_waiting(engine_services: EngineServices, ctx: RequestContext, identity: Any) -> None:
    for _ in range(400):
        row = await engine_services.client.describe_stack_resource(ctx, identity, "deployment")
        if row["resource_status"] == "IN_PROGRESS" and row["physical_resource_id"]:
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the deployment never started")


async def test_a_deployment_waits_for_its_signal_with_the_outputs(
    engine_services: EngineServices, ctx: RequestContext
) -> None:
    client = engine_services.client
    identity = await client.create_stack(ctx, "deploys", DEPLOYED)
    await _deployment_waiting(engine_services, ctx, identity)
    derived = (await client.metadata_software_deployments(ctx, "server-1"))[0]
    inputs = {i["name"]: i.get("value") for i in derived["inputs"]}
    assert inputs["foo"] == "bar" and inputs["deploy_action"] == "CREATE"
    assert inputs["deploy_signal_id"].endswith(
        f"/stacks/deploys/{identity['stack_id']}/resources/deployment/signal"
    )
    outputs = {"deploy_stdout": "bar\n", "deploy_stderr": "", "deploy_status_code": 0, "result": "ok"}
    await client.resource_signal(ctx, identity, "deployment", outputs)
    stack = await engine_services.wait_for_status(ctx, identity, {"CREATE_COMPLETE", "CREATE_FAILED"})
    assert stack["stack_status"] == "COMPLETE", stack["stack_status_reason"]
    assert {o["output_key"]: o["output_value"] for o in stack["outputs"]} == {
        "stdout": "bar\n",
        "result": "ok",
    }
    events = await client.list_events(ctx, identity, filters={"resource_action": "SIGNAL"}, sort_dir="asc")
    row = await client.describe_stack_resource(ctx, identity, "deployment")
    assert (
        events[0]["resource_status_reason"] == f"Signal: deployment {row['physical_resource_id']} succeeded"
    )
    await client.delete_stack(ctx, identity)
    await engine_services.wait_for_status(ctx, identity, {"DELETE_COMPLETE"})
    assert await client.list_software_deployments(ctx, server_id="server-1") == []


async def test_a_non_zero_status_code_fails_the_deployment(
    engine_services: EngineServices, ctx: RequestContext
) -> None:
    client = engine_services.client
    identity = await client.create_stack(ctx, "deployfails", DEPLOYED, args={"disable_rollback": True})
    await _deployment_waiting(engine_services, ctx, identity)
    await client.resource_signal(
        ctx, identity, "deployment", {"deploy_status_code": 2, "deploy_stderr": "no"}
    )
    stack = await engine_services.wait_for_status(ctx, identity, {"CREATE_COMPLETE", "CREATE_FAILED"})
    assert stack["stack_status_reason"] == (
        "Resource CREATE failed: Error: resources.deployment: Deployment to server failed: "
        "deploy_status_code : Deployment exited with non-zero status code: 2"
    )


async def test_structured_configs_cloud_config_multipart_and_a_deployment_group(
    engine_services: EngineServices, ctx: RequestContext
) -> None:
    client = engine_services.client
    template = tmpl(
        {
            "structured": {
                "type": "OS::Heat::StructuredConfig",
                "properties": {
                    "config": {"port": {"get_input": "port"}, "keep": [1]},
                    "inputs": [{"name": "port"}],
                },
            },
            "group": {
                "type": "OS::Heat::StructuredDeploymentGroup",
                "properties": {
                    "config": {"get_resource": "structured"},
                    "servers": {"web1": "srv-w1", "web2": "srv-w2"},
                    "input_values": {"port": 8080},
                    "signal_transport": "NO_SIGNAL",
                },
            },
            "cloud": {
                "type": "OS::Heat::CloudConfig",
                "properties": {"cloud_config": {"packages": ["curl"]}},
            },
            "mime": {
                "type": "OS::Heat::MultipartMime",
                "properties": {
                    "parts": [{"config": {"get_resource": "cloud"}}, {"config": "#!/bin/sh\ntrue"}]
                },
            },
        },
        {
            "codes": {"value": {"get_attr": ["group", "deploy_status_codes"]}},
            "cloud": {"value": {"get_attr": ["cloud", "config"]}},
            "mime": {"value": {"get_attr": ["mime", "config"]}},
        },
    )
    identity = await client.create_stack(ctx, "structured", template)
    stack = await engine_services.wait_for_status(ctx, identity, {"CREATE_COMPLETE", "CREATE_FAILED"})
    assert stack["stack_status"] == "COMPLETE", stack["stack_status_reason"]
    outputs = {o["output_key"]: o["output_value"] for o in stack["outputs"]}
    assert outputs["codes"] == {"web1": None, "web2": None}  # NO_SIGNAL: complete without outputs
    assert outputs["cloud"] == "#cloud-config\npackages:\n- curl\n"
    assert "Content-Type: multipart/mixed" in outputs["mime"] and "packages:" in outputs["mime"]
    assert 'Content-Type: text/x-shellscript; charset="us-ascii"' in outputs["mime"]
    deployed = (await client.metadata_software_deployments(ctx, "srv-w2"))[0]
    assert deployed["config"] == {"port": 8080, "keep": [1]}
    assert json.dumps(deployed["group"]) == '"Heat::Ungrouped"'
