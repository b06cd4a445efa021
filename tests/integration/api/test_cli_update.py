"""``ember stack update / preview / cancel`` through typer's runner against a live gateway and engine."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
import yaml

from tests.integration.api.conftest import MINIMAL, EngineBackend, unique_name
from tests.integration.api.test_cli import ember, ok


@pytest.fixture
def templates(tmp_path: Path) -> tuple[Path, Path, Path]:
    first = tmp_path / "first.yaml"
    first.write_text(yaml.safe_dump(MINIMAL))
    grown = copy.deepcopy(MINIMAL)
    grown["resources"]["c"] = {"type": "OS::Heat::Value", "properties": {"value": {"get_param": "greeting"}}}
    del grown["resources"]["b"]
    second = tmp_path / "second.yaml"
    second.write_text(yaml.safe_dump(grown))
    slow = {
        "heat_template_version": "2021-04-16",
        "resources": {
            "s": {"type": "OS::Heat::TestResource", "properties": {"action_wait_secs": {"update": 60}}}
        },
    }
    (tmp_path / "slow0.yaml").write_text(
        yaml.safe_dump({**slow, "resources": {"s": {"type": "OS::Heat::TestResource"}}})
    )
    slow_path = tmp_path / "slow.yaml"
    slow_path.write_text(
        yaml.safe_dump(
            {
                **slow,
                "resources": {
                    "s": {
                        **slow["resources"]["s"],
                        "properties": {"value": "changed", "action_wait_secs": {"update": 60}},
                    }
                },
            }
        )
    )
    return first, second, slow_path


async def test_preview_update_existing_and_cancel_with_the_cli(
    live_server: str, engine_backend: EngineBackend, templates: tuple[Path, Path, Path]
) -> None:
    if not engine_backend.real:
        pytest.skip("needs the real engine")
    first, second, slow = templates
    name = unique_name("cliu")
    ok(await ember(live_server, "stack", "create", name, "-t", str(first), "--wait"))

    preview = json.loads(
        ok(await ember(live_server, "stack", "preview", name, "-t", str(second), "-f", "json"))
    )
    assert {(row["change"], row["resource_name"]) for row in preview} == {
        ("added", "c"),
        ("deleted", "b"),
        ("unchanged", "a"),
    }
    dry = ok(
        await ember(
            live_server,
            "stack",
            "update",
            name,
            "-t",
            str(second),
            "--dry-run",
            "-f",
            "value",
            "-c",
            "change",
            "-c",
            "resource_name",
        )
    )
    assert "added c" in dry

    out = ok(
        await ember(live_server, "stack", "update", name, "-t", str(second), "-P", "greeting=yo", "--wait")
    )
    assert "UPDATE_COMPLETE" in out.splitlines()[-1]
    outputs = json.loads(ok(await ember(live_server, "stack", "output-show", name, "said", "-f", "json")))
    assert outputs["output_value"] == "yo"

    out = ok(
        await ember(
            live_server, "stack", "update", name, "--existing", "--clear-parameter", "greeting", "--wait"
        )
    )
    assert "UPDATE_COMPLETE" in out.splitlines()[-1]
    outputs = json.loads(ok(await ember(live_server, "stack", "output-show", name, "said", "-f", "json")))
    assert outputs["output_value"] == "hello"

    missing = await ember(live_server, "stack", "update", name)
    assert missing.exit_code != 0 and "--existing" in missing.output

    slow_name = unique_name("clic")
    ok(
        await ember(
            live_server, "stack", "create", slow_name, "-t", str(slow.with_name("slow0.yaml")), "--wait"
        )
    )
    ok(await ember(live_server, "stack", "update", slow_name, "-t", str(slow)))
    out = ok(await ember(live_server, "stack", "cancel", slow_name, "--wait"))
    assert "ROLLBACK_COMPLETE" in out.splitlines()[-1]


async def test_stack_actions_and_resource_commands_with_the_cli(
    live_server: str, engine_backend: EngineBackend, templates: tuple[Path, Path, Path]
) -> None:
    if not engine_backend.real:
        pytest.skip("needs the real engine")
    first, _, _ = templates
    name = unique_name("clia")
    ok(await ember(live_server, "stack", "create", name, "-t", str(first), "--wait"))
    for action, state in (
        ("suspend", "SUSPEND_COMPLETE"),
        ("resume", "RESUME_COMPLETE"),
        ("check", "CHECK_COMPLETE"),
    ):
        out = ok(await ember(live_server, "stack", action, name, "--wait"))
        assert state in out.splitlines()[-1]
    ok(await ember(live_server, "resource", "mark-unhealthy", name, "a", "disk gone"))
    shown = json.loads(ok(await ember(live_server, "resource", "show", name, "a", "-f", "json")))
    assert (shown["resource_status"], shown["resource_status_reason"]) == ("CHECK_FAILED", "disk gone")
    ok(await ember(live_server, "resource", "mark-unhealthy", name, "a", "--reset"))
    assert json.loads(ok(await ember(live_server, "resource", "metadata", name, "a", "-f", "json"))) == {}
    refused = await ember(live_server, "resource", "signal", name, "a", "-D", '{"status": "SUCCESS"}')
    assert refused.exit_code != 0 and "does not take signals" in refused.output


async def test_snapshot_abandon_and_adopt_with_the_cli(
    live_server: str, engine_backend: EngineBackend, templates: tuple[Path, Path, Path], tmp_path: Path
) -> None:
    if not engine_backend.real:
        pytest.skip("needs the real engine")
    first, second, _ = templates
    name = unique_name("clis")
    ok(await ember(live_server, "stack", "create", name, "-t", str(first), "--wait"))
    snapshot = json.loads(
        ok(await ember(live_server, "stack", "snapshot", "create", name, "--name", "s1", "-f", "json"))
    )
    for _ in range(100):
        listed = json.loads(ok(await ember(live_server, "stack", "snapshot", "list", name, "-f", "json")))
        if listed and listed[0]["status"] == "COMPLETE":
            break
    assert [s["id"] for s in listed] == [snapshot["id"]]
    ok(await ember(live_server, "stack", "update", name, "-t", str(second), "--wait"))
    out = ok(await ember(live_server, "stack", "snapshot", "restore", name, snapshot["id"], "--wait"))
    assert "RESTORE_COMPLETE" in out.splitlines()[-1]

    exported = json.loads(ok(await ember(live_server, "stack", "export", name)))
    data_file = tmp_path / "abandoned.json"
    ok(await ember(live_server, "stack", "abandon", name, "-O", str(data_file)))
    abandoned = json.loads(data_file.read_text())
    assert sorted(abandoned["resources"]) == ["a", "b"]
    assert exported["resources"] == abandoned["resources"] and exported["id"] == abandoned["id"]
    adopted = unique_name("clid")
    out = ok(await ember(live_server, "stack", "adopt", adopted, "-A", str(data_file), "--wait"))
    assert "ADOPT_COMPLETE" in out.splitlines()[-1]


async def test_template_versions_functions_and_build_info_with_the_cli(live_server: str) -> None:
    versions = json.loads(ok(await ember(live_server, "template", "version-list", "-f", "json")))
    assert any(v["version"] == "heat_template_version.2021-04-16" for v in versions)
    functions = json.loads(
        ok(
            await ember(
                live_server,
                "template",
                "function-list",
                "heat_template_version.2021-04-16",
                "--with-conditions",
                "-f",
                "json",
            )
        )
    )
    names = {f["functions"] for f in functions}
    assert {"get_param", "equals"} <= names
    info = json.loads(ok(await ember(live_server, "build-info", "-f", "json")))
    assert "revision" in info["engine"]


async def test_service_list_with_the_cli_needs_admin(live_server: str, engine_backend: EngineBackend) -> None:
    if not engine_backend.real:
        pytest.skip("needs the real engine")
    refused = await ember(live_server, "service", "list")
    assert refused.exit_code != 0 and "403" in refused.output
    listed = await ember(
        live_server, "service", "list", "-f", "json", token="admin-token", EMBER_PROJECT="admin"
    )
    services = json.loads(ok(listed))
    assert services and {s["binary"] for s in services} == {"ember-engine"}
    assert {s["status"] for s in services} <= {"up", "down"}
