"""What every ``ember`` command shares: the root options, the gateway client, the common option types."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Annotated

import typer

from services.cli.client import GatewayClient, GatewayError
from services.cli.templates import TemplateFileError


@dataclass
class Options:
    """The root options (``ember --url ... --project ...``), once resolved."""

    url: str
    token: str | None
    project: str


@contextmanager
def gateway(ctx: typer.Context) -> Iterator[GatewayClient]:
    """A client for the command; any gateway or file error ends the command with status 1."""
    opts: Options = ctx.find_root().obj
    try:
        with GatewayClient(opts.url, opts.token, opts.project) as client:
            yield client
    except (GatewayError, TemplateFileError) as exc:
        typer.echo(f"ERROR: {exc}", err=True)
        raise typer.Exit(1) from None


StackArg = Annotated[str, typer.Argument(metavar="STACK", help="Stack name, id or name/id.")]
WaitOpt = Annotated[bool, typer.Option("--wait", help="Show the progress until the action ends.")]
PollOpt = Annotated[
    float,
    typer.Option(
        "--poll",
        metavar="SECONDS",
        min=0.01,
        envvar="EMBER_WAIT_INTERVAL",
        show_envvar=True,
        help="Seconds between two looks at the stack with --wait.",
    ),
]
TemplateOpt = Annotated[
    str,
    typer.Option(
        "--template",
        "-t",
        metavar="FILE|URL",
        help="Template: a local file or an http(s) URL (get_file and nested templates relative to it).",
    ),
]
EnvOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--environment", "-e", metavar="FILE|URL", help="Environment file (repeatable; later wins)."
    ),
]
ParamOpt = Annotated[
    list[str] | None,
    typer.Option("--parameter", "-P", metavar="KEY=VALUE", help="A template parameter (repeatable)."),
]
LimitOpt = Annotated[int | None, typer.Option("--limit", metavar="N", min=0, help="At most N items.")]
MarkerOpt = Annotated[
    str | None,
    typer.Option("--marker", metavar="ID", help="Start after the item with this id (paging, with --limit)."),
]
