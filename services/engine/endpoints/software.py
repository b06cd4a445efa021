"""Software configs and deployments over RPC (Heat's ``SoftwareConfigService`` methods and arguments).

Configs are immutable documents; deployments are the record of a config on
a server, whose status the server (or whoever runs the config) reports with
``update_software_deployment`` or ``signal_software_deployment``. Neither
needs a stack or a lock: the endpoint checks the arguments, stores, and
shapes the reply as Heat's ``format_software_config`` /
``format_software_deployment`` do. The engine mounts it beside its service.
"""

from __future__ import annotations

import asyncio
from typing import Any

from services.engine.endpoints.formatting import iso
from services.engine.resources.software_io import IN_PROGRESS, signal_outcome, stored_config
from shared.clients.store import StoreClient
from shared.context import RequestContext
from shared.exceptions import BadRequest, DeploymentStillInProgress
from shared.rpc import Target, expose
from shared.schemas.store import SoftwareConfigRecord, SoftwareDeploymentRecord


def format_config(
    sc: SoftwareConfigRecord, detail: bool = True, include_project: bool = False
) -> dict[str, Any]:
    result: dict[str, Any] = {
        "id": sc.id,
        "name": sc.name,
        "group": sc.group,
        "creation_time": iso(sc.created_at),
    }
    if detail:
        for key in ("config", "inputs", "outputs", "options"):
            result[key] = sc.config.get(key)
    if include_project:
        result["project"] = sc.tenant
    return result


def format_deployment(sd: SoftwareDeploymentRecord) -> dict[str, Any]:
    result: dict[str, Any] = {
        "id": sd.id,
        "server_id": sd.server_id,
        "input_values": sd.input_values,
        "output_values": sd.output_values,
        "action": sd.action,
        "status": sd.status,
        "status_reason": sd.status_reason,
        "config_id": sd.config_id,
        "creation_time": iso(sd.created_at),
    }
    if sd.updated_at:
        result["updated_time"] = iso(sd.updated_at)
    return result


def _text(name: str, value: Any, required: bool = False) -> str | None:
    if value is None:
        if required:
            raise BadRequest(reason=f"{name} must be specified")
        return None
    if not isinstance(value, str):
        raise BadRequest(reason=f"{name} must be a string")
    return value


def _map(name: str, value: Any) -> dict[str, Any] | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise BadRequest(reason=f"{name} must be a map")
    return value


#: The longest a ``check_software_deployment`` call may wait (it holds one RPC worker meanwhile).
MAX_CHECK_WAIT = 3600.0
#: How often the check re-reads the deployment while it waits.
CHECK_INTERVAL = 0.5


def _wait_seconds(value: float) -> float:
    if not 0 < value <= MAX_CHECK_WAIT:
        raise BadRequest(reason=f"timeout must be more than 0 and at most {MAX_CHECK_WAIT:.0f} seconds")
    return float(value)


