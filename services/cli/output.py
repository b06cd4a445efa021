"""Rendering results as a rich table, JSON or YAML (``--format``)."""

from __future__ import annotations

import json
from enum import StrEnum
from typing import Any

import typer
import yaml
from rich.console import Console
from rich.table import Table
from rich.text import Text


class Format(StrEnum):
    table = "table"
    json = "json"
    yaml = "yaml"


STATUS_STYLES = {"COMPLETE": "green", "FAILED": "bold red", "IN_PROGRESS": "yellow"}


def console() -> Console:
    # Created per call so that output goes to whatever sys.stdout is now (tests swap it).
    return Console(soft_wrap=False)


def status_text(status: str) -> Text:
    for suffix, style in STATUS_STYLES.items():
        if str(status).endswith(suffix):
            return Text(str(status), style=style)
    return Text(str(status))


def _cell(value: Any) -> Text:
    if value is None:
        return Text("")
    if isinstance(value, (dict, list)):
        return Text(json.dumps(value, sort_keys=True, default=str))
    if isinstance(value, str) and value.endswith(tuple(STATUS_STYLES)):
        return status_text(value)
    return Text(str(value))


def rows_table(rows: list[dict[str, Any]], columns: list[str], title: str | None = None) -> Table:
    table = Table(title=title, show_lines=False)
    for column in columns:
        table.add_column(column.replace("_", " ").title(), overflow="fold")
    for row in rows:
        table.add_row(*[_cell(row.get(c)) for c in columns])
    return table


def fields_table(data: dict[str, Any]) -> Table:
    table = Table(show_header=True)
    table.add_column("Field", style="bold")
    table.add_column("Value", overflow="fold")
    for key in sorted(data):
        value = data[key]
        if isinstance(value, (dict, list)):
            value = yaml.safe_dump(value, default_flow_style=False, sort_keys=True).rstrip() if value else ""
            table.add_row(key, Text(value))
        else:
            table.add_row(key, _cell(value))
    return table


def render(data: Any, fmt: Format, columns: list[str] | None = None) -> None:
    """Print ``data``: a list of rows (``columns`` picks the table's), a mapping, or a scalar."""
    if fmt is Format.json:
        typer.echo(json.dumps(data, indent=2, sort_keys=True, default=str))
    elif fmt is Format.yaml:
        typer.echo(yaml.safe_dump(data, default_flow_style=False, sort_keys=True).rstrip())
    elif isinstance(data, list):
        if columns is None:
            columns = sorted({k for row in data if isinstance(row, dict) for k in row}) or ["value"]
        rows = [r if isinstance(r, dict) else {columns[0]: r} for r in data]
        console().print(rows_table(rows, columns))
    elif isinstance(data, dict):
        console().print(fields_table(data))
    else:
        typer.echo(str(data))
