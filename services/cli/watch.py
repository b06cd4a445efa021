"""``--wait``: poll a stack until its action ends, showing each resource's state live."""

from __future__ import annotations

import os
import time
from typing import Any

from rich.console import Group
from rich.live import Live
from rich.table import Table
from rich.text import Text

from services.cli.client import GatewayClient, GatewayError
from services.cli.output import console, status_text

RESOURCE_COLUMNS = ("resource_name", "resource_type", "resource_status", "resource_status_reason")


def poll_interval() -> float:
    """Seconds between polls (EMBER_WAIT_INTERVAL; tests make it short)."""
    try:
        return max(float(os.environ.get("EMBER_WAIT_INTERVAL", "1.0")), 0.01)
    except ValueError:
        return 1.0


def _view(stack: dict[str, Any], resources: list[dict[str, Any]]) -> Group:
    header = Text.assemble(
        (f"{stack.get('stack_name')} ", "bold"),
        status_text(str(stack.get("stack_status"))),
        f"  {stack.get('stack_status_reason') or ''}",
    )
    table = Table(show_header=True)
    for column in RESOURCE_COLUMNS:
        table.add_column(column.replace("_", " ").title(), overflow="fold")
    for res in sorted(resources, key=lambda r: str(r.get("resource_name"))):
        table.add_row(
            str(res.get("resource_name")),
            str(res.get("resource_type")),
            status_text(str(res.get("resource_status"))),
            str(res.get("resource_status_reason") or ""),
        )
    return Group(header, table)


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


def wait_for_stack(
    client: GatewayClient, full_id: str, live: bool, timeout: float | None = None
) -> dict[str, Any] | None:
    """The stack once it is no longer IN_PROGRESS (None if it vanished); shows progress when ``live``."""
    deadline = time.monotonic() + timeout if timeout else None
    interval = poll_interval()
    display = Live(console=console(), refresh_per_second=8, auto_refresh=False) if live else None
    if display is not None:
        display.start()
    try:
        while True:
            stack, resources = _snapshot(client, full_id)
            if display is not None and stack is not None:
                display.update(_view(stack, resources), refresh=True)
            if stack is None or not str(stack.get("stack_status", "")).endswith("IN_PROGRESS"):
                return stack
            if deadline is not None and time.monotonic() > deadline:
                raise GatewayError(f"gave up waiting for {full_id}: still {stack.get('stack_status')}")
            time.sleep(interval)
    finally:
        if display is not None:
            display.stop()
