"""OS::Heat::ResourceChain, OS::Heat::Stack and OS::Heat::Delay over the real bus."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from shared.context import RequestContext
from shared.exceptions import StackValidationFailed
from tests.integration.engine.conftest import EngineServices

INNER = yaml.safe_dump(
    {
        "heat_template_version": "2021-04-16",
        "parameters": {"word": {"type": "string"}},
        "resources": {"v": {"type": "OS::Heat::Value", "properties": {"value": {"get_param": "word"}}}},
        "outputs": {"said": {"value": {"get_attr": ["v", "value"]}}},
    }
)


async def test_a_chain_a_stack_and_a_delay(engine_services: EngineServices, ctx: RequestContext) -> None:
    client = engine_services.client
    template = {
        "heat_template_version": "2021-04-16",
        "resources": {
            "chain": {
                "type": "OS::Heat::ResourceChain",
                "properties": {
                    "resources": ["OS::Heat::TestResource", "OS::Heat::TestResource", "OS::Heat::Value"],
                    "resource_properties": {"value": "linked"},
                },
            },
            "inner": {
                "type": "OS::Heat::Stack",
                "properties": {"template": INNER, "parameters": {"word": "hi"}},
            },
            "pause": {"type": "OS::Heat::Delay", "properties": {"min_wait": 0.2, "max_jitter": 0.1}},
        },
        "outputs": {
            "refs": {"value": {"get_attr": ["chain", "refs"]}},
            "values": {"value": {"get_attr": ["chain", "attributes", "output"]}},
            "said": {"value": {"get_attr": ["inner", "outputs", "said"]}},
        },
    }
    identity = await client.create_stack(ctx, "moretypes", template)
    stack = await engine_services.wait_for_status(ctx, identity, {"CREATE_COMPLETE", "CREATE_FAILED"})
    assert stack["stack_status"] == "COMPLETE", stack["stack_status_reason"]
    outputs = {o["output_key"]: o["output_value"] for o in stack["outputs"]}
    assert len(outputs["refs"]) == 3 and outputs["said"] == "hi"
    assert outputs["values"] == {"0": "linked", "1": "linked", "2": None}
    nested = await client.list_stack_resources(ctx, identity, nested_depth=1)
    chain = sorted(
        (r["resource_name"], r["resource_type"]) for r in nested if r["parent_resource"] == "chain"
    )
    assert chain == [
        ("0", "OS::Heat::TestResource"),
        ("1", "OS::Heat::TestResource"),
        ("2", "OS::Heat::Value"),
    ]
    created = [
        e["resource_name"]
        for e in await client.list_events(
            ctx, identity, filters={"resource_status": "COMPLETE"}, sort_dir="asc"
        )
        if e["resource_action"] == "CREATE"
    ]
    assert "pause" in created
    await client.delete_stack(ctx, identity)
    await engine_services.wait_for_status(ctx, identity, {"DELETE_COMPLETE"})


CFN_EXAMPLE = (Path(__file__).resolve().parents[3] / "examples" / "cloudformation.yaml").read_text()

FACADE_CHILD = {
    "heat_template_version": "2021-04-16",
    "parameters": {"length": {"type": "number", "default": 8}},
    "resources": {
        "meta": {"type": "OS::Heat::Value", "properties": {"value": {"resource_facade": "metadata"}}},
        "policy": {
            "type": "OS::Heat::Value",
            "properties": {"value": {"resource_facade": "deletion_policy"}},
        },
    },
    "outputs": {
        "value": {"value": {"get_attr": ["meta", "value"]}},
        "policy": {"value": {"get_attr": ["policy", "value"]}},
    },
}


async def test_a_provider_template_reads_its_facade_and_must_match_the_type_it_stands_for(
    engine_services: EngineServices, ctx: RequestContext
) -> None:
    client = engine_services.client
    template = {
        "heat_template_version": "2021-04-16",
        "resources": {
            "thing": {"type": "Example::Thing", "metadata": {"role": "db"}, "deletion_policy": "Retain"},
        },
        "outputs": {
            "meta": {"value": {"get_attr": ["thing", "value"]}},
            "policy": {"value": {"get_attr": ["thing", "policy"]}},
        },
    }
    files = {"thing.yaml": yaml.safe_dump(FACADE_CHILD)}
    env = {"resource_registry": {"Example::Thing": "thing.yaml"}}
    identity = await client.create_stack(ctx, "facade", template, params=env, files=files)
    stack = await engine_services.wait_for_status(ctx, identity, {"CREATE_COMPLETE", "CREATE_FAILED"})
    assert stack["stack_status"] == "COMPLETE", stack["stack_status_reason"]
    outputs = {o["output_key"]: o["output_value"] for o in stack["outputs"]}
    assert outputs == {"meta": {"role": "db"}, "policy": "Retain"}

    # Standing in for OS::Heat::TestResource, the template lacks its "output" attribute.
    stand_in = {"resource_registry": {"OS::Heat::TestResource": "thing.yaml"}}
    with pytest.raises(
        StackValidationFailed, match="Attribute output for facade OS::Heat::TestResource missing"
    ):
        await client.create_stack(
            ctx, "facadebad", {"heat_template_version": "2021-04-16", "resources": {"r": {"type": "OS::Heat::TestResource"}}},
            params=stand_in, files=files,
        )  # fmt: skip


async def test_a_cloudformation_template_runs_and_can_be_a_provider_template(
    engine_services: EngineServices, ctx: RequestContext
) -> None:
    client = engine_services.client
    example = CFN_EXAMPLE
    identity = await client.create_stack(
        ctx, "cfnstack", example, params={"parameters": {"Environment": "prod"}}
    )
    stack = await engine_services.wait_for_status(ctx, identity, {"CREATE_COMPLETE", "CREATE_FAILED"})
    assert stack["stack_status"] == "COMPLETE", stack["stack_status_reason"]
    outputs = {o["output_key"]: o["output_value"] for o in stack["outputs"]}
    name = (await client.describe_stack_resource(ctx, identity, "Name", with_attr=["value"]))["attributes"][
        "value"
    ]
    assert outputs == {"Summary": f"cfnstack/large/{name}", "Monitored": "yes", "Region": "ap-southeast-1"}
    assert sorted(r["resource_name"] for r in await client.list_stack_resources(ctx, identity)) == [
        "Alarm",
        "Flavor",
        "Name",
    ]
    assert (await client.get_template(ctx, identity))["AWSTemplateFormatVersion"] == "2010-09-09"
    with pytest.raises(StackValidationFailed, match="Replicas"):
        await client.create_stack(ctx, "cfnbad", example, params={"parameters": {"Replicas": 9}})

    # A HOT stack whose provider template is CloudFormation-format.
    parent = {
        "heat_template_version": "2021-04-16",
        "resources": {"child": {"type": "Example::Cfn", "properties": {"Environment": "dev"}}},
        "outputs": {"monitored": {"value": {"get_attr": ["child", "Monitored"]}}},
    }
    nested = await client.create_stack(
        ctx,
        "cfnprovider",
        parent,
        params={"resource_registry": {"Example::Cfn": "cfn.yaml"}},
        files={"cfn.yaml": example},
    )
    done = await engine_services.wait_for_status(ctx, nested, {"CREATE_COMPLETE", "CREATE_FAILED"})
    assert done["stack_status"] == "COMPLETE", done["stack_status_reason"]
    assert done["outputs"][0]["output_value"] == "no"
