"""``ember stack ...``: create, list, show, update, preview, cancel, delete a stack; its outputs and template."""

from __future__ import annotations

import functools
import sys
from typing import Annotated, Any

import typer

from services.cli.client import GatewayClient, GatewayError
from services.cli.common import (
    EnvOpt,
    LimitOpt,
    MarkerOpt,
    ParamOpt,
    PollOpt,
    StackArg,
    TemplateOpt,
    WaitOpt,
    gateway,
)
from services.cli.flags import FlagCommand, sub_app
from services.cli.output import (
    Format,
    OutputSpec,
    formatted,
    render,
    render_list,
    render_one,
    select_columns,
)
from services.cli.templates import request_body, request_body_without_template
from services.cli.watch import DEFAULT_POLL, Progress, last_event_id, wait_for_stack, watch_list

stack_app = sub_app("Create, inspect and delete stacks.")

STACK_COLUMNS = ["id", "stack_name", "stack_status", "creation_time", "updated_time"]
SUMMARY_FIELDS = ("id", "stack_name", "stack_status", "stack_status_reason")


def progress_for(out: OutputSpec) -> Progress:
    """Live on a terminal, event lines when piped, nothing but the result for machine formats."""
    if not out.is_table:
        return Progress.quiet
    return Progress.live if sys.stdout.isatty() else Progress.lines


def _finish(stack: dict[str, Any] | None, out: OutputSpec, want: str) -> None:
    """Report the final state; anything but ``want`` (a FAILED, or a create rolled back) exits 1."""
    if stack is None:
        typer.echo("Stack is gone.", err=not out.is_table)
        raise typer.Exit(1)
    if out.is_table:
        typer.echo(
            f"{stack.get('stack_name')} {stack.get('stack_status')}: {stack.get('stack_status_reason') or ''}"
        )
    else:
        render_one(stack, out)
    if stack.get("stack_status") != want:
        raise typer.Exit(1)


@stack_app.command("create", cls=FlagCommand)
@formatted()
def stack_create(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(metavar="NAME", help="Name of the new stack.")],
    template: TemplateOpt,
    environment: EnvOpt = None,
    parameter: ParamOpt = None,
    timeout: Annotated[
        int | None, typer.Option("--timeout", metavar="MINUTES", min=1, help="Minutes the create may take.")
    ] = None,
    rollback: Annotated[
        bool,
        typer.Option(
            "--enable-rollback/--disable-rollback",
            help="Roll a failed create back (delete what it made); off by default, as openstack stack create.",
        ),
    ] = False,
    tags: Annotated[str | None, typer.Option("--tags", metavar="A,B", help="Comma-separated tags.")] = None,
    wait: WaitOpt = False,
    poll: PollOpt = DEFAULT_POLL,
    *,
    out: OutputSpec,
) -> None:
    """Create a stack; get_file and nested template files are read here and sent along."""
    with gateway(ctx) as client:
        body = request_body(template, environment or [], parameter or [])
        body["stack_name"] = name
        body["disable_rollback"] = not rollback  # always sent: the engine's own default is Heat's (True)
        if timeout is not None:
            body["timeout_mins"] = timeout
        if tags:
            body["tags"] = tags
        created = client.create_stack(body)
        if not wait:
            render_one({"id": created["id"], "stack_name": name, "links": created["links"]}, out)
            return
        final = wait_for_stack(client, f"{name}/{created['id']}", progress_for(out), poll)
    _finish(final, out, "CREATE_COMPLETE")


@stack_app.command("list", cls=FlagCommand)
@formatted()
def stack_list(
    ctx: typer.Context,
    limit: LimitOpt = None,
    marker: MarkerOpt = None,
    show_deleted: Annotated[bool, typer.Option("--show-deleted", help="Include deleted stacks.")] = False,
    watch: Annotated[
        bool,
        typer.Option(
            "--watch", help="Keep listing until Ctrl-C: a live table, or one line per change when piped."
        ),
    ] = False,
    poll: PollOpt = DEFAULT_POLL,
    *,
    out: OutputSpec,
) -> None:
    """List the project's stacks."""
    with gateway(ctx) as client:
        if watch:
            if not out.is_table:
                raise typer.BadParameter("--watch draws a table; it takes no -f", param_hint="--watch")
            columns = select_columns(out.columns, STACK_COLUMNS) if out.columns else STACK_COLUMNS
            fetch = functools.partial(
                client.list_stacks, limit=limit, marker=marker, show_deleted=show_deleted
            )
            watch_list(fetch, columns, progress_for(out), poll)
            return
        stacks = client.list_stacks(limit=limit, marker=marker, show_deleted=show_deleted)
    render_list(stacks, out, STACK_COLUMNS)


