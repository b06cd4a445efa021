"""The ``ember`` command line itself, without a gateway: help, flags, the endpoint, usage errors."""

from __future__ import annotations

import re

import pytest
from typer.testing import CliRunner

from services.cli.client import split_endpoint
from services.cli.main import app

runner = CliRunner()

COMMANDS = [
    ["stack", "create"], ["stack", "list"], ["stack", "show"], ["stack", "delete"],
    ["stack", "output-list"], ["stack", "output-show"], ["stack", "template"],
    ["resource", "list"], ["resource", "show"], ["event", "list"],
    ["template", "validate"], ["resource-type", "list"], ["resource-type", "show"],
    ["rpc", "create-stack"], ["up"],
]  # fmt: skip


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_every_command_and_option_has_help_and_flags_take_no_value(command: list[str]) -> None:
    result = runner.invoke(app, [*command, "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "<bool>" not in result.output, result.output  # --wait, --help... are flags
    summary = result.output.split("Usage:", 1)[1].strip().splitlines()[2]
    assert summary.strip(), f"{command} has no description"
    for line in result.output.splitlines():
        # An option row: "│ --name  -x  TYPE  help │"; its help column must not be empty.
        match = re.match(r"│\s+(?:\*\s+)?(--[\w-]+)(.*)│$", line)
        if match:
            assert re.search(r"[a-z]{3,}.*[a-z]{3,}", match[2]), f"{match[1]} of {command} has no help"


def test_wait_is_a_flag_so_a_value_after_it_is_an_extra_argument() -> None:
    result = runner.invoke(app, ["stack", "show", "web", "--wait", "true"])
    assert result.exit_code == 2


def test_version_prints_embers_version_even_without_a_gateway() -> None:
    result = runner.invoke(app, ["--url", "http://127.0.0.1:9", "--version"])
    assert result.exit_code == 0, result.output
    assert re.match(r"ember \d+\.\d+", result.output)
    assert "API: unknown" in result.output


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://h:8004", ("http://h:8004", None)),
        ("http://h:8004/", ("http://h:8004", None)),
        ("http://h:8004/v1", ("http://h:8004", None)),
        ("http://h:8004/v1/demo", ("http://h:8004", "demo")),
        ("http://h:8004/v1/demo/", ("http://h:8004", "demo")),
        ("https://h/orchestration/v1/a%20b", ("https://h/orchestration", "a b")),
    ],
)
def test_a_heat_endpoint_names_the_gateway_and_the_project(
    url: str, expected: tuple[str, str | None]
) -> None:
    assert split_endpoint(url) == expected


def test_a_project_in_the_url_and_another_in_project_is_a_usage_error() -> None:
    result = runner.invoke(app, ["--url", "http://h:8004/v1/one", "--project", "two", "stack", "list"])
    assert result.exit_code == 2
    assert "'one'" in result.output and "'two'" in result.output


def test_a_bad_filter_shows_the_expected_form() -> None:
    result = runner.invoke(
        app, ["event", "list", "web", "--filter", "resource_status"], env={"COLUMNS": "200"}
    )
    assert result.exit_code == 2
    assert "is not key=value, e.g. --filter resource_status=FAILED" in result.output


def test_an_unknown_format_is_a_usage_error() -> None:
    result = runner.invoke(app, ["--url", "http://127.0.0.1:9", "stack", "list", "-f", "nope"])
    assert result.exit_code == 2


def test_watch_takes_no_machine_format() -> None:
    result = runner.invoke(app, ["--url", "http://127.0.0.1:9", "stack", "list", "--watch", "-f", "json"])
    assert result.exit_code == 2
    assert "--watch draws a table" in result.output
