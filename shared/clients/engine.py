"""EngineClient: the typed way to call the engine over the bus (what the gateway and users call).

Method names and arguments are Heat's (heat.rpc.client.EngineClient), so a
Heat client and this one send the same messages. Results are plain JSON
shapes documented in ``shared/schemas/engine.py``; errors arrive as the
EmberError the engine raised (StackNotFound, StackExists, ...).
"""

from __future__ import annotations

from typing import Any

from shared.clients.software import SoftwareCalls
from shared.context import RequestContext
from shared.rpc import RPCClient, Target, Transport
from shared.rpc.presence import FailFast

ENGINE_TOPIC = "engine"
API_VERSION = "1.36"


def identity(tenant: str, stack_name: str, stack_id: str, path: str = "") -> dict[str, str]:
    """A Heat stack identity, the form every stack-scoped method takes."""
    return {"tenant": tenant, "stack_name": stack_name, "stack_id": stack_id, "path": path}


class EngineClient(SoftwareCalls):
    def __init__(
        self,
        transport: Transport,
        timeout: float | None = None,
        topic: str = ENGINE_TOPIC,
        fail_fast: FailFast | None = None,
    ) -> None:
        """``fail_fast`` makes calls fail with ServiceUnavailable when no engine consumes the topic."""
        self._rpc = RPCClient(
            transport, Target(topic=topic, version=API_VERSION), timeout=timeout, fail_fast=fail_fast
        )

    def _call(
        self,
        ctxt: RequestContext,
        method: str,
        version: str,
        *,
        call_timeout: float | None = None,
        **kwargs: Any,
    ) -> Any:
        """``call_timeout``: how long to wait for this reply, when not the client's default."""
        return self._rpc.prepare(version=version, timeout=call_timeout).call(ctxt, method, **kwargs)

    async def create_stack(
        self,
        ctxt: RequestContext,
        stack_name: str,
        template: dict[str, Any] | str,
        params: dict[str, Any] | None = None,
        files: dict[str, str] | None = None,
        args: dict[str, Any] | None = None,
        environment_files: list[str] | None = None,
    ) -> dict[str, str]:
        """Validate and store a stack, start creating it, return its identity at once.

        ``params`` is a full environment (parameters, parameter_defaults,
        resource_registry, ...); ``args`` carries timeout_mins,
        disable_rollback and tags.
        """
        result: dict[str, str] = await self._call(
            ctxt,
            "create_stack",
            "1.36",
            stack_name=stack_name,
            template=template,
            params=params or {},
            files=files or {},
            environment_files=environment_files,
            files_container=None,
            args=args or {},
            owner_id=None,
            nested_depth=0,
            user_creds_id=None,
            stack_user_project_id=None,
            parent_resource_name=None,
            template_id=None,
        )
        return result

    async def preview_stack(
        self,
        ctxt: RequestContext,
        stack_name: str,
        template: dict[str, Any] | str,
        params: dict[str, Any] | None = None,
        files: dict[str, str] | None = None,
        args: dict[str, Any] | None = None,
        environment_files: list[str] | None = None,
    ) -> dict[str, Any]:
        """The stack create_stack would make (with ``resources``), validated; nothing is stored."""
        result: dict[str, Any] = await self._call(
            ctxt,
            "preview_stack",
            "1.36",
            stack_name=stack_name,
            template=template,
            params=params or {},
            files=files or {},
            args=args or {},
            environment_files=environment_files,
            files_container=None,
        )
        return result

    async def update_stack(
        self,
        ctxt: RequestContext,
        stack_identity: dict[str, Any],
        template: dict[str, Any] | str | None,
        params: dict[str, Any] | None = None,
        files: dict[str, str] | None = None,
        args: dict[str, Any] | None = None,
        environment_files: list[str] | None = None,
    ) -> dict[str, str]:
        """Check and plan an update, start it, return the stack's identity at once.

        ``args`` as for create, plus ``existing`` (PATCH: keep the stored template, files and
        environment and merge these in) and ``clear_parameters``.
        """
        result: dict[str, str] = await self._call(
            ctxt,
            "update_stack",
            "1.36",
            stack_identity=stack_identity,
            template=template,
            params=params or {},
            files=files or {},
            args=args or {},
            environment_files=environment_files,
            files_container=None,
            template_id=None,
        )
        return result

    async def preview_update_stack(
        self,
        ctxt: RequestContext,
        stack_identity: dict[str, Any],
        template: dict[str, Any] | str | None,
        params: dict[str, Any] | None = None,
        files: dict[str, str] | None = None,
        args: dict[str, Any] | None = None,
        environment_files: list[str] | None = None,
    ) -> dict[str, Any]:
        """What ``update_stack`` would do: resources by ``added``/``deleted``/``replaced``/``updated``/``unchanged``
        (and ``plan_id`` when ``args`` has ``with_plan_id``)."""
        result: dict[str, Any] = await self._call(
            ctxt,
            "preview_update_stack",
            "1.36",
            stack_identity=stack_identity,
            template=template,
            params=params or {},
            files=files or {},
            args=args or {},
            environment_files=environment_files,
            files_container=None,
        )
        return result

    async def abandon_stack(self, ctxt: RequestContext, stack_identity: dict[str, Any]) -> dict[str, Any]:
        """Heat's abandon data; the stack leaves Ember and what it made stays (create with
        ``args={"adopt_stack_data": data}`` adopts it)."""
        result: dict[str, Any] = await self._call(ctxt, "abandon_stack", "1.0", stack_identity=stack_identity)
        return result

    async def export_stack(self, ctxt: RequestContext, stack_identity: dict[str, Any]) -> dict[str, Any]:
        """The abandon data of a stack that stays (Heat's RPC 1.22)."""
        result: dict[str, Any] = await self._call(ctxt, "export_stack", "1.22", stack_identity=stack_identity)
        return result

    async def stack_snapshot(
        self, ctxt: RequestContext, stack_identity: dict[str, Any], name: str | None = None
    ) -> dict[str, Any]:
        """Start a snapshot; the snapshot (IN_PROGRESS until the stack's data is kept)."""
        result: dict[str, Any] = await self._call(
            ctxt, "stack_snapshot", "1.22", stack_identity=stack_identity, name=name
        )
        return result

    async def stack_list_snapshots(
        self, ctxt: RequestContext, stack_identity: dict[str, Any]
    ) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = await self._call(
            ctxt, "stack_list_snapshots", "1.0", stack_identity=stack_identity
        )
        return result

    async def show_snapshot(
        self, ctxt: RequestContext, stack_identity: dict[str, Any], snapshot_id: str
    ) -> dict[str, Any]:
        result: dict[str, Any] = await self._call(
            ctxt, "show_snapshot", "1.0", stack_identity=stack_identity, snapshot_id=snapshot_id
        )
        return result

    async def delete_snapshot(
        self, ctxt: RequestContext, stack_identity: dict[str, Any], snapshot_id: str
    ) -> None:
        await self._call(
            ctxt, "delete_snapshot", "1.0", stack_identity=stack_identity, snapshot_id=snapshot_id
        )

    async def stack_restore(
        self, ctxt: RequestContext, stack_identity: dict[str, Any], snapshot_id: str
    ) -> None:
        """Start a RESTORE: an update back to the snapshot's template and environment."""
        await self._call(ctxt, "stack_restore", "1.0", stack_identity=stack_identity, snapshot_id=snapshot_id)

    async def list_services(self, ctxt: RequestContext) -> list[dict[str, Any]]:
        """Every engine and whether it is up (admin only)."""
        result: list[dict[str, Any]] = await self._call(ctxt, "list_services", "1.0")
        return result

    async def stack_suspend(self, ctxt: RequestContext, stack_identity: dict[str, Any]) -> None:
        """Start SUSPEND (poll show_stack for SUSPEND_COMPLETE)."""
        await self._call(ctxt, "stack_suspend", "1.0", stack_identity=stack_identity)

    async def stack_resume(self, ctxt: RequestContext, stack_identity: dict[str, Any]) -> None:
        """Start RESUME of a suspended stack."""
        await self._call(ctxt, "stack_resume", "1.0", stack_identity=stack_identity)

    async def stack_check(self, ctxt: RequestContext, stack_identity: dict[str, Any]) -> None:
        """Start CHECK of every resource."""
        await self._call(ctxt, "stack_check", "1.9", stack_identity=stack_identity)

    async def resource_mark_unhealthy(
        self,
        ctxt: RequestContext,
        stack_identity: dict[str, Any],
        resource_name: str,
        mark_unhealthy: bool,
        resource_status_reason: str | None = None,
    ) -> None:
        """Mark a resource CHECK_FAILED (or, with False, healthy again)."""
        await self._call(
            ctxt,
            "resource_mark_unhealthy",
            "1.26",
            stack_identity=stack_identity,
            resource_name=resource_name,
            mark_unhealthy=mark_unhealthy,
            resource_status_reason=resource_status_reason,
        )

    async def resource_signal(
        self, ctxt: RequestContext, stack_identity: dict[str, Any], resource_name: str, details: Any = None
    ) -> None:
        """Send a signal to a resource (refused for types that take none)."""
        await self._call(
            ctxt,
            "resource_signal",
            "1.3",
            stack_identity=stack_identity,
            resource_name=resource_name,
            details=details,
            sync_call=False,
        )

    async def stack_cancel_update(
        self, ctxt: RequestContext, stack_identity: dict[str, Any], cancel_with_rollback: bool = True
    ) -> None:
        """Cancel a running update (rolling it back), or without rollback also a create."""
        await self._call(
            ctxt,
            "stack_cancel_update",
            "1.14",
            stack_identity=stack_identity,
            cancel_with_rollback=cancel_with_rollback,
        )

    async def validate_template(
        self,
        ctxt: RequestContext,
        template: dict[str, Any] | str,
        params: dict[str, Any] | None = None,
        files: dict[str, str] | None = None,
        environment_files: list[str] | None = None,
        show_nested: bool = False,
        ignorable_errors: list[str] | None = None,
    ) -> dict[str, Any]:
        result: dict[str, Any] = await self._call(
            ctxt,
            "validate_template",
            "1.36",
            template=template,
            params=params or {},
            files=files or {},
            environment_files=environment_files,
            files_container=None,
            show_nested=show_nested,
            ignorable_errors=ignorable_errors,
        )
        return result

    async def identify_stack(self, ctxt: RequestContext, stack_name: str) -> dict[str, str]:
        """Name or id -> identity (a deleted stack is found by id only)."""
        result: dict[str, str] = await self._call(ctxt, "identify_stack", "1.0", stack_name=stack_name)
        return result

    async def list_stacks(
        self,
        ctxt: RequestContext,
        limit: int | None = None,
        marker: str | None = None,
        sort_keys: list[str] | None = None,
        sort_dir: str | None = None,
        filters: dict[str, Any] | None = None,
        show_deleted: bool = False,
        show_nested: bool = False,
        show_hidden: bool = False,
        tags: list[str] | None = None,
        tags_any: list[str] | None = None,
        not_tags: list[str] | None = None,
        not_tags_any: list[str] | None = None,
    ) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = await self._call(
            ctxt,
            "list_stacks",
            "1.33",
            limit=limit,
            marker=marker,
            sort_keys=sort_keys,
            sort_dir=sort_dir,
            filters=filters,
            show_deleted=show_deleted,
            show_nested=show_nested,
            show_hidden=show_hidden,
            tags=tags,
            tags_any=tags_any,
            not_tags=not_tags,
            not_tags_any=not_tags_any,
        )
        return result

    async def count_stacks(
        self,
        ctxt: RequestContext,
        filters: dict[str, Any] | None = None,
        show_deleted: bool = False,
        show_nested: bool = False,
        show_hidden: bool = False,
        tags: list[str] | None = None,
        tags_any: list[str] | None = None,
        not_tags: list[str] | None = None,
        not_tags_any: list[str] | None = None,
    ) -> int:
        result: int = await self._call(
            ctxt,
            "count_stacks",
            "1.5",
            filters=filters,
            show_deleted=show_deleted,
            show_nested=show_nested,
            show_hidden=show_hidden,
            tags=tags,
            tags_any=tags_any,
            not_tags=not_tags,
            not_tags_any=not_tags_any,
        )
        return result

    async def show_stack(
        self, ctxt: RequestContext, stack_identity: dict[str, Any], resolve_outputs: bool = True
    ) -> list[dict[str, Any]]:
        """A one-element list, as Heat returns (outputs resolved, hidden parameters masked)."""
        result: list[dict[str, Any]] = await self._call(
            ctxt, "show_stack", "1.20", stack_identity=stack_identity, resolve_outputs=resolve_outputs
        )
        return result

    async def get_template(self, ctxt: RequestContext, stack_identity: dict[str, Any]) -> dict[str, Any]:
        result: dict[str, Any] = await self._call(ctxt, "get_template", "1.0", stack_identity=stack_identity)
        return result

    async def get_environment(self, ctxt: RequestContext, stack_identity: dict[str, Any]) -> dict[str, Any]:
        result: dict[str, Any] = await self._call(
            ctxt, "get_environment", "1.28", stack_identity=stack_identity
        )
        return result

    async def get_files(self, ctxt: RequestContext, stack_identity: dict[str, Any]) -> dict[str, Any]:
        result: dict[str, Any] = await self._call(ctxt, "get_files", "1.32", stack_identity=stack_identity)
        return result

    async def delete_stack(self, ctxt: RequestContext, stack_identity: dict[str, Any]) -> None:
        """Start deleting; returns once the delete is accepted (poll show_stack for DELETE_COMPLETE)."""
        await self._call(ctxt, "delete_stack", "1.0", stack_identity=stack_identity)

    async def list_stack_resources(
        self,
        ctxt: RequestContext,
        stack_identity: dict[str, Any],
        nested_depth: int = 0,
        with_detail: bool = False,
        filters: dict[str, Any] | None = None,
    ) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = await self._call(
            ctxt,
            "list_stack_resources",
            "1.25",
            stack_identity=stack_identity,
            nested_depth=nested_depth,
            with_detail=with_detail,
            filters=filters,
        )
        return result

    async def describe_stack_resource(
        self,
        ctxt: RequestContext,
        stack_identity: dict[str, Any],
        resource_name: str,
        with_attr: list[str] | None = None,
    ) -> dict[str, Any]:
        result: dict[str, Any] = await self._call(
            ctxt,
            "describe_stack_resource",
            "1.2",
            stack_identity=stack_identity,
            resource_name=resource_name,
            with_attr=with_attr,
        )
        return result

    async def list_events(
        self,
        ctxt: RequestContext,
        stack_identity: dict[str, Any] | None,
        filters: dict[str, Any] | None = None,
        limit: int | None = None,
        marker: str | None = None,
        sort_keys: list[str] | None = None,
        sort_dir: str | None = None,
        nested_depth: int | None = None,
    ) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = await self._call(
            ctxt,
            "list_events",
            "1.31",
            stack_identity=stack_identity,
            filters=filters,
            limit=limit,
            marker=marker,
            sort_keys=sort_keys,
            sort_dir=sort_dir,
            nested_depth=nested_depth,
        )
        return result

    async def list_outputs(
        self, ctxt: RequestContext, stack_identity: dict[str, Any]
    ) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = await self._call(
            ctxt, "list_outputs", "1.19", stack_identity=stack_identity
        )
        return result

    async def show_output(
        self, ctxt: RequestContext, stack_identity: dict[str, Any], output_key: str
    ) -> dict[str, Any]:
        result: dict[str, Any] = await self._call(
            ctxt, "show_output", "1.19", stack_identity=stack_identity, output_key=output_key
        )
        return result

    async def list_resource_types(
        self,
        ctxt: RequestContext,
        support_status: str | None = None,
        type_name: str | None = None,
        heat_version: str | None = None,
        with_description: bool = False,
    ) -> list[Any]:
        result: list[Any] = await self._call(
            ctxt,
            "list_resource_types",
            "1.30",
            support_status=support_status,
            type_name=type_name,
            heat_version=heat_version,
            with_description=with_description,
        )
        return result

    async def resource_schema(
        self, ctxt: RequestContext, type_name: str, with_description: bool = False
    ) -> dict[str, Any]:
        result: dict[str, Any] = await self._call(
            ctxt, "resource_schema", "1.30", type_name=type_name, with_description=with_description
        )
        return result

    async def generate_template(
        self, ctxt: RequestContext, type_name: str, template_type: str = "cfn"
    ) -> dict[str, Any]:
        result: dict[str, Any] = await self._call(
            ctxt, "generate_template", "1.9", type_name=type_name, template_type=template_type
        )
        return result

    async def list_template_versions(self, ctxt: RequestContext) -> list[dict[str, Any]]:
        """``[{version, type, aliases}]``: the template versions the engine accepts."""
        result: list[dict[str, Any]] = await self._call(ctxt, "list_template_versions", "1.11")
        return result

    async def list_template_functions(
        self, ctxt: RequestContext, template_version: str, with_condition: bool = False
    ) -> list[dict[str, str]]:
        """``[{functions, description}]`` for ``heat_template_version.<v>`` (NotFound for another)."""
        result: list[dict[str, str]] = await self._call(
            ctxt,
            "list_template_functions",
            "1.35",
            template_version=template_version,
            with_condition=with_condition,
        )
        return result

    async def get_revision(self, ctxt: RequestContext) -> str:
        """The engine's build revision (build_info)."""
        result: str = await self._call(ctxt, "get_revision", "1.0")
        return result

    async def listening(
        self, ctxt: RequestContext, engine_id: str | None = None, timeout: float = 2.0
    ) -> bool:
        """Liveness: True when the engine (one by id, or any) answers within ``timeout``."""
        client = self._rpc.prepare(server=engine_id, timeout=timeout, version="1.0")
        result: bool = await client.call(ctxt, "listening")
        return result