@stack_app.command("show", cls=FlagCommand)
@formatted()
def stack_show(ctx: typer.Context, stack: StackArg, *, out: OutputSpec) -> None:
    """Show a stack with its parameters and outputs."""
    with gateway(ctx) as client:
        render_one(client.show_stack(stack), out)


def _confirm(stacks: list[str]) -> bool:
    """On a terminal, ask (as openstack stack delete does); a script (no terminal on stdin) is not asked."""
    if not sys.stdin.isatty():
        return True
    which = "this stack" if len(stacks) == 1 else f"these {len(stacks)} stacks"
    return typer.confirm(f"Are you sure you want to delete {which} ({', '.join(stacks)})?", default=False)


def _delete_one(
    client: GatewayClient, stack: str, wait: bool, poll: float, out: OutputSpec
) -> dict[str, Any]:
    """Delete one stack; with ``wait``, until it is gone. Returns its summary (never its outputs)."""
    full = client.resolve(stack)
    progress = progress_for(out)
    marker = last_event_id(client, full) if wait else None  # where the delete's progress starts
    known = client.list_resources(full) if wait and progress is Progress.live else None
    client.request("DELETE", f"/stacks/{full}")
    name, _, stack_id = full.partition("/")
    summary: dict[str, Any] = {"id": stack_id, "stack_name": name, "stack_status": "DELETE_IN_PROGRESS"}
    if not wait:
        return summary
    final = wait_for_stack(client, full, progress, poll, deleting=True, marker=marker, known=known)
    if final is not None:
        summary.update({k: final.get(k) for k in SUMMARY_FIELDS if k in final})
    else:
        summary.update(stack_status="DELETE_COMPLETE", stack_status_reason="Stack deleted")
    return summary


@stack_app.command("delete", cls=FlagCommand)
@formatted()
def stack_delete(
    ctx: typer.Context,
    stacks: Annotated[list[str], typer.Argument(metavar="STACK", help="Stacks to delete (names or ids).")],
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
    wait: WaitOpt = False,
    poll: PollOpt = DEFAULT_POLL,
    *,
    out: OutputSpec,
) -> None:
    """Delete one or more stacks; on a terminal asks first unless --yes. With --wait, until each is gone."""
    if not yes and not _confirm(stacks):
        typer.echo("Not confirmed: nothing deleted.", err=True)
        return
    results: list[dict[str, Any]] = []
    failed: list[str] = []
    with gateway(ctx) as client:
        for stack in stacks:
            try:
                summary = _delete_one(client, stack, wait, poll, out)
            except GatewayError as exc:
                typer.echo(f"ERROR: {stack}: {exc}", err=True)
                failed.append(stack)
                continue
            results.append(summary)
            if out.is_table:
                status, reason = summary["stack_status"], summary.get("stack_status_reason") or ""
                typer.echo(f"{summary['stack_name']} {status}{': ' + reason if reason else ''}")
            if summary["stack_status"] not in ("DELETE_COMPLETE", "DELETE_IN_PROGRESS"):
                failed.append(stack)
    if not out.is_table:
        render_list(results, out, list(SUMMARY_FIELDS))
    if failed:
        typer.echo(
            f"ERROR: could not delete {len(failed)} of {len(stacks)} stacks: {' '.join(failed)}", err=True
        )
        raise typer.Exit(1)


CHANGE_KEYS = ("added", "deleted", "replaced", "updated", "unchanged")
CHANGE_COLUMNS = ["change", "resource_name", "resource_type", "physical_resource_id"]


