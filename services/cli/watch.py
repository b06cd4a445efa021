"""``--wait``: poll a stack until its action ends, showing the progress the way the output allows.

Three ways, chosen by the command:

- ``live``: on a terminal, a table of the resources redrawn in place (rich
  Live). Resources that were seen and have gone (deleted) stay in it as
  DELETE_COMPLETE, so a delete shows its progress instead of an empty table.
- ``lines``: piped, one line per new event (``TIME [stack.resource]: STATUS
  reason``), so a log or CI output reads as a transcript and nothing is
  drawn over or glued to anything.
- ``quiet``: nothing until the end (``-f json`` and friends print only the result).

The progress comes from the gateway's live event stream when it has one
(``services.cli.stream_wait``: the wait ends as soon as the action does);
otherwise from polls ``--poll SECONDS`` apart (default 1 s).
``watch_list`` is ``stack list --watch``, the same two ways.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

import typer
from rich.console import Group
from rich.live import Live
from rich.table import Table
from rich.text import Text

from services.cli.client import GatewayClient, GatewayError
from services.cli.output import console, heading, rows_table, status_text
from services.cli.stream_wait import follow

REDRAW_EVERY = 0.2  # seconds between redraws of the live table while events stream in
RESOURCE_COLUMNS = ("resource_name", "resource_type", "resource_status", "resource_status_reason")
DEFAULT_POLL = 1.0


class Progress(Enum):
    live = "live"
    lines = "lines"
    quiet = "quiet"


@dataclass
class _Seen:
    """What earlier polls saw: resources by name (to keep deleted ones in view) and the last event."""

    resources: dict[str, dict[str, Any]] = field(default_factory=dict)
    marker: str | None = None


def _view(stack: dict[str, Any], resources: list[dict[str, Any]]) -> Group:
    header = Text.assemble(
        (f"{stack.get('stack_name')} ", "bold"),
        status_text(str(stack.get("stack_status"))),
        f"  {stack.get('stack_status_reason') or ''}",
    )
    table = Table(show_header=True)
    for column in RESOURCE_COLUMNS:
        table.add_column(heading(column), overflow="fold")
    for res in sorted(resources, key=lambda r: str(r.get("resource_name"))):
        table.add_row(
            str(res.get("resource_name")),
            str(res.get("resource_type")),
            status_text(str(res.get("resource_status"))),
            str(res.get("resource_status_reason") or ""),
        )
    return Group(header, table)


def _merge(seen: _Seen, resources: list[dict[str, Any]], deleting: bool) -> list[dict[str, Any]]:
    """This poll's resources, plus (during a delete) the ones seen before that have gone since."""
    now = {str(r.get("resource_name")): r for r in resources}
    if deleting:
        for name, old in seen.resources.items():
            if name not in now:
                now[name] = {**old, "resource_status": "DELETE_COMPLETE", "resource_status_reason": ""}
    seen.resources = now
    return list(now.values())


def event_line(stack_name: str, event: dict[str, Any]) -> str:
    reason = event.get("resource_status_reason") or ""
    where = f"{stack_name}.{event.get('resource_name')}"
    if event.get("resource_name") == stack_name:
        where = stack_name  # the stack's own events name the stack
    return f"{event.get('event_time')} [{where}]: {event.get('resource_status')}  {reason}".rstrip()


def last_event_id(client: GatewayClient, full_id: str) -> str | None:
    """The newest event's id, so that a delete's progress starts after the create's history."""
    try:
        events = client.list_events(full_id, limit=1, sort_dir="desc")
    except GatewayError:
        return None
    return str(events[0]["id"]) if events else None


def _print_new_events(client: GatewayClient, full_id: str, seen: _Seen, echo: Callable[[str], None]) -> None:
    try:
        events = client.list_events(full_id, marker=seen.marker)
    except GatewayError:
        return  # the stack may be going; the next poll (or the end) tells
    name = full_id.split("/", 1)[0]
    for event in events:
        echo(event_line(name, event))
        seen.marker = str(event.get("id"))


def _snapshot(client: GatewayClient, full_id: str) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
    try:
        stack = client.show_stack(full_id)
    except GatewayError as exc:
        if exc.status == 404:
            return None, []
        raise
    try:
        resources = client.list_resources(full_id)
    except GatewayError:
        resources = []
    return stack, resources


def _shower(
    full_id: str, progress: Progress, redraw: Callable[[], object]
) -> Callable[[dict[str, Any]], None]:
    """What a streamed event does: a line (``lines``), a redraw at most every REDRAW_EVERY s (``live``)."""
    name = full_id.split("/", 1)[0]
    last = 0.0

    def show(event: dict[str, Any]) -> None:
        nonlocal last
        if progress is Progress.lines:
            typer.echo(event_line(name, event))
        elif progress is Progress.live and time.monotonic() - last >= REDRAW_EVERY:
            last = time.monotonic()
            redraw()

    return show


