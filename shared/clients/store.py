"""StoreClient: the engine's only way to its data, one typed method per store RPC method.

Values may be given as the pydantic models of ``shared.schemas.store`` or as
plain mappings; either way the store validates them and answers bad input
with ``InvalidInput`` naming the field. Only the keys a caller set travel
(``exclude_unset``), so an update never clears a column by omission.
Errors raised in the store come back as the same EmberError classes
(StackNotFound, EntityNotFound, StackExists, InvalidInput, DatabaseError).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

from pydantic import BaseModel

from shared.context import RequestContext
from shared.rpc import RPCClient, Target, Transport
from shared.schemas.store import (
    EventCreate,
    EventFilters,
    EventRecord,
    EventValues,
    RawTemplateCreate,
    RawTemplateRecord,
    ResourceCreate,
    ResourceFilters,
    ResourceRecord,
    ResourceTransition,
    ResourceTransitionItem,
    ResourceValues,
    ServiceRecord,
    SnapshotRecord,
    SoftwareConfigCreate,
    SoftwareConfigRecord,
    SoftwareDeploymentCreate,
    SoftwareDeploymentRecord,
    SoftwareDeploymentValues,
    StackCreate,
    StackFilters,
    StackRecord,
    StackTransition,
    StackValues,
    StoredStack,
    UserCredsRecord,
)

TOPIC = "store"
API_VERSION = "1.0"

R = TypeVar("R", bound=BaseModel)


def _wire(values: BaseModel | Mapping[str, Any] | None) -> dict[str, Any] | None:
    if values is None:
        return None
    if isinstance(values, BaseModel):
        return values.model_dump(mode="json", exclude_unset=True)
    return dict(values)


def _records(model: type[R], rows: Any) -> list[R]:
    return [model.model_validate(row) for row in rows]


class StoreClient:
    """Calls the store over the bus; every method takes the caller's RequestContext first."""

    def __init__(
        self,
        transport: Transport,
        timeout: float = 30.0,
        topic: str = TOPIC,
        version: str = API_VERSION,
        server: str | None = None,
    ) -> None:
        """``server`` aims every call at one replica (its ``<topic>.<server>`` queue)."""
        self.rpc = RPCClient(transport, Target(topic=topic, server=server, version=version), timeout=timeout)

    async def _call(self, ctxt: RequestContext, method: str, **kwargs: Any) -> Any:
        return await self.rpc.call(ctxt, method, **{k: v for k, v in kwargs.items() if v is not None})

    async def ping(self, ctxt: RequestContext) -> dict[str, str]:
        result: dict[str, str] = await self._call(ctxt, "ping")
        return result

    # --- raw templates and credentials ----------------------------------------------

    async def raw_template_create(
        self, ctxt: RequestContext, values: RawTemplateCreate | Mapping[str, Any]
    ) -> RawTemplateRecord:
        row = await self._call(ctxt, "raw_template_create", values=_wire(values))
        return RawTemplateRecord.model_validate(row)

    async def raw_template_get(self, ctxt: RequestContext, template_id: int) -> RawTemplateRecord:
        return RawTemplateRecord.model_validate(
            await self._call(ctxt, "raw_template_get", template_id=template_id)
        )

    async def user_creds_create(self, ctxt: RequestContext) -> UserCredsRecord:
        """Stores the context's user, project and (encrypted) auth token."""
        return UserCredsRecord.model_validate(await self._call(ctxt, "user_creds_create"))

    async def user_creds_get(self, ctxt: RequestContext, creds_id: int) -> UserCredsRecord:
        """Decrypted credentials, for the engine acting on the stack's behalf."""
        return UserCredsRecord.model_validate(await self._call(ctxt, "user_creds_get", creds_id=creds_id))

    async def user_creds_delete(self, ctxt: RequestContext, creds_id: int) -> None:
        await self._call(ctxt, "user_creds_delete", creds_id=creds_id)

    # --- stacks ------------------------------------------------------------------------

    async def stack_create(
        self, ctxt: RequestContext, values: StackCreate | Mapping[str, Any]
    ) -> StackRecord:
        """Raises StackExists for a live duplicate name in the tenant."""
        return StackRecord.model_validate(await self._call(ctxt, "stack_create", values=_wire(values)))

    async def stack_store(
        self,
        ctxt: RequestContext,
        raw_template: RawTemplateCreate | Mapping[str, Any],
        stack: StackCreate | Mapping[str, Any],
        store_creds: bool = True,
        lock_engine_id: str | None = None,
    ) -> StackRecord:
        """Template + credentials (from ctxt) + stack in one transaction; all or nothing.

        ``lock_engine_id`` also takes the new stack's lock for that engine, in the same transaction.
        """
        row = await self._call(
            ctxt,
            "stack_store",
            raw_template=_wire(raw_template),
            stack=_wire(stack),
            store_creds=store_creds,
            lock_engine_id=lock_engine_id,
        )
        return StackRecord.model_validate(row)

    async def stack_store_with_resources(
        self,
        ctxt: RequestContext,
        raw_template: RawTemplateCreate | Mapping[str, Any],
        stack: StackCreate | Mapping[str, Any],
        resources: Sequence[ResourceCreate | Mapping[str, Any]],
        event: EventValues | Mapping[str, Any] | None = None,
        store_creds: bool = True,
        lock_engine_id: str | None = None,
    ) -> StoredStack:
        """``stack_store`` plus the resource rows and the stack's first event: one round trip,
        one transaction, whatever the stack's size."""
        row = await self._call(
            ctxt,
            "stack_store_with_resources",
            raw_template=_wire(raw_template),
            stack=_wire(stack),
            store_creds=store_creds,
            lock_engine_id=lock_engine_id,
            resources=[_wire(r) for r in resources],
            event=_wire(event),
        )
        return StoredStack.model_validate(row)

    async def stack_get(self, ctxt: RequestContext, stack_id: str, show_deleted: bool = False) -> StackRecord:
        """StackNotFound for a missing or foreign stack (or a deleted one unless show_deleted)."""
        row = await self._call(ctxt, "stack_get", stack_id=stack_id, show_deleted=show_deleted)
        return StackRecord.model_validate(row)

    async def stack_get_by_name(self, ctxt: RequestContext, stack_name: str) -> StackRecord:
        return StackRecord.model_validate(await self._call(ctxt, "stack_get_by_name", stack_name=stack_name))

    async def stack_get_all(
        self,
        ctxt: RequestContext,
        filters: StackFilters | Mapping[str, Any] | None = None,
        limit: int | None = None,
        marker: str | None = None,
        sort_keys: Sequence[str] | None = None,
        sort_dir: str | None = None,
        show_deleted: bool = False,
        show_nested: bool = False,
        tags: Sequence[str] | None = None,
        tags_any: Sequence[str] | None = None,
        not_tags: Sequence[str] | None = None,
        not_tags_any: Sequence[str] | None = None,
    ) -> list[StackRecord]:
        """A page of stacks; default newest first; marker is the last stack id of the previous page."""
        rows = await self._call(
            ctxt,
            "stack_get_all",
            filters=_wire(filters),
            limit=limit,
            marker=marker,
            sort_keys=list(sort_keys) if sort_keys is not None else None,
            sort_dir=sort_dir,
            show_deleted=show_deleted,
            show_nested=show_nested,
            tags=tags,
            tags_any=tags_any,
            not_tags=not_tags,
            not_tags_any=not_tags_any,
        )
        return _records(StackRecord, rows)

    async def stack_count_all(
        self,
        ctxt: RequestContext,
        filters: StackFilters | Mapping[str, Any] | None = None,
        show_deleted: bool = False,
        show_nested: bool = False,
        tags: Sequence[str] | None = None,
        tags_any: Sequence[str] | None = None,
        not_tags: Sequence[str] | None = None,
        not_tags_any: Sequence[str] | None = None,
    ) -> int:
        count: int = await self._call(
            ctxt,
            "stack_count_all",
            filters=_wire(filters),
            show_deleted=show_deleted,
            show_nested=show_nested,
            tags=tags,
            tags_any=tags_any,
            not_tags=not_tags,
            not_tags_any=not_tags_any,
        )
        return count

    async def stack_count_nested_resources(self, ctxt: RequestContext, stack_id: str) -> int:
        """The resources of every live stack below this one (nested stacks at any depth), not its own."""
        count: int = await self._call(ctxt, "stack_count_nested_resources", stack_id=stack_id)
        return count

    async def stack_state_counts(self, ctxt: RequestContext) -> list[dict[str, Any]]:
        """``[{action, status, count}]`` of the live stacks the context sees (all for an admin)."""
        counts: list[dict[str, Any]] = await self._call(ctxt, "stack_state_counts")
        return counts

    async def stack_update(
        self, ctxt: RequestContext, stack_id: str, values: StackValues | Mapping[str, Any]
    ) -> StackRecord:
        row = await self._call(ctxt, "stack_update", stack_id=stack_id, values=_wire(values))
        return StackRecord.model_validate(row)

    async def stack_delete(self, ctxt: RequestContext, stack_id: str) -> None:
        """Soft delete; also removes the stack's resources and credentials."""
        await self._call(ctxt, "stack_delete", stack_id=stack_id)

    async def stack_transition(
        self,
        ctxt: RequestContext,
        stack_id: str,
        values: StackValues | Mapping[str, Any],
        event: EventValues | Mapping[str, Any] | None = None,
    ) -> StackTransition:
        """New state + its event in one round trip; event fields default from the stack."""
        row = await self._call(
            ctxt, "stack_transition", stack_id=stack_id, values=_wire(values), event=_wire(event)
        )
        return StackTransition.model_validate(row)

    # --- resources --------------------------------------------------------------------------

    async def resource_create(
        self, ctxt: RequestContext, stack_id: str, values: ResourceCreate | Mapping[str, Any]
    ) -> ResourceRecord:
        row = await self._call(ctxt, "resource_create", stack_id=stack_id, values=_wire(values))
        return ResourceRecord.model_validate(row)

    async def resource_create_many(
        self, ctxt: RequestContext, stack_id: str, resources: Sequence[ResourceCreate | Mapping[str, Any]]
    ) -> list[ResourceRecord]:
        """All in one transaction, returned in the order given."""
        rows = await self._call(
            ctxt, "resource_create_many", stack_id=stack_id, resources=[_wire(r) for r in resources]
        )
        return _records(ResourceRecord, rows)

    async def resource_get(self, ctxt: RequestContext, resource_id: int) -> ResourceRecord:
        return ResourceRecord.model_validate(await self._call(ctxt, "resource_get", resource_id=resource_id))

    async def resource_get_all_by_stack(
        self, ctxt: RequestContext, stack_id: str, filters: ResourceFilters | Mapping[str, Any] | None = None
    ) -> list[ResourceRecord]:
        rows = await self._call(ctxt, "resource_get_all_by_stack", stack_id=stack_id, filters=_wire(filters))
        return _records(ResourceRecord, rows)

    async def resource_get_stranded(self, ctxt: RequestContext, limit: int = 500) -> list[ResourceRecord]:
        """IN_PROGRESS resources of settled, unlocked stacks: states nobody is finishing."""
        rows = await self._call(ctxt, "resource_get_stranded", limit=limit)
        return _records(ResourceRecord, rows)

    async def resource_update(
        self, ctxt: RequestContext, resource_id: int, values: ResourceValues | Mapping[str, Any]
    ) -> ResourceRecord:
        row = await self._call(ctxt, "resource_update", resource_id=resource_id, values=_wire(values))
        return ResourceRecord.model_validate(row)

    async def resource_delete(self, ctxt: RequestContext, resource_id: int) -> None:
        await self._call(ctxt, "resource_delete", resource_id=resource_id)

    async def resource_transition(
        self,
        ctxt: RequestContext,
        resource_id: int,
        values: ResourceValues | Mapping[str, Any],
        event: EventValues | Mapping[str, Any] | None = None,
        expected_metadata: Mapping[str, Any] | None = None,
    ) -> ResourceTransition:
        """The hot path: resource update + its event, one round trip, one transaction.

        With ``expected_metadata``: only if the row's metadata is still that (else Conflict).
        """
        extra = {} if expected_metadata is None else {"expected_metadata": dict(expected_metadata)}
        row = await self._call(
            ctxt,
            "resource_transition",
            resource_id=resource_id,
            values=_wire(values),
            event=_wire(event),
            **extra,
        )
        return ResourceTransition.model_validate(row)

    async def resource_transition_many(
        self, ctxt: RequestContext, transitions: Sequence[ResourceTransitionItem | Mapping[str, Any]]
    ) -> list[ResourceTransition]:
        """Many transitions (each ``{resource_id, values, event?}``) in one round trip and one
        transaction, results in the order given; all or nothing (EntityNotFound names a missing one)."""
        rows = await self._call(ctxt, "resource_transition_many", transitions=[_wire(t) for t in transitions])
        return _records(ResourceTransition, rows)

    # --- events --------------------------------------------------------------------------------

    async def event_create(
        self, ctxt: RequestContext, values: EventCreate | Mapping[str, Any]
    ) -> EventRecord:
        return EventRecord.model_validate(await self._call(ctxt, "event_create", values=_wire(values)))

    async def event_get(self, ctxt: RequestContext, event_id: str) -> EventRecord:
        """By event uuid."""
        return EventRecord.model_validate(await self._call(ctxt, "event_get", event_id=event_id))

    async def event_get_all_by_stack(
        self,
        ctxt: RequestContext,
        stack_id: str,
        filters: EventFilters | Mapping[str, Any] | None = None,
        limit: int | None = None,
        marker: str | None = None,
        sort_keys: Sequence[str] | None = None,
        sort_dir: str | None = None,
        nested_stack_ids: Sequence[str] = (),
    ) -> list[EventRecord]:
        """Newest first unless sorted otherwise (as Heat); marker is the uuid of the last event of
        the previous page; ``nested_stack_ids`` adds those stacks' events."""
        rows = await self._call(
            ctxt,
            "event_get_all_by_stack",
            stack_id=stack_id,
            filters=_wire(filters),
            limit=limit,
            marker=marker,
            sort_keys=list(sort_keys) if sort_keys is not None else None,
            sort_dir=sort_dir,
            **({"nested_stack_ids": list(nested_stack_ids)} if nested_stack_ids else {}),
        )
        return _records(EventRecord, rows)

    async def event_count_all_by_stack(
        self, ctxt: RequestContext, stack_id: str, filters: EventFilters | Mapping[str, Any] | None = None
    ) -> int:
        count: int = await self._call(
            ctxt, "event_count_all_by_stack", stack_id=stack_id, filters=_wire(filters)
        )
        return count

    # --- stack locks (Heat's semantics) ------------------------------------------------------

    async def stack_lock_create(self, ctxt: RequestContext, stack_id: str, engine_id: str) -> str | None:
        """None when acquired, else the engine id holding the lock."""
        holder: str | None = await self._call(
            ctxt, "stack_lock_create", stack_id=stack_id, engine_id=engine_id
        )
        return holder

    async def stack_lock_steal(
        self, ctxt: RequestContext, stack_id: str, old_engine_id: str, new_engine_id: str
    ) -> str | bool | None:
        """None when stolen; the holder's id if it is no longer old_engine_id; True if nobody holds it."""
        result: str | bool | None = await self._call(
            ctxt,
            "stack_lock_steal",
            stack_id=stack_id,
            old_engine_id=old_engine_id,
            new_engine_id=new_engine_id,
        )
        return result

    async def stack_lock_release(self, ctxt: RequestContext, stack_id: str, engine_id: str) -> bool | None:
        """None when released; True when engine_id did not hold the lock."""
        result: bool | None = await self._call(
            ctxt, "stack_lock_release", stack_id=stack_id, engine_id=engine_id
        )
        return result

    async def stack_lock_get_engine_id(self, ctxt: RequestContext, stack_id: str) -> str | None:
        holder: str | None = await self._call(ctxt, "stack_lock_get_engine_id", stack_id=stack_id)
        return holder

    # --- snapshots ---------------------------------------------------------------------------

    async def snapshot_create(
        self, ctxt: RequestContext, stack_id: str, values: dict[str, Any]
    ) -> SnapshotRecord:
        """A snapshot row (IN_PROGRESS unless ``values`` says otherwise) of a stack the caller can see."""
        return SnapshotRecord.model_validate(
            await self._call(ctxt, "snapshot_create", stack_id=stack_id, values=values)
        )

    async def snapshot_get(self, ctxt: RequestContext, snapshot_id: str) -> SnapshotRecord:
        return SnapshotRecord.model_validate(await self._call(ctxt, "snapshot_get", snapshot_id=snapshot_id))

    async def snapshot_get_all_by_stack(self, ctxt: RequestContext, stack_id: str) -> list[SnapshotRecord]:
        rows = await self._call(ctxt, "snapshot_get_all_by_stack", stack_id=stack_id)
        return [SnapshotRecord.model_validate(row) for row in rows]

    async def snapshot_update(
        self, ctxt: RequestContext, snapshot_id: str, values: dict[str, Any]
    ) -> SnapshotRecord:
        return SnapshotRecord.model_validate(
            await self._call(ctxt, "snapshot_update", snapshot_id=snapshot_id, values=values)
        )

    async def snapshot_delete(self, ctxt: RequestContext, snapshot_id: str) -> None:
        await self._call(ctxt, "snapshot_delete", snapshot_id=snapshot_id)

    # --- software configs and deployments ------------------------------------------------------

    async def software_config_create(
        self, ctxt: RequestContext, values: SoftwareConfigCreate | Mapping[str, Any]
    ) -> SoftwareConfigRecord:
        row = await self._call(ctxt, "software_config_create", values=_wire(values))
        return SoftwareConfigRecord.model_validate(row)

    async def software_config_get(self, ctxt: RequestContext, config_id: str) -> SoftwareConfigRecord:
        row = await self._call(ctxt, "software_config_get", config_id=config_id)
        return SoftwareConfigRecord.model_validate(row)

    async def software_config_get_all(
        self, ctxt: RequestContext, limit: int | None = None, marker: str | None = None
    ) -> list[SoftwareConfigRecord]:
        rows = await self._call(ctxt, "software_config_get_all", limit=limit, marker=marker)
        return _records(SoftwareConfigRecord, rows)

    async def software_config_delete(self, ctxt: RequestContext, config_id: str) -> None:
        """Conflict while a deployment refers to it."""
        await self._call(ctxt, "software_config_delete", config_id=config_id)

    async def software_deployment_create(
        self, ctxt: RequestContext, values: SoftwareDeploymentCreate | Mapping[str, Any]
    ) -> SoftwareDeploymentRecord:
        row = await self._call(ctxt, "software_deployment_create", values=_wire(values))
        return SoftwareDeploymentRecord.model_validate(row)

    async def software_deployment_get(
        self, ctxt: RequestContext, deployment_id: str
    ) -> SoftwareDeploymentRecord:
        row = await self._call(ctxt, "software_deployment_get", deployment_id=deployment_id)
        return SoftwareDeploymentRecord.model_validate(row)

    async def software_deployment_get_all(
        self, ctxt: RequestContext, server_id: str | None = None
    ) -> list[SoftwareDeploymentRecord]:
        rows = await self._call(ctxt, "software_deployment_get_all", server_id=server_id)
        return _records(SoftwareDeploymentRecord, rows)

    async def software_deployment_update(
        self, ctxt: RequestContext, deployment_id: str, values: SoftwareDeploymentValues | Mapping[str, Any]
    ) -> SoftwareDeploymentRecord:
        row = await self._call(
            ctxt, "software_deployment_update", deployment_id=deployment_id, values=_wire(values)
        )
        return SoftwareDeploymentRecord.model_validate(row)

    async def software_deployment_delete(self, ctxt: RequestContext, deployment_id: str) -> None:
        await self._call(ctxt, "software_deployment_delete", deployment_id=deployment_id)

    # --- services (engine heartbeats; admin only) --------------------------------------------

    async def service_heartbeat(self, ctxt: RequestContext, values: dict[str, Any]) -> ServiceRecord:
        """Create or refresh this engine's row (``engine_id``, host, hostname, binary, topic, report_interval)."""
        return ServiceRecord.model_validate(await self._call(ctxt, "service_heartbeat", values=values))

    async def service_get_all(self, ctxt: RequestContext) -> list[ServiceRecord]:
        return [ServiceRecord.model_validate(row) for row in await self._call(ctxt, "service_get_all")]

    async def service_delete(self, ctxt: RequestContext, engine_id: str) -> None:
        await self._call(ctxt, "service_delete", engine_id=engine_id)
