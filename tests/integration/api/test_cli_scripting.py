"""The ``ember`` CLI as a script uses it (issue 17): formats, several-stack delete, rollback, URLs.

Against the live gateway and engine, as tests/integration/api/test_cli.py;
typer's runner is not a terminal, so these see what a pipe sees.
"""

from __future__ import annotations

import functools
import http.server
import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from services.cli.templates import MAX_DOWNLOAD
from tests.integration.api.conftest import MINIMAL, TENANT, unique_name
from tests.integration.api.test_cli import ember, ok

FAILING = {
    "heat_template_version": "2018-08-31",
    "resources": {"bad": {"type": "OS::Heat::TestResource", "properties": {"fail": True}}},
}


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("cli-scripting")
    (folder / "minimal.yaml").write_text(yaml.safe_dump(MINIMAL))
    (folder / "failing.yaml").write_text(yaml.safe_dump(FAILING))
    (folder / "lib").mkdir()
    (folder / "lib" / "word.txt").write_text("from the web\n")
    (folder / "lib" / "child.yaml").write_text(
        yaml.safe_dump(
            {
                "heat_template_version": "2018-08-31",
                "resources": {"leaf": {"type": "OS::Heat::Value", "properties": {"value": "x"}}},
            }
        )
    )
    (folder / "web.yaml").write_text(
        yaml.safe_dump(
            {
                "heat_template_version": "2018-08-31",
                "resources": {
                    "said": {
                        "type": "OS::Heat::Value",
                        "properties": {"value": {"get_file": "lib/word.txt"}},
                    },
                    "child": {"type": "lib/child.yaml"},
                },
                "outputs": {"said": {"value": {"get_attr": ["said", "value"]}}},
            }
        )
    )
    (folder / "huge.yaml").write_text("#" * (MAX_DOWNLOAD + 1))
    return folder


@pytest.fixture(scope="module")
def web(files: Path) -> Iterator[str]:
    """A static HTTP server on 127.0.0.1 serving ``files`` (a template URL as heatclient users have)."""

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(files)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    thread.join(5)


async def test_create_has_rollback_off_unless_enable_rollback(live_server: str, files: Path) -> None:
    failing = str(files / "failing.yaml")
    kept = unique_name("rb")
    result = await ember(live_server, "stack", "create", kept, "-t", failing, "--wait")
    assert result.exit_code == 1 and "CREATE_FAILED" in result.output, result.output
    shown = json.loads(ok(await ember(live_server, "stack", "show", kept, "-f", "json")))
    assert shown["disable_rollback"] is True
    rolled = unique_name("rb")
    result = await ember(live_server, "stack", "create", rolled, "-t", failing, "--enable-rollback", "--wait")
    assert result.exit_code == 1 and "ROLLBACK_COMPLETE" in result.output, result.output
    shown = json.loads(ok(await ember(live_server, "stack", "show", rolled, "-f", "json")))
    assert shown["disable_rollback"] is False
    result = await ember(
        live_server, "stack", "create", unique_name("rb"), "-t", failing, "--disable-rollback"
    )
    ok(result)  # still accepted


async def test_piped_wait_prints_event_lines_and_the_result_on_its_own_line(
    live_server: str, files: Path
) -> None:
    name = unique_name("pipe")
    out = ok(await ember(live_server, "stack", "create", name, "-t", str(files / "minimal.yaml"), "--wait"))
    lines = out.splitlines()
    assert lines[-1].startswith(f"{name} CREATE_COMPLETE"), out
    assert any(f"[{name}.a]: CREATE_COMPLETE" in line for line in lines), out
    assert "┘" not in out and "│" not in out  # no table drawn into a pipe


async def test_list_value_ids_piped_into_delete_yes(live_server: str, files: Path) -> None:
    names = [unique_name("many") for _ in range(3)]
    for name in names:
        ok(await ember(live_server, "stack", "create", name, "-t", str(files / "minimal.yaml"), "--wait"))
    rows = ok(await ember(live_server, "stack", "list", "-f", "value", "-c", "id", "-c", "stack_name"))
    ids = [line.split(" ", 1)[0] for line in rows.splitlines() if line.split(" ", 1)[1] in names]
    assert len(ids) == 3, rows
    out = ok(await ember(live_server, "stack", "delete", *ids, "--yes", "--wait"))
    assert out.count("DELETE_COMPLETE") >= 3, out
    left = json.loads(ok(await ember(live_server, "stack", "list", "-f", "json")))
    assert not {s["stack_name"] for s in left} & set(names)


