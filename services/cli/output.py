"""Printing results as ``openstack`` (cliff) does: ``-f table|json|yaml|value|csv|shell``, ``-c COLUMN``.

A script reads ``ember stack list -f value -c id`` or ``eval "$(ember stack
show web -f shell -c stack_status)"``; a person reads the table. Every list
and show command takes the same options through ``@formatted``, which adds
them to the command's signature and hands the command one ``OutputSpec``.

Rules, as cliff's:

- ``-c`` (repeatable) picks columns by field name (``stack_name``) or by the
  table heading (``"Stack Name"``); an unknown one is an error naming the
  columns there are. Without ``-c``, tables, ``value`` and ``csv`` show a
  list's default columns; ``json`` and ``yaml`` give every field.
- ``value``: a list's rows one a line, values separated by a space; a show's
  values one a line. ``shell``: ``name="value"`` lines (``--prefix``), shows only.
- Tables fit the terminal; piped, they do not wrap (an id stays one word)
  unless ``--max-width N`` or ``--fit-width`` asks for it.
"""

from __future__ import annotations

import csv
import functools
import inspect
import io
import json
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, Any, TypeVar

import typer
import yaml
from rich.console import Console
from rich.table import Table
from rich.text import Text


class Format(StrEnum):
    table = "table"
    json = "json"
    yaml = "yaml"
    value = "value"
    csv = "csv"
    shell = "shell"


STATUS_STYLES = {"COMPLETE": "green", "FAILED": "bold red", "IN_PROGRESS": "yellow"}
UNLIMITED_WIDTH = 100_000  # a piped table's width: wide enough that nothing wraps


class OutputError(Exception):
    """The output options do not fit the data (an unknown column, shell for a list)."""


@dataclass(frozen=True)
class OutputSpec:
    """How one command prints its result (the options ``@formatted`` adds)."""

    fmt: Format = Format.table
    columns: tuple[str, ...] = ()
    noindent: bool = False
    max_width: int = 0
    fit_width: bool = False
    prefix: str = ""

    @property
    def is_table(self) -> bool:
        return self.fmt is Format.table


def console(spec: OutputSpec | None = None) -> Console:
    """A console on the current sys.stdout (tests swap it), as wide as the spec allows."""
    spec = spec or OutputSpec()
    if spec.max_width > 0:
        return Console(width=spec.max_width, soft_wrap=False)
    if spec.fit_width or sys.stdout.isatty():
        return Console(soft_wrap=False)  # the terminal's width (COLUMNS when piped)
    return Console(width=UNLIMITED_WIDTH, soft_wrap=False)


def status_text(status: str) -> Text:
    for suffix, style in STATUS_STYLES.items():
        if str(status).endswith(suffix):
            return Text(str(status), style=style)
    return Text(str(status))


def heading(column: str) -> str:
    """``stack_name`` -> ``Stack Name`` (what the table shows and ``-c`` accepts too)."""
    return column.replace("_", " ").title()


def _key(name: str) -> str:
    return name.strip().lower().replace(" ", "_").replace("-", "_")


def select_columns(wanted: Sequence[str], available: Sequence[str]) -> list[str]:
    """The field names ``-c`` asks for, in its order; OutputError names the choices for an unknown one."""
    by_key = {_key(name): name for name in available}
    picked: list[str] = []
    for name in wanted:
        found = by_key.get(_key(name))
        if found is None:
            raise OutputError(f"no column {name!r}; the columns are: {', '.join(available)}")
        if found not in picked:
            picked.append(found)
    return picked


def _plain(value: Any) -> str:
    """One value as text for value, csv and shell: structures as compact JSON, None as empty."""
    if value is None:
        return ""
    if isinstance(value, (dict, list)):
        return json.dumps(value, sort_keys=True, default=str)
    return str(value)


def _cell(value: Any) -> Text:
    if isinstance(value, str) and value.endswith(tuple(STATUS_STYLES)):
        return status_text(value)
    return Text(_plain(value))


def rows_table(rows: list[dict[str, Any]], columns: list[str], no_wrap: bool = False) -> Table:
    table = Table(show_lines=False)
    for column in columns:
        table.add_column(heading(column), overflow="fold", no_wrap=no_wrap)
    for row in rows:
        table.add_row(*[_cell(row.get(c)) for c in columns])
    return table


def fields_table(data: dict[str, Any], fields: list[str], no_wrap: bool = False) -> Table:
    table = Table(show_header=True)
    table.add_column("Field", style="bold", no_wrap=True)
    table.add_column("Value", overflow="fold", no_wrap=no_wrap)
    for key in fields:
        value = data.get(key)
        if isinstance(value, (dict, list)):
            text = yaml.safe_dump(value, default_flow_style=False, sort_keys=True).rstrip() if value else ""
            table.add_row(key, Text(text))
        else:
            table.add_row(key, _cell(value))
    return table


def _dump(data: Any, spec: OutputSpec) -> str:
    if spec.fmt is Format.json:
        return json.dumps(data, indent=None if spec.noindent else 2, sort_keys=True, default=str)
    return yaml.safe_dump(data, default_flow_style=False, sort_keys=True).rstrip()


