"""``ember rpc``: put a call straight onto the bus with shared/'s EngineClient (no gateway)."""

from __future__ import annotations

import getpass
from typing import Any

from services.cli.broker import Diagnosis, diagnose
from shared.clients.engine import EngineClient
from shared.config import load_settings
from shared.context import RequestContext
from shared.exceptions import EmberError
from shared.rpc import Transport


class BrokerError(Exception):
    """The broker would not have us; ``diagnosis`` says why and what to do."""

    def __init__(self, diagnosis: Diagnosis) -> None:
        super().__init__(diagnosis.message)
        self.diagnosis = diagnosis


async def create_stack_over_bus(
    config_file: str | None, topic: str, project: str, name: str, body: dict[str, Any]
) -> dict[str, str]:
    """create_stack as the gateway would send it; returns the engine's reply (the stack identity).

    The transport URL and exchange come from ``--config-file`` or
    EMBER_RPC__TRANSPORT_URL / EMBER_RPC__CONTROL_EXCHANGE.
    """
    settings = load_settings(config_file)
    env = dict(body.get("environment") or {})
    env["parameters"] = {**(env.get("parameters") or {}), **(body.get("parameters") or {})}
    ctxt = RequestContext(user_id=getpass.getuser(), project_id=project)
    try:
        transport = await Transport.connect(settings.rpc)
    except EmberError as exc:
        safe_url = Transport(settings.rpc).safe_url
        raise BrokerError(diagnose(exc, settings.rpc.transport_url, safe_url)) from None
    try:
        engine = EngineClient(transport, timeout=settings.rpc.rpc_response_timeout, topic=topic)
        return await engine.create_stack(
            ctxt, name, body["template"], params=env, files=body.get("files") or {}
        )
    finally:
        await transport.close()