def _update_body(
    template: str | None,
    environment: list[str] | None,
    parameter: list[str] | None,
    existing: bool,
    clear_parameter: list[str] | None,
    timeout: int | None,
    rollback: bool | None,
    tags: str | None,
) -> dict[str, Any]:
    """An update request; with --existing the template may be left out (PATCH keeps the stored one)."""
    if template is not None:
        body = request_body(template, environment or [], parameter or [])
    elif not existing:
        raise typer.BadParameter(
            "give a template (-t), or --existing to keep the stack's own", param_hint="-t"
        )
    else:
        body = request_body_without_template(environment or [], parameter or [])
    if clear_parameter:
        body["clear_parameters"] = list(clear_parameter)
    if timeout is not None:
        body["timeout_mins"] = timeout
    if rollback is not None:
        body["disable_rollback"] = not rollback
    if tags:
        body["tags"] = tags
    return body


def _show_changes(changes: dict[str, Any], out: OutputSpec) -> None:
    render_list(_changes_rows(changes), out, CHANGE_COLUMNS)
    if out.is_table and changes.get("plan_id"):
        typer.echo(
            f"plan id: {changes['plan_id']} (ember stack update ... --plan {changes['plan_id']} does exactly this)"
        )


def _changes_rows(changes: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {"change": key, **{k: r.get(k) for k in ("resource_name", "resource_type", "physical_resource_id")}}
        for key in CHANGE_KEYS
        for r in changes.get(key) or []
    ]


UpdateTemplateOpt = Annotated[
    str | None,
    typer.Option("--template", "-t", metavar="FILE|URL", help="The new template (optional with --existing)."),
]
ExistingOpt = Annotated[
    bool,
    typer.Option(
        "--existing",
        help="Keep the stack's template, parameters and environment; merge what is given (PATCH).",
    ),
]
ClearOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--clear-parameter", metavar="NAME", help="With --existing: reset a parameter to its default."
    ),
]
RollbackOpt = Annotated[
    bool | None,
    typer.Option(
        "--rollback/--no-rollback", help="Roll a failed update back (default: as the stack was made)."
    ),
]


@stack_app.command("update", cls=FlagCommand)
@formatted()
def stack_update(
    ctx: typer.Context,
    stack: StackArg,
    template: UpdateTemplateOpt = None,
    environment: EnvOpt = None,
    parameter: ParamOpt = None,
    existing: ExistingOpt = False,
    clear_parameter: ClearOpt = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Only show what would change (a preview).")
    ] = False,
    timeout: Annotated[
        int | None, typer.Option("--timeout", metavar="MINUTES", min=1, help="Minutes the update may take.")
    ] = None,
    rollback: RollbackOpt = None,
    tags: Annotated[str | None, typer.Option("--tags", metavar="A,B", help="Comma-separated tags.")] = None,
    wait: WaitOpt = False,
    poll: PollOpt = DEFAULT_POLL,
    *,
    out: OutputSpec,
) -> None:
    """Update a stack to a new template or parameters; --dry-run previews, --wait follows the resources."""
    body = _update_body(template, environment, parameter, existing, clear_parameter, timeout, rollback, tags)
    with gateway(ctx) as client:
        if dry_run:
            render_list(
                _changes_rows(client.preview_update(stack, body, patch=existing)), out, CHANGE_COLUMNS
            )
            return
        full = client.resolve(stack)
        progress = progress_for(out)
        marker = last_event_id(client, full) if wait else None
        known = client.list_resources(full) if wait and progress is Progress.live else None
        client.update_stack(full, body, patch=existing)
        name, _, stack_id = full.partition("/")
        if not wait:
            render_one({"id": stack_id, "stack_name": name, "stack_status": "UPDATE_IN_PROGRESS"}, out)
            return
        final = wait_for_stack(client, full, progress, poll, marker=marker, known=known)
    _finish(final, out, "UPDATE_COMPLETE")


@stack_app.command("preview", cls=FlagCommand)
@formatted()
def stack_preview(
    ctx: typer.Context,
    stack: StackArg,
    template: UpdateTemplateOpt = None,
    environment: EnvOpt = None,
    parameter: ParamOpt = None,
    existing: ExistingOpt = False,
    clear_parameter: ClearOpt = None,
    *,
    out: OutputSpec,
) -> None:
    """What an update would do to each resource (added, deleted, replaced, updated, unchanged); changes nothing."""
    body = _update_body(template, environment, parameter, existing, clear_parameter, None, None, None)
    with gateway(ctx) as client:
        _show_changes(client.preview_update(stack, body, patch=existing), out)


