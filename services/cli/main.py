"""``ember``: the user's command line over the gateway's Heat v1 API (and one bus shortcut).

    ember stack create web -t web.yaml -e env.yaml -P size=3 --wait
    ember stack list --format json
    ember event list web --filter resource_status=FAILED

Endpoint, token and project come from ``--url``/``--token``/``--project`` or
EMBER_URL / EMBER_TOKEN / EMBER_PROJECT. The CLI talks HTTP only (plus
``ember rpc`` which puts a call straight on the bus with shared/'s
EngineClient); it imports no service.
"""

from __future__ import annotations

import asyncio
import importlib.util
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Annotated, Any

import typer

from services.cli.client import DEFAULT_PROJECT, DEFAULT_URL, GatewayClient, GatewayError
from services.cli.output import Format, render
from services.cli.templates import TemplateFileError, parse_parameters, request_body
from services.cli.watch import wait_for_stack
from shared.exceptions import EmberError

app = typer.Typer(help="Ember: Heat-style orchestration from the command line.", no_args_is_help=True)
stack_app = typer.Typer(help="Create, inspect and delete stacks.", no_args_is_help=True)
resource_app = typer.Typer(help="A stack's resources.", no_args_is_help=True)
event_app = typer.Typer(help="A stack's events.", no_args_is_help=True)
template_app = typer.Typer(help="Templates.", no_args_is_help=True)
type_app = typer.Typer(help="Resource types the engine offers.", no_args_is_help=True)
rpc_app = typer.Typer(help="Calls straight onto the bus (no gateway).", no_args_is_help=True)
app.add_typer(stack_app, name="stack")
app.add_typer(resource_app, name="resource")
app.add_typer(event_app, name="event")
app.add_typer(template_app, name="template")
app.add_typer(type_app, name="resource-type")
app.add_typer(rpc_app, name="rpc")

STACK_COLUMNS = ["id", "stack_name", "stack_status", "creation_time", "updated_time"]
RESOURCE_COLUMNS = [
    "resource_name",
    "physical_resource_id",
    "resource_type",
    "resource_status",
    "updated_time",
]
EVENT_COLUMNS = ["resource_name", "id", "resource_status", "resource_status_reason", "event_time"]

FormatOpt = Annotated[Format, typer.Option("--format", "-f", help="Output format.")]
WaitOpt = Annotated[bool, typer.Option("--wait", help="Show progress live until the action ends.")]
TemplateOpt = Annotated[str, typer.Option("--template", "-t", help="Template file.")]
EnvOpt = Annotated[
    list[str] | None, typer.Option("--environment", "-e", help="Environment file (repeatable).")
]
ParamOpt = Annotated[list[str] | None, typer.Option("--parameter", "-P", help="key=value (repeatable).")]


@dataclass
class Options:
    url: str
    token: str | None
    project: str


@app.callback()
def main(
    ctx: typer.Context,
    url: Annotated[str, typer.Option("--url", envvar="EMBER_URL", help="Gateway URL.")] = DEFAULT_URL,
    token: Annotated[str | None, typer.Option("--token", envvar="EMBER_TOKEN", help="X-Auth-Token.")] = None,
    project: Annotated[
        str, typer.Option("--project", envvar="EMBER_PROJECT", help="Project (tenant) id.")
    ] = DEFAULT_PROJECT,
) -> None:
    ctx.obj = Options(url=url, token=token, project=project)


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


def _finish(stack: dict[str, Any] | None, fmt: Format, want: str) -> None:
    """Report the final state; anything but ``want`` (a FAILED, or a create rolled back) exits 1."""
    if stack is None:
        typer.echo("Stack is gone.")
        if want != "DELETE_COMPLETE":
            raise typer.Exit(1)
        return
    if fmt is not Format.table:
        render(stack, fmt)
    else:
        typer.echo(
            f"{stack.get('stack_name')} {stack.get('stack_status')}: {stack.get('stack_status_reason')}"
        )
    if stack.get("stack_status") != want:
        raise typer.Exit(1)


# --- stack --------------------------------------------------------------------------


@stack_app.command("create")
def stack_create(
    ctx: typer.Context,
    name: str,
    template: TemplateOpt,
    environment: EnvOpt = None,
    parameter: ParamOpt = None,
    timeout: Annotated[int | None, typer.Option("--timeout", help="Minutes the create may take.")] = None,
    disable_rollback: Annotated[
        bool, typer.Option("--disable-rollback", help="Keep a failed stack.")
    ] = False,
    tags: Annotated[str | None, typer.Option("--tags", help="Comma-separated tags.")] = None,
    wait: WaitOpt = False,
    fmt: FormatOpt = Format.table,
) -> None:
    """Create a stack from a local template (get_file and nested template files are sent along)."""
    with gateway(ctx) as client:
        body = request_body(template, environment or [], parameter or [])
        body["stack_name"] = name
        if timeout is not None:
            body["timeout_mins"] = timeout
        if disable_rollback:
            body["disable_rollback"] = True
        if tags:
            body["tags"] = tags
        created = client.create_stack(body)
        if not wait:
            render({"id": created["id"], "stack_name": name, "links": created["links"]}, fmt)
            return
        final = wait_for_stack(client, f"{name}/{created['id']}", live=fmt is Format.table)
    _finish(final, fmt, "CREATE_COMPLETE")


@stack_app.command("list")
def stack_list(
    ctx: typer.Context,
    limit: Annotated[int | None, typer.Option("--limit")] = None,
    marker: Annotated[str | None, typer.Option("--marker")] = None,
    show_deleted: Annotated[bool, typer.Option("--show-deleted")] = False,
    fmt: FormatOpt = Format.table,
) -> None:
    """List the project's stacks."""
    with gateway(ctx) as client:
        stacks = client.list_stacks(limit=limit, marker=marker, show_deleted=show_deleted)
    render(stacks, fmt, STACK_COLUMNS)


