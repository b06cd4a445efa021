"""``ember``: the user's command line over the gateway's Heat v1 API (and one bus shortcut).

    ember stack create web -t web.yaml -e env.yaml -P size=3 --wait
    ember stack list -f value -c id | xargs ember stack delete --yes
    ember event list web --filter resource_status=FAILED

Endpoint, token and project come from ``--url``/``--token``/``--project`` or
EMBER_URL / EMBER_TOKEN / EMBER_PROJECT; ``--url`` may be a Heat endpoint
(``http://host:8004/v1/PROJECT``), which names the project too. The CLI
talks HTTP only (plus ``ember rpc`` which puts a call straight on the bus
with shared/'s EngineClient); it imports no service.
"""

from __future__ import annotations

import asyncio
import importlib.metadata
import importlib.util
import json
from typing import Annotated

import typer

from services.cli import snapshots as _snapshots  # noqa: F401  (registers stack snapshot|abandon|adopt)
from services.cli.broker import quiet_broker_logs
from services.cli.broker_users import broker_users
from services.cli.client import DEFAULT_PROJECT, DEFAULT_URL, GatewayClient, GatewayError, split_endpoint
from services.cli.common import EnvOpt, Options, ParamOpt, TemplateOpt, gateway
from services.cli.flags import FlagCommand, FlagGroup, sub_app
from services.cli.output import OutputSpec, formatted, render_list, render_one
from services.cli.resources import event_app, resource_app, template_app, type_app
from services.cli.stacks import stack_app
from services.cli.templates import TemplateFileError, request_body
from shared.exceptions import EmberError

app = typer.Typer(
    help="Ember: Heat-style orchestration from the command line.", no_args_is_help=True, cls=FlagGroup
)
rpc_app = sub_app("Calls straight onto the bus (no gateway).")
app.add_typer(stack_app, name="stack")
app.add_typer(resource_app, name="resource")
app.add_typer(event_app, name="event")
app.add_typer(template_app, name="template")
app.add_typer(type_app, name="resource-type")
app.add_typer(rpc_app, name="rpc")
service_app = sub_app("The engines behind the gateway.")
app.add_typer(service_app, name="service")

#: As ``openstack orchestration service list``.
SERVICE_COLUMNS = ["hostname", "binary", "engine_id", "host", "topic", "updated_at", "status"]


def ember_version() -> str:
    try:
        return importlib.metadata.version("ember")
    except importlib.metadata.PackageNotFoundError:  # run from a checkout that was never installed
        return "unknown"


def _print_versions(opts: Options) -> None:
    """Ember's own version, then the API versions the gateway offers (or why it did not say)."""
    typer.echo(f"ember {ember_version()}")
    with GatewayClient(opts.url, opts.token, opts.project, timeout=5) as client:
        try:
            versions = client.api_versions()
        except GatewayError as exc:
            typer.echo(f"API: unknown ({exc})")
            return
    listed = ", ".join(f"{v.get('id')} ({v.get('status')})" for v in versions)
    typer.echo(f"API: {listed} at {opts.url}")


def resolve_endpoint(url: str, project: str | None) -> tuple[str, str]:
    """The gateway's base URL and the project, from ``--url`` (maybe ``.../v1/PROJECT``) and ``--project``."""
    base, in_url = split_endpoint(url)
    if in_url and project and in_url != project:
        raise typer.BadParameter(
            f"--url names project {in_url!r} but --project says {project!r}; give one of them",
            param_hint="--url",
        )
    return base, in_url or project or DEFAULT_PROJECT


@app.callback(invoke_without_command=True)
def main(
    ctx: typer.Context,
    url: Annotated[
        str,
        typer.Option(
            "--url",
            envvar="EMBER_URL",
            metavar="URL",
            help="The gateway (http://HOST:8004) or a Heat endpoint (http://HOST:8004/v1/PROJECT).",
        ),
    ] = DEFAULT_URL,
    token: Annotated[
        str | None,
        typer.Option("--token", envvar="EMBER_TOKEN", metavar="TOKEN", help="X-Auth-Token (token auth)."),
    ] = None,
    project: Annotated[
        str | None,
        typer.Option(
            "--project",
            envvar="EMBER_PROJECT",
            metavar="PROJECT",
            help=f"Project (tenant) id (default: {DEFAULT_PROJECT}, or the one in --url).",
        ),
    ] = None,
    version: Annotated[
        bool, typer.Option("--version", help="Print Ember's version and the gateway's API versions.")
    ] = False,
) -> None:
    """Ember: Heat-style orchestration from the command line."""
    base, tenant = resolve_endpoint(url, project)
    ctx.obj = Options(url=base, token=token, project=tenant)
    if version:
        _print_versions(ctx.obj)
        raise typer.Exit(0)
    if ctx.invoked_subcommand is None:
        typer.echo(ctx.get_help())
        raise typer.Exit(0)


@app.command("build-info", cls=FlagCommand)
@formatted()
def build_info(ctx: typer.Context, *, out: OutputSpec) -> None:
    """The gateway's and the engine's build (Heat's build_info)."""
    with gateway(ctx) as client:
        render_one(client.get_json("/build_info"), out)


@service_app.command("list", cls=FlagCommand)
@formatted()
def service_list(ctx: typer.Context, *, out: OutputSpec) -> None:
    """Every engine with its last heartbeat and whether it is up (admin only, as Heat's)."""
    with gateway(ctx) as client:
        render_list(client.get_json("/services")["services"], out, SERVICE_COLUMNS)


# --- straight onto the bus ---------------------------------------------------------------


@rpc_app.command("create-stack", cls=FlagCommand)
def rpc_create_stack(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(metavar="NAME", help="Name of the new stack.")],
    template: TemplateOpt,
    environment: EnvOpt = None,
    parameter: ParamOpt = None,
    config_file: Annotated[
        str | None, typer.Option("--config-file", metavar="FILE", help="Settings (its rpc section).")
    ] = None,
    topic: Annotated[str, typer.Option("--topic", help="Engine topic.")] = "engine",
) -> None:
    """Publish create_stack on the bus with EngineClient and print the engine's reply."""
    from services.cli.rpc import BrokerError, create_stack_over_bus  # imports the bus: only when asked for

    quiet_broker_logs()
    opts: Options = ctx.find_root().obj
    try:
        body = request_body(template, environment or [], parameter or [])
        reply = asyncio.run(create_stack_over_bus(config_file, topic, opts.project, name, body))
    except BrokerError as exc:
        typer.echo(f"ERROR: {exc.diagnosis.message}\n{exc.diagnosis.help}", err=True)
        raise typer.Exit(1) from None
    except (TemplateFileError, EmberError) as exc:
        kind = type(exc).__name__
        typer.echo(f"ERROR: {kind}: {exc}", err=True)
        raise typer.Exit(1) from None
    typer.echo(json.dumps(reply, indent=2, sort_keys=True))


app.command("broker-users", cls=FlagCommand)(broker_users)

if importlib.util.find_spec("services.cli.up") is not None:  # ``ember up`` lives in its own module
    from services.cli.up import up

    app.command("up", cls=FlagCommand)(up)