def _csv(rows: list[list[Any]], header: list[str]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, quoting=csv.QUOTE_NONNUMERIC, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow(
            [v if isinstance(v, (int, float)) and not isinstance(v, bool) else _plain(v) for v in row]
        )
    return buffer.getvalue().rstrip("\n")


def _shell_line(prefix: str, name: str, value: Any) -> str:
    escaped = _plain(value).replace("\\", "\\\\").replace('"', '\\"').replace("$", "\\$").replace("`", "\\`")
    return f'{prefix}{_key(name)}="{escaped}"'


def render_list(rows: list[Any], spec: OutputSpec, default_columns: list[str] | None = None) -> None:
    """Print a list of rows (mappings; a bare value is a row of its only column)."""
    known = list(default_columns or [])
    for row in rows:
        for key in row if isinstance(row, dict) else ():
            if key not in known:
                known.append(key)
    first = known[0] if known else "value"
    dicts = [row if isinstance(row, dict) else {first: row} for row in rows]
    columns = select_columns(spec.columns, known) if spec.columns else (default_columns or known or [first])
    if spec.fmt in (Format.json, Format.yaml):
        data = [{c: row.get(c) for c in columns} for row in dicts] if spec.columns else dicts
        typer.echo(_dump(data, spec))
    elif spec.fmt is Format.value:
        for row in dicts:
            typer.echo(" ".join(_plain(row.get(c)) for c in columns))
    elif spec.fmt is Format.csv:
        typer.echo(_csv([[row.get(c) for c in columns] for row in dicts], columns))
    elif spec.fmt is Format.shell:
        raise OutputError("-f shell is for show commands; for a list use -f value or -f csv")
    else:
        out = console(spec)
        out.print(rows_table(dicts, columns, no_wrap=out.width >= UNLIMITED_WIDTH))


def render_one(data: dict[str, Any], spec: OutputSpec) -> None:
    """Print one mapping (a show command's result)."""
    fields = select_columns(spec.columns, list(data)) if spec.columns else sorted(data)
    if spec.fmt in (Format.json, Format.yaml):
        typer.echo(_dump({k: data.get(k) for k in fields} if spec.columns else data, spec))
    elif spec.fmt is Format.value:
        for key in fields:
            typer.echo(_plain(data.get(key)))
    elif spec.fmt is Format.shell:
        for key in fields:
            typer.echo(_shell_line(spec.prefix, key, data.get(key)))
    elif spec.fmt is Format.csv:
        typer.echo(_csv([[data.get(k) for k in fields]], fields))
    else:
        out = console(spec)
        out.print(fields_table(data, fields, no_wrap=out.width >= UNLIMITED_WIDTH))


def render(data: Any, spec: OutputSpec, columns: list[str] | None = None) -> None:
    """A list, a mapping or a scalar, each the way its kind is printed."""
    if isinstance(data, list):
        render_list(data, spec, columns)
    elif isinstance(data, dict):
        render_one(data, spec)
    elif spec.fmt in (Format.json, Format.yaml):
        typer.echo(_dump(data, spec))
    else:
        typer.echo(_plain(data))


# --- the options, added to a command ---------------------------------------------------

F = TypeVar("F", bound=Callable[..., Any])


def _format_options(default: Format) -> list[inspect.Parameter]:
    """The parameters ``@formatted`` adds (typer reads their Annotated metadata)."""

    def option(name: str, annotation: Any, value: Any) -> inspect.Parameter:
        return inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=value, annotation=annotation)

    return [
        option(
            "output_format",
            Annotated[
                Format, typer.Option("--format", "-f", help="Output format.", rich_help_panel="Output")
            ],
            default,
        ),
        option(
            "output_columns",
            Annotated[
                list[str] | None,
                typer.Option(
                    "--column",
                    "-c",
                    metavar="COLUMN",
                    help="Only this column, by field name or heading (repeatable; keeps the order given).",
                    rich_help_panel="Output",
                ),
            ],
            None,
        ),
        option(
            "output_noindent",
            Annotated[bool, typer.Option("--noindent", help="JSON on one line.", rich_help_panel="Output")],
            False,
        ),
        option(
            "output_max_width",
            Annotated[
                int,
                typer.Option(
                    "--max-width",
                    metavar="N",
                    help="Fold a table to at most N characters (0: the terminal's width; piped: no limit).",
                    rich_help_panel="Output",
                ),
            ],
            0,
        ),
        option(
            "output_fit_width",
            Annotated[
                bool,
                typer.Option(
                    "--fit-width",
                    help="Fold a table to the terminal's width (COLUMNS) even when piped.",
                    rich_help_panel="Output",
                ),
            ],
            False,
        ),
        option(
            "output_prefix",
            Annotated[
                str,
                typer.Option(
                    "--prefix",
                    metavar="PREFIX",
                    help="Prefix of each name for -f shell.",
                    rich_help_panel="Output",
                ),
            ],
            "",
        ),
    ]


def formatted(default: Format = Format.table) -> Callable[[F], F]:
    """Give a command the output options; it receives them as one ``out: OutputSpec`` argument.

    An OutputError (say, an unknown ``-c``) ends the command with status 2 and
    a one-line message, as a usage error does.
    """

    def decorate(func: F) -> F:
        signature = inspect.signature(func, eval_str=True)
        own = [p for p in signature.parameters.values() if p.name != "out"]
        extra = _format_options(default)

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            spec = OutputSpec(
                fmt=Format(kwargs.pop("output_format")),
                columns=tuple(kwargs.pop("output_columns") or ()),
                noindent=kwargs.pop("output_noindent"),
                max_width=kwargs.pop("output_max_width"),
                fit_width=kwargs.pop("output_fit_width"),
                prefix=kwargs.pop("output_prefix"),
            )
            try:
                return func(*args, out=spec, **kwargs)
            except OutputError as exc:
                typer.echo(f"ERROR: {exc}", err=True)
                raise typer.Exit(2) from None

        wrapper.__signature__ = signature.replace(parameters=[*own, *extra])  # type: ignore[attr-defined]
        wrapper.__annotations__ = {p.name: p.annotation for p in [*own, *extra]}
        return wrapper  # type: ignore[return-value]

    return decorate
