"""``ember stack snapshot ...``, ``ember stack abandon`` and ``ember stack adopt``: a stack's data kept or handed over."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from services.cli.common import PollOpt, StackArg, WaitOpt, gateway
from services.cli.flags import FlagCommand, sub_app
from services.cli.output import OutputSpec, formatted, render_list, render_one
from services.cli.stacks import _finish, progress_for, stack_app
from services.cli.watch import DEFAULT_POLL, wait_for_stack

snapshot_app = sub_app("A stack's snapshots: create, list, show, delete, restore.")
stack_app.add_typer(snapshot_app, name="snapshot")

SNAPSHOT_COLUMNS = ["id", "name", "status", "status_reason", "creation_time"]
SnapshotArg = Annotated[str, typer.Argument(metavar="SNAPSHOT", help="The snapshot's id.")]


@snapshot_app.command("create", cls=FlagCommand)
@formatted()
def snapshot_create(
    ctx: typer.Context,
    stack: StackArg,
    name: Annotated[str | None, typer.Option("--name", help="A name for the snapshot.")] = None,
    *,
    out: OutputSpec,
) -> None:
    """Snapshot a stack (its template, environment and resources' data)."""
    with gateway(ctx) as client:
        full = client.resolve(stack)
        body: dict[str, Any] = {"name": name} if name else {}
        snapshot = client.request("POST", f"/stacks/{full}/snapshots", json=body).json()
    render_one({k: snapshot.get(k) for k in SNAPSHOT_COLUMNS}, out)


@snapshot_app.command("list", cls=FlagCommand)
@formatted()
def snapshot_list(ctx: typer.Context, stack: StackArg, *, out: OutputSpec) -> None:
    """List a stack's snapshots."""
    with gateway(ctx) as client:
        snapshots = client.get_json(f"/stacks/{client.resolve(stack)}/snapshots")["snapshots"]
    render_list(snapshots, out, SNAPSHOT_COLUMNS)


@snapshot_app.command("show", cls=FlagCommand)
@formatted()
def snapshot_show(ctx: typer.Context, stack: StackArg, snapshot: SnapshotArg, *, out: OutputSpec) -> None:
    """Show a snapshot, with its data."""
    with gateway(ctx) as client:
        render_one(client.get_json(f"/stacks/{client.resolve(stack)}/snapshots/{snapshot}")["snapshot"], out)


@snapshot_app.command("delete", cls=FlagCommand)
def snapshot_delete(ctx: typer.Context, stack: StackArg, snapshot: SnapshotArg) -> None:
    """Delete a snapshot (the stack is untouched)."""
    with gateway(ctx) as client:
        client.request("DELETE", f"/stacks/{client.resolve(stack)}/snapshots/{snapshot}")


@snapshot_app.command("restore", cls=FlagCommand)
@formatted()
def snapshot_restore(
    ctx: typer.Context,
    stack: StackArg,
    snapshot: SnapshotArg,
    wait: WaitOpt = False,
    poll: PollOpt = DEFAULT_POLL,
    *,
    out: OutputSpec,
) -> None:
    """Restore a snapshot: an update back to its template and environment."""
    with gateway(ctx) as client:
        full = client.resolve(stack)
        client.request("POST", f"/stacks/{full}/snapshots/{snapshot}/restore")
        if not wait:
            return
        final = wait_for_stack(client, full, progress_for(out), poll)
    _finish(final, out, "RESTORE_COMPLETE")


OutputFileOpt = Annotated[
    Path | None,
    typer.Option("--output-file", "-O", metavar="FILE", help="Write the data here (else stdout)."),
]


@stack_app.command("abandon", cls=FlagCommand)
def stack_abandon(ctx: typer.Context, stack: StackArg, output_file: OutputFileOpt = None) -> None:
    """Remove a stack from Ember but keep what it made; prints the data `stack adopt` takes back."""
    with gateway(ctx) as client:
        data = client.request("DELETE", f"/stacks/{client.resolve(stack)}/abandon").json()
    _write_data(data, output_file)


@stack_app.command("export", cls=FlagCommand)
def stack_export(ctx: typer.Context, stack: StackArg, output_file: OutputFileOpt = None) -> None:
    """Print the data `stack abandon` would give, leaving the stack as it is (keep it before abandoning)."""
    with gateway(ctx) as client:
        data = client.get_json(f"/stacks/{client.resolve(stack)}/export")
    _write_data(data, output_file)


def _write_data(data: Any, output_file: Path | None) -> None:
    text = json.dumps(data, indent=2, sort_keys=True)
    if output_file is None:
        sys.stdout.write(text + "\n")
    else:
        output_file.write_text(text + "\n", encoding="utf-8")


@stack_app.command("adopt", cls=FlagCommand)
@formatted()
def stack_adopt(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(metavar="NAME", help="Name of the adopted stack.")],
    adopt_file: Annotated[
        Path, typer.Option("--adopt-file", "-A", metavar="FILE", help="The data `stack abandon` printed.")
    ],
    wait: WaitOpt = False,
    poll: PollOpt = DEFAULT_POLL,
    *,
    out: OutputSpec,
) -> None:
    """Adopt the resources of an abandoned stack (ADOPT_IN_PROGRESS -> ADOPT_COMPLETE)."""
    try:
        data = json.loads(adopt_file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise typer.BadParameter(f"cannot read {adopt_file}: {exc}", param_hint="--adopt-file") from None
    with gateway(ctx) as client:
        created = client.create_stack({"stack_name": name, "adopt_stack_data": json.dumps(data)})
        if not wait:
            render_one({"id": created["id"], "stack_name": name, "links": created["links"]}, out)
            return
        final = wait_for_stack(client, f"{name}/{created['id']}", progress_for(out), poll)
    _finish(final, out, "ADOPT_COMPLETE")
