"""``ember resource|event|template|resource-type ...``: what a stack is made of, and what it may use."""

from __future__ import annotations

import json
from typing import Annotated, Any
from urllib.parse import unquote

import typer

from services.cli.common import EnvOpt, LimitOpt, MarkerOpt, ParamOpt, PollOpt, StackArg, TemplateOpt, gateway
from services.cli.flags import FlagCommand, sub_app
from services.cli.output import Format, OutputSpec, formatted, render, render_list, render_one
from services.cli.templates import request_body
from services.cli.watch import DEFAULT_POLL, follow_events

resource_app = sub_app("A stack's resources.")
event_app = sub_app("A stack's events.")
template_app = sub_app("Templates.")
type_app = sub_app("Resource types the engine offers.")

RESOURCE_COLUMNS = [
    "resource_name",
    "physical_resource_id",
    "resource_type",
    "resource_status",
    "updated_time",
]
EVENT_COLUMNS = ["resource_name", "id", "resource_status", "resource_status_reason", "event_time"]
EVENT_FILTERS = ("resource_action", "resource_status", "resource_name", "resource_type")

NestedDepthOpt = Annotated[
    int,
    typer.Option(
        "--nested-depth",
        metavar="DEPTH",
        min=0,
        help="Also list the resources of nested stacks this deep (adds a stack_name column).",
    ),
]


def _stack_name(resource: dict[str, Any]) -> str | None:
    """The stack a resource belongs to, from its ``stack`` link (``.../stacks/NAME/ID``)."""
    for item in resource.get("links") or []:
        if item.get("rel") == "stack" and "/stacks/" in str(item.get("href")):
            return unquote(str(item["href"]).split("/stacks/", 1)[1].split("/", 1)[0])
    return None


@resource_app.command("list", cls=FlagCommand)
@formatted()
def resource_list(
    ctx: typer.Context, stack: StackArg, nested_depth: NestedDepthOpt = 0, *, out: OutputSpec
) -> None:
    """List a stack's resources (and, with --nested-depth, its nested stacks')."""
    with gateway(ctx) as client:
        resources = client.list_resources(stack, nested_depth=nested_depth or None)
    columns = list(RESOURCE_COLUMNS)
    if nested_depth:
        for resource in resources:
            resource.setdefault("stack_name", _stack_name(resource))
        columns.append("stack_name")
    render_list(resources, out, columns)


@resource_app.command("show", cls=FlagCommand)
@formatted()
def resource_show(
    ctx: typer.Context,
    stack: StackArg,
    resource: Annotated[str, typer.Argument(metavar="RESOURCE", help="The resource's name in the template.")],
    *,
    out: OutputSpec,
) -> None:
    """Show one resource: its status, physical id, attributes and links."""
    with gateway(ctx) as client:
        render_one(client.show_resource(stack, resource), out)


ResourceArg = Annotated[str, typer.Argument(metavar="RESOURCE", help="The resource's name in the template.")]


@resource_app.command("metadata", cls=FlagCommand)
@formatted()
def resource_metadata(ctx: typer.Context, stack: StackArg, resource: ResourceArg, *, out: OutputSpec) -> None:
    """Show a resource's metadata."""
    with gateway(ctx) as client:
        render_one(client.resource_metadata(stack, resource), out)


@resource_app.command("mark-unhealthy", cls=FlagCommand)
def resource_mark_unhealthy(
    ctx: typer.Context,
    stack: StackArg,
    resource: ResourceArg,
    reason: Annotated[
        str | None, typer.Argument(metavar="[REASON]", help="Why (kept as its status reason).")
    ] = None,
    reset: Annotated[bool, typer.Option("--reset", help="Mark it healthy again instead.")] = False,
) -> None:
    """Mark a resource CHECK_FAILED, so the next update replaces it (--reset: healthy again)."""
    with gateway(ctx) as client:
        client.mark_unhealthy(stack, resource, not reset, reason)


@resource_app.command("signal", cls=FlagCommand)
def resource_signal(
    ctx: typer.Context,
    stack: StackArg,
    resource: ResourceArg,
    data: Annotated[
        str | None, typer.Option("--data", "-D", metavar="JSON", help="The signal's body, as JSON.")
    ] = None,
) -> None:
    """Send a signal to a resource (wait conditions and the like)."""
    try:
        body = json.loads(data) if data else None
    except ValueError as exc:
        raise typer.BadParameter(f"not JSON: {exc}", param_hint="--data") from None
    with gateway(ctx) as client:
        client.signal(stack, resource, body)


