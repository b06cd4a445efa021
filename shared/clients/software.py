"""The engine's software-config methods as EngineClient offers them (Heat's names and arguments)."""

from __future__ import annotations

from typing import Any

from shared.context import RequestContext

#: Extra seconds a check's caller waits beyond the engine's own wait, for the reply to come back.
CHECK_REPLY_MARGIN = 10.0


class SoftwareCalls:
    """Mixed into EngineClient: configs and deployments (RPC 1.10 and later in Heat's numbering)."""

    def _call(
        self,
        ctxt: RequestContext,
        method: str,
        version: str,
        *,
        call_timeout: float | None = None,
        **kwargs: Any,
    ) -> Any:
        raise NotImplementedError  # EngineClient's

    async def create_software_config(self, ctxt: RequestContext, **values: Any) -> dict[str, Any]:
        """``group``, ``name``, ``config``, ``inputs``, ``outputs``, ``options``."""
        result: dict[str, Any] = await self._call(ctxt, "create_software_config", "1.0", **values)
        return result

    async def show_software_config(self, ctxt: RequestContext, config_id: str) -> dict[str, Any]:
        result: dict[str, Any] = await self._call(ctxt, "show_software_config", "1.0", config_id=config_id)
        return result

    async def list_software_configs(
        self, ctxt: RequestContext, limit: int | None = None, marker: str | None = None
    ) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = await self._call(
            ctxt, "list_software_configs", "1.10", limit=limit, marker=marker
        )
        return result

    async def delete_software_config(self, ctxt: RequestContext, config_id: str) -> None:
        await self._call(ctxt, "delete_software_config", "1.0", config_id=config_id)

    async def list_software_deployments(
        self, ctxt: RequestContext, server_id: str | None = None
    ) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = await self._call(
            ctxt, "list_software_deployments", "1.0", server_id=server_id
        )
        return result

    async def metadata_software_deployments(
        self, ctxt: RequestContext, server_id: str
    ) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = await self._call(
            ctxt, "metadata_software_deployments", "1.0", server_id=server_id
        )
        return result

    async def show_software_deployment(self, ctxt: RequestContext, deployment_id: str) -> dict[str, Any]:
        result: dict[str, Any] = await self._call(
            ctxt, "show_software_deployment", "1.0", deployment_id=deployment_id
        )
        return result

    async def create_software_deployment(self, ctxt: RequestContext, **values: Any) -> dict[str, Any]:
        """``server_id``, ``config_id``, ``input_values``, ``action``, ``status``, ``status_reason``,
        ``stack_user_project_id`` (and ``deployment_id``)."""
        result: dict[str, Any] = await self._call(ctxt, "create_software_deployment", "1.21", **values)
        return result

    async def update_software_deployment(
        self, ctxt: RequestContext, deployment_id: str, **values: Any
    ) -> dict[str, Any]:
        result: dict[str, Any] = await self._call(
            ctxt, "update_software_deployment", "1.0", deployment_id=deployment_id, **values
        )
        return result

    async def check_software_deployment(
        self, ctxt: RequestContext, deployment_id: str, timeout: float
    ) -> dict[str, Any]:
        """The deployment once no longer IN_PROGRESS (DeploymentStillInProgress after ``timeout`` s)."""
        result: dict[str, Any] = await self._call(
            ctxt,
            "check_software_deployment",
            "1.27",
            call_timeout=timeout + CHECK_REPLY_MARGIN,
            deployment_id=deployment_id,
            timeout=timeout,
        )
        return result

    async def delete_software_deployment(self, ctxt: RequestContext, deployment_id: str) -> None:
        await self._call(ctxt, "delete_software_deployment", "1.0", deployment_id=deployment_id)