async def test_delete_of_a_missing_stack_reports_it_and_deletes_the_others(
    live_server: str, files: Path
) -> None:
    name = unique_name("miss")
    ok(await ember(live_server, "stack", "create", name, "-t", str(files / "minimal.yaml"), "--wait"))
    result = await ember(live_server, "stack", "delete", "no-such-stack", name, "-y", "--wait")
    assert result.exit_code == 1
    assert "no-such-stack" in result.output and f"{name} DELETE_COMPLETE" in result.output


async def test_delete_wait_json_gives_summaries_not_outputs(live_server: str, files: Path) -> None:
    name = unique_name("dj")
    ok(await ember(live_server, "stack", "create", name, "-t", str(files / "minimal.yaml"), "--wait"))
    summaries = json.loads(
        ok(await ember(live_server, "stack", "delete", name, "--wait", "-y", "-f", "json"))
    )
    assert [s["stack_status"] for s in summaries] == ["DELETE_COMPLETE"]
    assert "outputs" not in summaries[0] and summaries[0]["stack_name"] == name


async def test_delete_wait_piped_shows_the_resources_going(live_server: str, files: Path) -> None:
    name = unique_name("dp")
    ok(await ember(live_server, "stack", "create", name, "-t", str(files / "minimal.yaml"), "--wait"))
    out = ok(await ember(live_server, "stack", "delete", name, "--wait", "--poll", "0.05"))
    assert f"[{name}.a]: DELETE_COMPLETE" in out, out
    assert "CREATE_COMPLETE" not in out  # the create's history is not replayed


async def test_show_shell_and_value_formats(live_server: str, files: Path) -> None:
    name = unique_name("fmt")
    ok(await ember(live_server, "stack", "create", name, "-t", str(files / "minimal.yaml"), "--wait"))
    shell = ok(await ember(live_server, "stack", "show", name, "-f", "shell", "-c", "stack_status"))
    assert shell.strip() == 'stack_status="CREATE_COMPLETE"'
    value = ok(await ember(live_server, "stack", "show", name, "-f", "value", "-c", "Stack Name"))
    assert value.strip() == name
    csv_out = ok(await ember(live_server, "resource", "list", name, "-f", "csv", "-c", "resource_name"))
    assert csv_out.splitlines() == ['"resource_name"', '"a"', '"b"']


async def test_a_heat_endpoint_url_names_the_project(live_server: str, files: Path) -> None:
    name = unique_name("heaturl")
    result = await ember(
        live_server, "--url", f"{live_server}/v1/{TENANT}", "stack", "create", name,
        "-t", str(files / "minimal.yaml"), EMBER_PROJECT="",
    )  # fmt: skip
    ok(result)
    listed = ok(
        await ember(live_server, "--url", f"{live_server}/v1/{TENANT}/", "stack", "list", "-f", "value")
    )
    assert name in listed


async def test_a_url_with_another_path_says_what_to_pass(live_server: str) -> None:
    result = await ember(live_server, "--url", f"{live_server}/orchestration", "stack", "list")
    assert result.exit_code == 1
    assert "--url takes the gateway's base URL" in result.output


async def test_version_names_the_api_version(live_server: str) -> None:
    out = ok(await ember(live_server, "--version"))
    assert out.startswith("ember ") and "v1.0 (CURRENT)" in out


async def test_a_template_url_brings_get_file_and_nested_templates_relative_to_it(
    live_server: str, web: str
) -> None:
    name = unique_name("url")
    ok(await ember(live_server, "stack", "create", name, "-t", f"{web}/web.yaml", "--wait"))
    output = json.loads(ok(await ember(live_server, "stack", "output-show", name, "said", "-f", "json")))
    assert output["output_value"] == "from the web\n"
    nested = json.loads(
        ok(await ember(live_server, "resource", "list", name, "--nested-depth", "1", "-f", "json"))
    )
    by_name = {r["resource_name"]: r for r in nested}
    assert by_name["leaf"]["stack_name"] != name and by_name["said"]["stack_name"] == name
    table = ok(await ember(live_server, "resource", "list", name, "--nested-depth", "1"))
    assert "Stack Name" in table


async def test_a_template_url_that_fails_or_is_too_big_is_a_clear_error(live_server: str, web: str) -> None:
    result = await ember(live_server, "stack", "create", unique_name("u"), "-t", f"{web}/missing.yaml")
    assert result.exit_code == 1 and "HTTP 404" in result.output, result.output
    result = await ember(live_server, "stack", "create", unique_name("u"), "-t", f"{web}/huge.yaml")
    assert result.exit_code == 1 and f"larger than {MAX_DOWNLOAD} bytes" in result.output, result.output