class SoftwareService:
    target = Target(version="1.36")

    def __init__(self, store: StoreClient) -> None:
        self.store = store

    # --- configs -------------------------------------------------------------------------

    @expose
    async def create_software_config(
        self,
        ctxt: RequestContext,
        group: str | None = None,
        name: str | None = None,
        config: Any = None,
        inputs: list[Any] | None = None,
        outputs: list[Any] | None = None,
        options: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        values = {
            "group": _text("group", group),
            "name": _text("name", name),
            "config": stored_config(config, inputs, outputs, options),
        }
        return format_config(await self.store.software_config_create(ctxt, values))

    @expose
    async def show_software_config(self, ctxt: RequestContext, config_id: str) -> dict[str, Any]:
        return format_config(await self.store.software_config_get(ctxt, str(config_id)))

    @expose
    async def list_software_configs(
        self, ctxt: RequestContext, limit: int | None = None, marker: str | None = None
    ) -> list[dict[str, Any]]:
        rows = await self.store.software_config_get_all(ctxt, limit=limit, marker=marker)
        return [format_config(r, detail=False, include_project=ctxt.is_admin) for r in rows]

    @expose
    async def delete_software_config(self, ctxt: RequestContext, config_id: str) -> None:
        await self.store.software_config_delete(ctxt, str(config_id))

    # --- deployments -------------------------------------------------------------------------

    @expose
    async def list_software_deployments(
        self, ctxt: RequestContext, server_id: str | None = None
    ) -> list[dict[str, Any]]:
        rows = await self.store.software_deployment_get_all(ctxt, _text("server_id", server_id))
        return [format_deployment(r) for r in rows]

    @expose
    async def metadata_software_deployments(
        self, ctxt: RequestContext, server_id: str
    ) -> list[dict[str, Any]]:
        """The configs deployed to a server, sorted by config name (what the server applies)."""
        server = _text("server_id", server_id, required=True)
        configs = []
        for sd in await self.store.software_deployment_get_all(ctxt, server):
            configs.append(await self.store.software_config_get(ctxt, sd.config_id))
        configs.sort(key=lambda sc: sc.name or "")
        return [format_config(sc) for sc in configs]

    @expose
    async def show_software_deployment(self, ctxt: RequestContext, deployment_id: str) -> dict[str, Any]:
        return format_deployment(await self.store.software_deployment_get(ctxt, str(deployment_id)))

    @expose
    async def check_software_deployment(
        self, ctxt: RequestContext, deployment_id: str, timeout: float = 60
    ) -> dict[str, Any]:
        """The deployment once it is no longer IN_PROGRESS, waiting up to ``timeout`` seconds (Heat's
        1.27): a caller that ran a config learns its outcome without polling itself."""
        wait = _wait_seconds(timeout)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + wait
        while True:
            sd = await self.store.software_deployment_get(ctxt, str(deployment_id))
            left = deadline - loop.time()
            if sd.status != IN_PROGRESS:
                return format_deployment(sd)
            if left <= 0:
                raise DeploymentStillInProgress(deployment_id=sd.id, timeout=f"{wait:g}")
            await asyncio.sleep(min(CHECK_INTERVAL, left))

    @expose
    async def create_software_deployment(
        self,
        ctxt: RequestContext,
        server_id: str,
        config_id: str | None = None,
        input_values: dict[str, Any] | None = None,
        action: str = "INIT",
        status: str = "COMPLETE",
        status_reason: str = "",
        stack_user_project_id: str | None = None,
        deployment_id: str | None = None,
    ) -> dict[str, Any]:
        if stack_user_project_id is not None and len(str(stack_user_project_id)) > 64:
            raise BadRequest(reason='"stack_user_project_id" should be no more than 64 characters')
        values = {
            "id": _text("deployment_id", deployment_id),
            "server_id": _text("server_id", server_id, required=True),
            "config_id": _text("config_id", config_id, required=True),
            "input_values": _map("input_values", input_values) or {},
            "action": _text("action", action),
            "status": _text("status", status),
            "status_reason": str(status_reason or ""),
            "stack_user_project_id": _text("stack_user_project_id", stack_user_project_id),
        }
        record = await self.store.software_deployment_create(
            ctxt, {k: v for k, v in values.items() if v is not None}
        )
        return format_deployment(record)

    @expose
    async def update_software_deployment(
        self,
        ctxt: RequestContext,
        deployment_id: str,
        config_id: str | None = None,
        input_values: dict[str, Any] | None = None,
        output_values: dict[str, Any] | None = None,
        action: str | None = None,
        status: str | None = None,
        status_reason: str | None = None,
        updated_at: str | None = None,
    ) -> dict[str, Any]:
        values = {
            "config_id": _text("config_id", config_id) or None,
            "input_values": _map("input_values", input_values) or None,
            "output_values": _map("output_values", output_values) or None,
            "action": _text("action", action) or None,
            "status": _text("status", status) or None,
            "status_reason": None if not status_reason else str(status_reason),
            "updated_at": _text("updated_at", updated_at) or None,
        }
        record = await self.store.software_deployment_update(
            ctxt, str(deployment_id), {k: v for k, v in values.items() if v is not None}
        )
        return format_deployment(record)

    @expose
    async def delete_software_deployment(self, ctxt: RequestContext, deployment_id: str) -> None:
        await self.store.software_deployment_delete(ctxt, str(deployment_id))

    @expose
    async def signal_software_deployment(
        self, ctxt: RequestContext, deployment_id: str, details: Any = None, updated_at: str | None = None
    ) -> str | None:
        """A server's outputs for an IN_PROGRESS deployment: COMPLETE, or FAILED as Heat judges them."""
        if not deployment_id:
            raise BadRequest(reason="deployment_id must be specified")
        sd = await self.store.software_deployment_get(ctxt, str(deployment_id))
        if sd.status != IN_PROGRESS:
            return None  # outputs are only expected while it runs
        config = await self.store.software_config_get(ctxt, sd.config_id)
        values, event = signal_outcome(sd.id, config.config, sd.output_values, details)
        if updated_at:
            values["updated_at"] = _text("updated_at", updated_at)
        await self.store.software_deployment_update(ctxt, sd.id, values)
        return event
