"""The ``ember`` CLI through typer's runner against a live gateway (and the bus for ``ember rpc``).

The runner is synchronous, so each invocation runs in a worker thread while
the session loop serves the gateway and the engine.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from typer.testing import CliRunner, Result

from services.cli.main import app
from shared.config import RpcSettings
from tests.integration.api.conftest import MINIMAL, TENANT, EngineBackend, unique_name

runner = CliRunner()


@pytest.fixture(scope="module")
def template_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("tpl")
    (folder / "greeting.txt").write_text("hello from a file\n")
    template = {
        **MINIMAL,
        "resources": {
            **MINIMAL["resources"],
            "c": {"type": "OS::Heat::Value", "properties": {"value": {"get_file": "greeting.txt"}}},
        },
    }
    path = folder / "stack.yaml"
    path.write_text(yaml.safe_dump(template))
    (folder / "env.yaml").write_text(yaml.safe_dump({"parameters": {"greeting": "from-env"}}))
    failing = {
        "heat_template_version": "2018-08-31",
        "resources": {"bad": {"type": "OS::Heat::TestResource", "properties": {"fail": True}}},
    }
    (folder / "failing.yaml").write_text(yaml.safe_dump(failing))
    return path


async def ember(live_server: str, *args: str, token: str = "demo-token", **env: str) -> Result:
    environ = {
        "EMBER_URL": live_server,
        "EMBER_TOKEN": token,
        "EMBER_PROJECT": TENANT,
        "EMBER_WAIT_INTERVAL": "0.05",
        "COLUMNS": "250",
    }
    environ.update(env)
    return await asyncio.to_thread(runner.invoke, app, list(args), env=environ)


def ok(result: Result) -> str:
    assert result.exit_code == 0, result.output + str(result.exception or "")
    return result.output


async def test_create_wait_show_and_outputs(live_server: str, template_file: Path) -> None:
    name = unique_name("cli")
    out = ok(
        await ember(
            live_server,
            "stack", "create", name, "-t", str(template_file), "-e", str(template_file.parent / "env.yaml"),
            "-P", "greeting=from-cli", "--timeout", "5", "--wait",
        )
    )  # fmt: skip
    assert "CREATE_COMPLETE" in out
    shown = json.loads(ok(await ember(live_server, "stack", "show", name, "--format", "json")))
    assert shown["stack_status"] == "CREATE_COMPLETE"
    assert shown["parameters"]["greeting"] == "from-cli"
    assert shown["timeout_mins"] == 5
    outputs = json.loads(ok(await ember(live_server, "stack", "output-list", name, "-f", "json")))
    assert outputs[0]["output_key"] == "said"
    output = yaml.safe_load(ok(await ember(live_server, "stack", "output-show", name, "said", "-f", "yaml")))
    assert output["output_value"] == "from-cli"
    template = yaml.safe_load(ok(await ember(live_server, "stack", "template", name)))
    assert template["resources"]["c"]["properties"]["value"] == {"get_file": "greeting.txt"}
    table = ok(await ember(live_server, "stack", "list"))
    assert name in table


async def test_resource_and_event_commands(live_server: str, template_file: Path) -> None:
    name = unique_name("clr")
    ok(await ember(live_server, "stack", "create", name, "-t", str(template_file), "--wait"))
    resources = json.loads(ok(await ember(live_server, "resource", "list", name, "-f", "json")))
    assert {r["resource_name"] for r in resources} == {"a", "b", "c"}
    res = json.loads(ok(await ember(live_server, "resource", "show", name, "a", "-f", "json")))
    assert res["resource_status"] == "CREATE_COMPLETE"
    events = json.loads(
        ok(
            await ember(
                live_server, "event", "list", name, "--filter", "resource_status=COMPLETE", "-f", "json"
            )
        )
    )
    assert events and all(e["resource_status"].endswith("COMPLETE") for e in events)
    only_a = json.loads(ok(await ember(live_server, "event", "list", name, "-r", "a", "-f", "json")))
    assert {e["resource_name"] for e in only_a} == {"a"}


async def test_validate_and_resource_types(live_server: str, template_file: Path) -> None:
    out = yaml.safe_load(ok(await ember(live_server, "template", "validate", "-t", str(template_file))))
    assert "greeting" in out["Parameters"]
    types = json.loads(ok(await ember(live_server, "resource-type", "list", "-f", "json")))
    assert {"resource_type": "OS::Heat::None"} in types
    schema = yaml.safe_load(ok(await ember(live_server, "resource-type", "show", "OS::Heat::RandomString")))
    assert schema["resource_type"] == "OS::Heat::RandomString"
    hot = yaml.safe_load(
        ok(await ember(live_server, "resource-type", "show", "OS::Heat::None", "--template-type", "hot"))
    )
    assert "heat_template_version" in hot


async def test_delete_wait(live_server: str, template_file: Path) -> None:
    name = unique_name("cld")
    ok(await ember(live_server, "stack", "create", name, "-t", str(template_file), "--wait"))
    out = ok(await ember(live_server, "stack", "delete", name, "--wait"))
    assert "DELETE_COMPLETE" in out
    missing = await ember(live_server, "stack", "show", name)
    assert missing.exit_code == 1
    assert "EntityNotFound" in missing.output


async def test_wait_exits_non_zero_when_the_create_fails(live_server: str, template_file: Path) -> None:
    name = unique_name("clf")
    failing = str(template_file.parent / "failing.yaml")
    result = await ember(live_server, "stack", "create", name, "-t", failing, "--disable-rollback", "--wait")
    assert result.exit_code == 1, result.output
    assert "CREATE_FAILED" in result.output
    # With rollback the stack ends ROLLBACK_COMPLETE (real engine): still a failed create.
    result = await ember(live_server, "stack", "create", unique_name("clf"), "-t", failing, "--wait")
    assert result.exit_code == 1, result.output


async def test_errors_are_one_line_and_exit_1(live_server: str, template_file: Path) -> None:
    result = await ember(live_server, "stack", "show", "no-such-stack")
    assert result.exit_code == 1 and "ERROR" in result.output and "Traceback" not in result.output
    result = await ember(live_server, "stack", "list", token="bad-token")
    assert result.exit_code == 1 and "401" in result.output
    result = await ember(
        live_server, "stack", "create", "x", "-t", str(template_file.parent / "missing.yaml")
    )
    assert result.exit_code == 1 and "cannot read" in result.output
    result = await ember("http://127.0.0.1:9", "stack", "list")
    assert result.exit_code == 1 and "cannot reach" in result.output


async def test_rpc_create_stack_goes_straight_to_the_bus(
    live_server: str, template_file: Path, rpc_settings: RpcSettings, engine_backend: EngineBackend
) -> None:
    name = unique_name("rpc")
    result = await ember(
        live_server,
        "rpc", "create-stack", name, "-t", str(template_file), "--topic", engine_backend.topic,
        EMBER_RPC__TRANSPORT_URL=rpc_settings.transport_url,
        EMBER_RPC__CONTROL_EXCHANGE=rpc_settings.control_exchange,
    )  # fmt: skip
    reply: dict[str, Any] = json.loads(ok(result))
    assert reply["stack_name"] == name and reply["tenant"] == TENANT
    async with httpx.AsyncClient(headers={"X-Auth-Token": "demo-token"}) as client:
        resp = await client.get(f"{live_server}/v1/{TENANT}/stacks/{name}")
    assert resp.status_code == 302
    assert reply["stack_id"] in resp.headers["location"]
