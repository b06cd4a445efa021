"""Endpoints the RPC tests serve."""

from __future__ import annotations

import asyncio
from typing import Any

from shared.context import RequestContext, request_id_var
from shared.exceptions import StackExists
from shared.rpc import Target, expose


class EchoEndpoint:
    target = Target(version="1.3")

    def __init__(self) -> None:
        self.casts: list[Any] = []
        self.cast_event = asyncio.Event()
        self.running = 0
        self.max_running = 0
        self.release = asyncio.Event()
        self.release.set()

    @expose
    async def echo(self, ctxt: RequestContext, value: int, note: str = "") -> dict[str, Any]:
        return {"value": value, "note": note, "project": ctxt.project_id, "request_id": request_id_var.get()}

    @expose
    def sync_echo(self, ctxt: RequestContext, value: Any) -> Any:
        return value

    @expose
    async def fail_expected(self, ctxt: RequestContext, name: str) -> None:
        raise StackExists(stack_name=name)

    @expose
    async def fail_unexpected(self, ctxt: RequestContext) -> None:
        raise ZeroDivisionError("division by zero in the endpoint")

    @expose
    async def return_unserializable(self, ctxt: RequestContext) -> Any:
        return object()

    @expose
    async def sleep(self, ctxt: RequestContext, seconds: float) -> float:
        await asyncio.sleep(seconds)
        return seconds

    @expose
    async def wait_released(self, ctxt: RequestContext) -> int:
        self.running += 1
        self.max_running = max(self.max_running, self.running)
        try:
            await self.release.wait()
        finally:
            self.running -= 1
        return self.max_running

    @expose
    async def remember(self, ctxt: RequestContext, value: Any) -> None:
        self.casts.append(value)
        self.cast_event.set()

    async def not_exposed(self, ctxt: RequestContext) -> str:
        return "secret"

    async def _private(self, ctxt: RequestContext) -> str:
        return "secret"


class OtherNamespaceEndpoint:
    target = Target(namespace="admin", version="2.1")

    @expose
    async def echo(self, ctxt: RequestContext, value: int) -> str:
        return f"admin:{value}"
