"""``-f`` / ``-c`` and friends, as a script reads them (typer's runner: stdout is not a terminal)."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pytest
import typer
import yaml
from typer.testing import CliRunner

from services.cli.flags import FlagCommand
from services.cli.output import (
    Format,
    OutputError,
    OutputSpec,
    formatted,
    render_list,
    render_one,
    select_columns,
)

LONG_ID = "0b6e1cf6-6a8c-4d39-a6c6-7d0e0e8f1c2a-and-then-some-more-to-be-long"
ROWS = [
    {"id": LONG_ID, "stack_name": "web", "stack_status": "CREATE_COMPLETE", "extra": {"a": 1}},
    {"id": "2", "stack_name": 'say "hi"', "stack_status": "CREATE_FAILED", "extra": None},
]
COLUMNS = ["id", "stack_name", "stack_status"]


def printed(capsys: pytest.CaptureFixture[str], data: Any, **spec: Any) -> str:
    if isinstance(data, list):
        render_list(data, OutputSpec(**spec), COLUMNS)
    else:
        render_one(data, OutputSpec(**spec))
    return capsys.readouterr().out


def test_value_prints_one_row_a_line_of_the_chosen_columns(capsys: pytest.CaptureFixture[str]) -> None:
    out = printed(capsys, ROWS, fmt=Format.value, columns=("id",))
    assert out.splitlines() == [LONG_ID, "2"]


def test_columns_by_field_name_or_heading_keep_their_order(capsys: pytest.CaptureFixture[str]) -> None:
    out = printed(capsys, ROWS, fmt=Format.value, columns=("Stack Status", "stack_name"))
    assert out.splitlines()[0] == "CREATE_COMPLETE web"


def test_an_unknown_column_names_the_ones_there_are() -> None:
    with pytest.raises(OutputError, match=r"no column 'nope'; the columns are: id, stack_name"):
        select_columns(["nope"], ["id", "stack_name"])


def test_json_without_columns_keeps_every_field_and_with_columns_only_those(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert json.loads(printed(capsys, ROWS, fmt=Format.json)) == ROWS
    picked = json.loads(printed(capsys, ROWS, fmt=Format.json, columns=("id",)))
    assert picked == [{"id": LONG_ID}, {"id": "2"}]


def test_noindent_prints_json_on_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    out = printed(capsys, ROWS, fmt=Format.json, noindent=True)
    assert len(out.strip().splitlines()) == 1 and json.loads(out) == ROWS


def test_yaml_of_a_show(capsys: pytest.CaptureFixture[str]) -> None:
    assert yaml.safe_load(printed(capsys, ROWS[0], fmt=Format.yaml)) == ROWS[0]


def test_csv_has_a_header_and_quotes_text(capsys: pytest.CaptureFixture[str]) -> None:
    out = printed(capsys, ROWS, fmt=Format.csv)
    assert out.splitlines()[0] == '"id","stack_name","stack_status"'
    assert list(csv.reader(io.StringIO(out)))[2] == ["2", 'say "hi"', "CREATE_FAILED"]


def test_shell_prints_assignments_a_shell_can_eval(capsys: pytest.CaptureFixture[str]) -> None:
    out = printed(capsys, ROWS[1], fmt=Format.shell, columns=("stack_name", "extra"), prefix="s_")
    assert out.splitlines() == ['s_stack_name="say \\"hi\\""', 's_extra=""']


def test_shell_of_a_list_is_an_error() -> None:
    with pytest.raises(OutputError, match="for show commands"):
        render_list(ROWS, OutputSpec(fmt=Format.shell), COLUMNS)


def test_value_of_a_show_prints_each_value_on_its_own_line(capsys: pytest.CaptureFixture[str]) -> None:
    out = printed(capsys, ROWS[0], fmt=Format.value, columns=("stack_status", "id"))
    assert out.splitlines() == ["CREATE_COMPLETE", LONG_ID]


def test_a_piped_table_does_not_wrap_ids(capsys: pytest.CaptureFixture[str]) -> None:
    out = printed(capsys, ROWS, fmt=Format.table)
    assert any(LONG_ID in line for line in out.splitlines()), out


def test_max_width_folds_a_table(capsys: pytest.CaptureFixture[str]) -> None:
    out = printed(capsys, ROWS, fmt=Format.table, max_width=40)
    assert max(len(line) for line in out.splitlines()) <= 40
    assert LONG_ID not in out


def test_fit_width_folds_a_piped_table_to_columns(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "50")
    out = printed(capsys, ROWS, fmt=Format.table, fit_width=True)
    assert max(len(line) for line in out.splitlines()) <= 50


# --- the options on a command ------------------------------------------------------------

demo = typer.Typer()


@demo.command("show", cls=FlagCommand)
@formatted()
def _show(name: str, *, out: OutputSpec) -> None:
    render_one({"name": name, "status": "CREATE_COMPLETE"}, out)


@demo.command("other", cls=FlagCommand)
def _other() -> None:
    pass


def test_formatted_adds_the_options_and_hands_over_one_spec() -> None:
    result = CliRunner().invoke(demo, ["show", "web", "-f", "value", "-c", "status", "-c", "name"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == ["CREATE_COMPLETE", "web"]


def test_an_unknown_column_is_a_usage_error_with_status_2() -> None:
    result = CliRunner().invoke(demo, ["show", "web", "-c", "nope"])
    assert result.exit_code == 2
    assert "no column 'nope'" in result.output