def wait_for_stack(
    client: GatewayClient,
    full_id: str,
    progress: Progress,
    poll: float = DEFAULT_POLL,
    timeout: float | None = None,
    deleting: bool = False,
    marker: str | None = None,
    known: list[dict[str, Any]] | None = None,
    stream: bool = True,
) -> dict[str, Any] | None:
    """The stack once it is no longer IN_PROGRESS (None if it vanished).

    ``stream``: follow the gateway's event stream when it has one (else poll).
    ``marker``: the event after which ``lines`` starts printing (see last_event_id).
    ``known``: the resources before the action (a quick delete may remove them all before the first poll).
    Raises GatewayError if the gateway fails or ``timeout`` seconds pass.
    """
    deadline = time.monotonic() + timeout if timeout else None
    seen = _Seen(resources={str(r.get("resource_name")): r for r in known or []}, marker=marker)
    display = Live(console=console(), auto_refresh=False) if progress is Progress.live else None
    if display is not None:
        display.start()

    def redraw() -> dict[str, Any] | None:
        stack, resources = _snapshot(client, full_id)
        if display is not None:
            shown = stack or {"stack_name": full_id.split("/", 1)[0], "stack_status": "DELETE_COMPLETE"}
            display.update(_view(shown, _merge(seen, resources, deleting)), refresh=True)
        return stack

    try:
        if stream:
            followed = follow(client, full_id, _shower(full_id, progress, redraw), marker, timeout)
            if followed.streamed:
                if display is not None:
                    redraw()
                return followed.stack
            if followed.gone:
                return None
            seen.marker = followed.marker  # poll on from the last event shown
        while True:
            stack = redraw()
            if progress is Progress.lines:
                _print_new_events(client, full_id, seen, typer.echo)
            if stack is None or not str(stack.get("stack_status", "")).endswith("IN_PROGRESS"):
                return stack
            if deadline is not None and time.monotonic() > deadline:
                raise GatewayError(f"gave up waiting for {full_id}: still {stack.get('stack_status')}")
            time.sleep(max(poll, 0.01))
    finally:
        if display is not None:
            display.stop()


def follow_events(
    client: GatewayClient,
    full_id: str,
    marker: str | None,
    poll: float = DEFAULT_POLL,
    resource: str | None = None,
) -> None:
    """``event list --follow``: a line per event after ``marker`` (``resource``'s only, if given) until
    the action ends (or Ctrl-C); from the stream when the gateway has one, else by polling the event list."""
    name = full_id.split("/", 1)[0]

    def echo(event: dict[str, Any]) -> None:
        if resource is None or event.get("resource_name") == resource:
            typer.echo(event_line(name, event))

    try:
        followed = follow(client, full_id, echo, marker)
        if followed.streamed or followed.gone:
            return
        marker = followed.marker
        while True:
            stack, _ = _snapshot(client, full_id)
            try:
                events = client.list_events(full_id, marker=marker)
            except GatewayError:
                events = []  # the stack may be going; the snapshot tells
            for event in events:
                echo(event)
                marker = str(event.get("id"))
            if stack is None or not str(stack.get("stack_status", "")).endswith("IN_PROGRESS"):
                return
            time.sleep(max(poll, 0.01))
    except KeyboardInterrupt:
        return


def watch_list(
    fetch: Callable[[], list[dict[str, Any]]],
    columns: list[str],
    progress: Progress,
    poll: float = DEFAULT_POLL,
    done: Callable[[], bool] = lambda: False,
) -> None:
    """``stack list --watch``: the list again every ``poll`` seconds until Ctrl-C (or ``done()``).

    Live, the table is redrawn in place; piped, each stack whose status
    changed (or that appeared or went) gets one line, ``name STATUS``.
    """
    last: dict[str, str] = {}
    display = Live(console=console(), auto_refresh=False) if progress is Progress.live else None
    if display is not None:
        display.start()
    try:
        while True:
            rows = fetch()
            if display is not None:
                display.update(rows_table(rows, columns), refresh=True)
            else:
                now = {str(r.get("id")): f"{r.get('stack_name')} {r.get('stack_status')}" for r in rows}
                for key, line in now.items():
                    if last.get(key) != line:
                        typer.echo(line)
                for key in last.keys() - now.keys():
                    typer.echo(f"{last[key].split(' ', 1)[0]} GONE")
                last = now
            if done():
                return
            time.sleep(max(poll, 0.01))
    except KeyboardInterrupt:
        return
    finally:
        if display is not None:
            display.stop()