def parse_filters(pairs: list[str]) -> dict[str, str]:
    """``--filter key=value`` pairs; a malformed one is an error that shows the expected form."""
    filters: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise typer.BadParameter(
                f"{pair!r} is not key=value, e.g. --filter resource_status=FAILED "
                f"(keys: {', '.join(EVENT_FILTERS)})",
                param_hint="--filter",
            )
        filters[key.strip()] = value
    return filters


@event_app.command("list", cls=FlagCommand)
@formatted()
def event_list(
    ctx: typer.Context,
    stack: StackArg,
    resource: Annotated[
        str | None, typer.Option("--resource", "-r", metavar="RESOURCE", help="Only this resource's events.")
    ] = None,
    filters: Annotated[
        list[str] | None,
        typer.Option(
            "--filter",
            metavar="KEY=VALUE",
            help=f"Only events with this field's value (repeatable); keys: {', '.join(EVENT_FILTERS)}.",
        ),
    ] = None,
    limit: LimitOpt = None,
    marker: MarkerOpt = None,
    follow: Annotated[
        bool,
        typer.Option(
            "--follow",
            help="Then print each new event as it happens (one line each), until the stack's action ends.",
        ),
    ] = False,
    poll: PollOpt = DEFAULT_POLL,
    *,
    out: OutputSpec,
) -> None:
    """List a stack's events, oldest first; --follow goes on with the new ones (live when the gateway streams)."""
    params: dict[str, Any] = parse_filters(filters or [])
    with gateway(ctx) as client:
        events = client.list_events(stack, resource, limit=limit, marker=marker, **params)
        render_list(events, out, EVENT_COLUMNS)
        if follow:
            last = str(events[-1]["id"]) if events else marker
            follow_events(client, client.resolve(stack), last, poll, resource)


@template_app.command("validate", cls=FlagCommand)
@formatted(Format.yaml)
def template_validate(
    ctx: typer.Context,
    template: TemplateOpt,
    environment: EnvOpt = None,
    parameter: ParamOpt = None,
    *,
    out: OutputSpec,
) -> None:
    """Validate a template with the engine; prints its parameters."""
    with gateway(ctx) as client:
        render(client.validate(request_body(template, environment or [], parameter or [])), out)


@template_app.command("version-list", cls=FlagCommand)
@formatted()
def template_version_list(ctx: typer.Context, *, out: OutputSpec) -> None:
    """List the template versions the engine takes."""
    with gateway(ctx) as client:
        versions = client.get_json("/template_versions")["template_versions"]
    render_list(versions, out, ["version", "type", "aliases"])


@template_app.command("function-list", cls=FlagCommand)
@formatted()
def template_function_list(
    ctx: typer.Context,
    version: Annotated[str, typer.Argument(metavar="VERSION", help="e.g. heat_template_version.2021-04-16")],
    with_conditions: Annotated[
        bool, typer.Option("--with-conditions", help="Also list the condition functions.")
    ] = False,
    *,
    out: OutputSpec,
) -> None:
    """List the functions a template version offers."""
    params = {"with_condition_func": "true"} if with_conditions else None
    with gateway(ctx) as client:
        functions = client.get_json(f"/template_versions/{version}/functions", params=params)[
            "template_functions"
        ]
    render_list(functions, out, ["functions", "description"])


@type_app.command("list", cls=FlagCommand)
@formatted()
def type_list(
    ctx: typer.Context,
    name: Annotated[
        str | None, typer.Option("--name", metavar="TEXT", help="Only types whose name contains TEXT.")
    ] = None,
    *,
    out: OutputSpec,
) -> None:
    """List the resource types a template may use."""
    with gateway(ctx) as client:
        types = client.list_resource_types(name=name)
    render_list([{"resource_type": t} if isinstance(t, str) else t for t in types], out, ["resource_type"])


@type_app.command("show", cls=FlagCommand)
@formatted(Format.yaml)
def type_show(
    ctx: typer.Context,
    type_name: Annotated[str, typer.Argument(metavar="TYPE", help="e.g. OS::Heat::RandomString.")],
    template_type: Annotated[
        str | None, typer.Option("--template-type", help="hot or cfn: print a template using the type.")
    ] = None,
    *,
    out: OutputSpec,
) -> None:
    """A type's property and attribute schema (or, with --template-type, a template using it)."""
    with gateway(ctx) as client:
        if template_type:
            render(client.resource_type_template(type_name, template_type), out)
        else:
            render(client.resource_type(type_name), out)
