"""``ember broker-users``: one RabbitMQ user per service, with the least rights each needs.

Prints the definitions (``rabbitmqctl import_definitions`` / RabbitMQ's
``load_definitions`` read them) for a vhost and three users, each with a
fresh random password, and the transport URL each service should then use;
``--apply`` imports them into the local broker with rabbitmqctl. The
exchange and topic names come from the settings (``--config-file`` or
EMBER_RPC__*), since the rights are written in terms of them.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import tempfile
from typing import Annotated
from urllib.parse import quote, urlsplit, urlunsplit

import typer

from shared.config import load_settings
from shared.rpc.permissions import SERVICES, add_administrator, api_exchange, definitions


def service_url(base: str, user: str, password: str, vhost: str) -> str:
    """``base`` (rpc.transport_url) with this user, password and vhost."""
    parts = urlsplit(base)
    host = parts.hostname or "127.0.0.1"
    if ":" in host:  # IPv6: bracketed in a URL
        host = f"[{host}]"
    netloc = (
        f"{quote(user, safe='')}:{quote(password, safe='')}@{host}{f':{parts.port}' if parts.port else ''}"
    )
    return urlunsplit((parts.scheme or "amqp", netloc, "/" + quote(vhost, safe=""), parts.query, ""))


def import_definitions(doc: dict[str, object]) -> None:
    """``rabbitmqctl import_definitions`` of ``doc``; typer.Exit(1) with rabbitmqctl's words on failure."""
    if shutil.which("rabbitmqctl") is None:
        raise typer.BadParameter(
            "rabbitmqctl is not on PATH: run without --apply and import the file yourself"
        )
    # rabbitmqctl may run as the broker's own user: the file must be readable by it (hashes only).
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as out:
        json.dump(doc, out)
    try:
        os.chmod(out.name, 0o644)
        done = subprocess.run(["rabbitmqctl", "import_definitions", out.name], capture_output=True, text=True)
    finally:
        os.unlink(out.name)
    if done.returncode != 0:
        typer.echo(f"ERROR: rabbitmqctl import_definitions failed:\n{done.stdout}{done.stderr}", err=True)
        raise typer.Exit(1)


def broker_users(
    vhost: Annotated[str, typer.Option("--vhost", help="The vhost of this deployment (created).")] = "ember",
    prefix: Annotated[
        str, typer.Option("--prefix", help="User names are PREFIX + api|engine|store.")
    ] = "ember-",
    apply: Annotated[bool, typer.Option("--apply", help="Import them now with rabbitmqctl.")] = False,
    dev: Annotated[
        bool,
        typer.Option(
            "--dev",
            help="Development passwords (USER-dev) and an ember-admin administrator: compose's "
            "etc/rabbitmq/definitions.json. Never for real use.",
        ),
    ] = False,
    config_file: Annotated[
        str | None, typer.Option("--config-file", metavar="FILE", help="Settings (its rpc section).")
    ] = None,
) -> None:
    """Per-service broker users for a vhost: the api may call only the engines, the store no one."""
    settings = load_settings(config_file)
    logins = {
        service: (user, f"{user}-dev" if dev else secrets.token_urlsafe(18))
        for service in SERVICES
        for user in [f"{prefix}{service}"]
    }
    doc = definitions(settings.rpc, vhost, logins)
    if dev:
        add_administrator(doc, vhost, f"{prefix}admin", f"{prefix}admin-dev")
    if apply:
        import_definitions(doc)
        typer.echo(f"imported vhost {vhost} and users {', '.join(u for u, _ in logins.values())}", err=True)
    else:
        typer.echo(json.dumps(doc, indent=2))
    typer.echo("\nSet for each service (the passwords are shown only now):", err=True)
    for service, (user, password) in logins.items():
        url = service_url(settings.rpc.transport_url, user, password, vhost)
        typer.echo(f"  {service}: EMBER_RPC__TRANSPORT_URL={url}", err=True)
    typer.echo(
        f"  store: EMBER_STORE__TRUSTED_BROKER_USERS='[\"{logins['engine'][0]}\"]'  (admin only from the engines)",
        err=True,
    )
    typer.echo(
        f"  api: EMBER_RPC__PUBLISH_EXCHANGE={api_exchange(settings.rpc)} EMBER_RPC__DECLARE_EXCHANGES=false",
        err=True,
    )