@stack_app.command("show")
def stack_show(ctx: typer.Context, stack: str, fmt: FormatOpt = Format.table) -> None:
    """Show a stack (by name or id) with its parameters and outputs."""
    with gateway(ctx) as client:
        render(client.show_stack(stack), fmt)


@stack_app.command("delete")
def stack_delete(
    ctx: typer.Context, stack: str, wait: WaitOpt = False, fmt: FormatOpt = Format.table
) -> None:
    """Delete a stack; with --wait, until DELETE_COMPLETE."""
    with gateway(ctx) as client:
        full = client.delete_stack(stack)
        if not wait:
            typer.echo(f"Deleting {full}")
            return
        final = wait_for_stack(client, full, live=fmt is Format.table)
    _finish(final, fmt, "DELETE_COMPLETE")


@stack_app.command("output-list")
def output_list(ctx: typer.Context, stack: str, fmt: FormatOpt = Format.table) -> None:
    with gateway(ctx) as client:
        render(client.list_outputs(stack), fmt, ["output_key", "description"])


@stack_app.command("output-show")
def output_show(ctx: typer.Context, stack: str, key: str, fmt: FormatOpt = Format.table) -> None:
    with gateway(ctx) as client:
        render(client.show_output(stack, key), fmt)


@stack_app.command("template")
def stack_template(ctx: typer.Context, stack: str, fmt: FormatOpt = Format.yaml) -> None:
    """Print the stack's template (YAML unless --format json)."""
    with gateway(ctx) as client:
        render(client.template(stack), fmt)


# --- resources, events ----------------------------------------------------------------


@resource_app.command("list")
def resource_list(
    ctx: typer.Context,
    stack: str,
    nested_depth: Annotated[int, typer.Option("--nested-depth")] = 0,
    fmt: FormatOpt = Format.table,
) -> None:
    with gateway(ctx) as client:
        render(client.list_resources(stack, nested_depth=nested_depth or None), fmt, RESOURCE_COLUMNS)


@resource_app.command("show")
def resource_show(ctx: typer.Context, stack: str, resource: str, fmt: FormatOpt = Format.table) -> None:
    with gateway(ctx) as client:
        render(client.show_resource(stack, resource), fmt)


@event_app.command("list")
def event_list(
    ctx: typer.Context,
    stack: str,
    resource: Annotated[str | None, typer.Option("--resource", "-r", help="Only this resource.")] = None,
    filters: Annotated[list[str] | None, typer.Option("--filter", help="key=value (repeatable).")] = None,
    limit: Annotated[int | None, typer.Option("--limit")] = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """List events; filters: resource_action, resource_status, resource_name, resource_type."""
    with gateway(ctx) as client:
        params: dict[str, Any] = dict(parse_parameters(filters or []))
        events = client.list_events(stack, resource, limit=limit, **params)
    render(events, fmt, EVENT_COLUMNS)


# --- templates, types ----------------------------------------------------------------------


@template_app.command("validate")
def template_validate(
    ctx: typer.Context,
    template: TemplateOpt,
    environment: EnvOpt = None,
    parameter: ParamOpt = None,
    fmt: FormatOpt = Format.yaml,
) -> None:
    """Validate a template with the engine; prints its parameters."""
    with gateway(ctx) as client:
        render(client.validate(request_body(template, environment or [], parameter or [])), fmt)


@type_app.command("list")
def type_list(
    ctx: typer.Context,
    name: Annotated[str | None, typer.Option("--name", help="Only types whose name matches.")] = None,
    fmt: FormatOpt = Format.table,
) -> None:
    with gateway(ctx) as client:
        types = client.list_resource_types(name=name)
    render([{"resource_type": t} if isinstance(t, str) else t for t in types], fmt, ["resource_type"])


@type_app.command("show")
def type_show(
    ctx: typer.Context,
    type_name: str,
    template_type: Annotated[
        str | None, typer.Option("--template-type", help="hot or cfn: print a template using the type.")
    ] = None,
    fmt: FormatOpt = Format.yaml,
) -> None:
    """A type's property and attribute schema (or, with --template-type, a template using it)."""
    with gateway(ctx) as client:
        if template_type:
            render(client.resource_type_template(type_name, template_type), fmt)
        else:
            render(client.resource_type(type_name), fmt)


# --- straight onto the bus ---------------------------------------------------------------


@rpc_app.command("create-stack")
def rpc_create_stack(
    ctx: typer.Context,
    name: str,
    template: TemplateOpt,
    environment: EnvOpt = None,
    parameter: ParamOpt = None,
    config_file: Annotated[str | None, typer.Option("--config-file", help="Settings (rpc section).")] = None,
    topic: Annotated[str, typer.Option("--topic", help="Engine topic.")] = "engine",
) -> None:
    """Publish create_stack on the bus with EngineClient and print the engine's reply."""
    from services.cli.rpc import create_stack_over_bus  # imports the bus: only when asked for

    opts: Options = ctx.find_root().obj
    try:
        body = request_body(template, environment or [], parameter or [])
        reply = asyncio.run(create_stack_over_bus(config_file, topic, opts.project, name, body))
    except (TemplateFileError, EmberError) as exc:
        kind = type(exc).__name__
        typer.echo(f"ERROR: {kind}: {exc}", err=True)
        raise typer.Exit(1) from None
    typer.echo(json.dumps(reply, indent=2, sort_keys=True))


if importlib.util.find_spec("services.cli.up") is not None:  # ``ember up`` lives in its own module
    from services.cli.up import up

    app.command("up")(up)