@stack_app.command("cancel", cls=FlagCommand)
@formatted()
def stack_cancel(
    ctx: typer.Context,
    stack: StackArg,
    no_rollback: Annotated[
        bool,
        typer.Option(
            "--no-rollback", help="Stop where it is (FAILED) instead of rolling back; cancels a create too."
        ),
    ] = False,
    wait: WaitOpt = False,
    poll: PollOpt = DEFAULT_POLL,
    *,
    out: OutputSpec,
) -> None:
    """Cancel a running update (rolled back), or with --no-rollback an update or create (left FAILED)."""
    with gateway(ctx) as client:
        full = client.stack_action(stack, "cancel_without_rollback" if no_rollback else "cancel_update")
        if not wait:
            name, _, stack_id = full.partition("/")
            render_one({"id": stack_id, "stack_name": name, "cancel": "requested"}, out)
            return
        final = wait_for_stack(client, full, progress_for(out), poll)
    _finish(final, out, "UPDATE_FAILED" if no_rollback else "ROLLBACK_COMPLETE")


def _stack_action(
    ctx: typer.Context, stack: str, action: str, wait: bool, poll: float, out: OutputSpec
) -> None:
    with gateway(ctx) as client:
        full = client.stack_action(stack, action)
        if not wait:
            name, _, stack_id = full.partition("/")
            render_one(
                {"id": stack_id, "stack_name": name, "stack_status": f"{action.upper()}_IN_PROGRESS"}, out
            )
            return
        final = wait_for_stack(client, full, progress_for(out), poll)
    _finish(final, out, f"{action.upper()}_COMPLETE")


@stack_app.command("suspend", cls=FlagCommand)
@formatted()
def stack_suspend(
    ctx: typer.Context,
    stack: StackArg,
    wait: WaitOpt = False,
    poll: PollOpt = DEFAULT_POLL,
    *,
    out: OutputSpec,
) -> None:
    """Suspend every resource, in reverse dependency order."""
    _stack_action(ctx, stack, "suspend", wait, poll, out)


@stack_app.command("resume", cls=FlagCommand)
@formatted()
def stack_resume(
    ctx: typer.Context,
    stack: StackArg,
    wait: WaitOpt = False,
    poll: PollOpt = DEFAULT_POLL,
    *,
    out: OutputSpec,
) -> None:
    """Resume a suspended stack's resources, in dependency order."""
    _stack_action(ctx, stack, "resume", wait, poll, out)


@stack_app.command("check", cls=FlagCommand)
@formatted()
def stack_check(
    ctx: typer.Context,
    stack: StackArg,
    wait: WaitOpt = False,
    poll: PollOpt = DEFAULT_POLL,
    *,
    out: OutputSpec,
) -> None:
    """Check that every resource is as recorded (CHECK_COMPLETE / CHECK_FAILED)."""
    _stack_action(ctx, stack, "check", wait, poll, out)


@stack_app.command("output-list", cls=FlagCommand)
@formatted()
def output_list(ctx: typer.Context, stack: StackArg, *, out: OutputSpec) -> None:
    """List a stack's outputs (their keys and descriptions; output-show gives a value)."""
    with gateway(ctx) as client:
        render_list(client.list_outputs(stack), out, ["output_key", "description"])


@stack_app.command("output-show", cls=FlagCommand)
@formatted()
def output_show(
    ctx: typer.Context,
    stack: StackArg,
    key: Annotated[str, typer.Argument(metavar="OUTPUT", help="The output's key (see output-list).")],
    *,
    out: OutputSpec,
) -> None:
    """Show one output of a stack with its value."""
    with gateway(ctx) as client:
        render_one(client.show_output(stack, key), out)


@stack_app.command("template", cls=FlagCommand)
@formatted(Format.yaml)
def stack_template(ctx: typer.Context, stack: StackArg, *, out: OutputSpec) -> None:
    """Print the stack's template (YAML unless -f json)."""
    with gateway(ctx) as client:
        render(client.template(stack), out)
