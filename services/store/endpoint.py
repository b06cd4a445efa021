"""The store's RPC endpoint (topic ``store``): the db api, method for method, over the bus.

Arguments arrive as JSON; each value is validated here against the
contract in ``shared.schemas.store`` so that the first bad field is
reported as ``InvalidInput(field=..., reason=...)`` before any SQL runs.
Structured arguments are annotated ``dict`` on purpose: the bus's own
argument check would otherwise reject them first with a less specific error.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import BaseModel, ValidationError

from shared.context import RequestContext
from shared.exceptions import InvalidInput
from shared.rpc import Target, expose
from shared.schemas.store import (
    MAX_BULK,
    EventCreate,
    EventFilters,
    EventQuery,
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
    ServiceValues,
    SnapshotRecord,
    SnapshotValues,
    SoftwareConfigCreate,
    SoftwareConfigRecord,
    SoftwareDeploymentCreate,
    SoftwareDeploymentRecord,
    SoftwareDeploymentValues,
    StackCreate,
    StackQuery,
    StackRecord,
    StackTransition,
    StackValues,
    StoredStack,
    UserCredsRecord,
)

if TYPE_CHECKING:
    from services.store.api import StoreBackend

M = TypeVar("M", bound=BaseModel)

API_VERSION = "1.0"


def parse(model: type[M], data: Any, field: str) -> M:
    """``data`` as ``model``; InvalidInput naming the first offending field."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = ".".join([field, *(str(p) for p in err["loc"])])
        reason = err["msg"]
        if err["type"] == "extra_forbidden":
            reason = "unknown key"
        raise InvalidInput(field=loc, reason=reason) from None


def _optional(model: type[M], data: Any, field: str) -> M | None:
    return None if data is None else parse(model, data, field)


class StoreEndpoint:
    """Thin: validate, call the backend, return records."""

    target = Target(namespace=None, version=API_VERSION)

    def __init__(self, backend: StoreBackend, server_id: str = "") -> None:
        self.db = backend
        self.server_id = server_id

    @expose
    async def ping(self, ctxt: RequestContext) -> dict[str, str]:
        """Liveness: answers without touching the database (also the bench's bare round trip)."""
        return {"server": self.server_id}

    # --- raw templates and credentials ---------------------------------------------

    @expose
    async def raw_template_create(self, ctxt: RequestContext, values: dict[str, Any]) -> RawTemplateRecord:
        return await self.db.raw_template_create(ctxt, parse(RawTemplateCreate, values, "values"))

    @expose
    async def raw_template_get(self, ctxt: RequestContext, template_id: int) -> RawTemplateRecord:
        return await self.db.raw_template_get(ctxt, template_id)

    @expose
    async def user_creds_create(self, ctxt: RequestContext) -> UserCredsRecord:
        return await self.db.user_creds_create(ctxt)

    @expose
    async def user_creds_get(self, ctxt: RequestContext, creds_id: int) -> UserCredsRecord:
        return await self.db.user_creds_get(ctxt, creds_id)

    @expose
    async def user_creds_delete(self, ctxt: RequestContext, creds_id: int) -> None:
        await self.db.user_creds_delete(ctxt, creds_id)

    # --- stacks ------------------------------------------------------------------------

    @expose
    async def stack_create(self, ctxt: RequestContext, values: dict[str, Any]) -> StackRecord:
        return await self.db.stack_create(ctxt, parse(StackCreate, values, "values"))

    @expose
    async def stack_store(
        self,
        ctxt: RequestContext,
        raw_template: dict[str, Any],
        stack: dict[str, Any],
        store_creds: bool = True,
        lock_engine_id: str | None = None,
    ) -> StackRecord:
        stored = await self.stack_store_with_resources(ctxt, raw_template, stack, store_creds, lock_engine_id)
        return stored.stack

    @expose
    async def stack_store_with_resources(
        self,
        ctxt: RequestContext,
        raw_template: dict[str, Any],
        stack: dict[str, Any],
        store_creds: bool = True,
        lock_engine_id: str | None = None,
        resources: list[Any] | None = None,
        event: dict[str, Any] | None = None,
    ) -> StoredStack:
        template = parse(RawTemplateCreate, raw_template, "raw_template")
        values = parse(StackCreate, stack, "stack")
        if lock_engine_id is not None and not 0 < len(lock_engine_id) <= 255:
            raise InvalidInput(field="lock_engine_id", reason="must be 1 to 255 characters")
        rows = resources or []
        if len(rows) > MAX_BULK:
            raise InvalidInput(field="resources", reason=f"more than {MAX_BULK} resources at once")
        parsed = [parse(ResourceCreate, r, f"resources.{i}") for i, r in enumerate(rows)]
        return await self.db.stack_store_with_resources(
            ctxt,
            template,
            values,
            store_creds,
            lock_engine_id,
            parsed,
            _optional(EventValues, event, "event"),
        )

    @expose
    async def stack_get(self, ctxt: RequestContext, stack_id: str, show_deleted: bool = False) -> StackRecord:
        return await self.db.stack_get(ctxt, stack_id, show_deleted or ctxt.show_deleted)

    @expose
    async def stack_get_by_name(self, ctxt: RequestContext, stack_name: str) -> StackRecord:
        return await self.db.stack_get_by_name(ctxt, stack_name)

    @expose
    async def stack_get_all(self, ctxt: RequestContext, **query: Any) -> list[StackRecord]:
        return await self.db.stack_get_all(ctxt, parse(StackQuery, query, "query"))

    @expose
    async def stack_count_all(self, ctxt: RequestContext, **query: Any) -> int:
        return await self.db.stack_count_all(ctxt, parse(StackQuery, query, "query"))

    @expose
    async def stack_count_nested_resources(self, ctxt: RequestContext, stack_id: str) -> int:
        return await self.db.stack_count_nested_resources(ctxt, stack_id)

    @expose
    async def stack_state_counts(self, ctxt: RequestContext) -> list[dict[str, Any]]:
        return await self.db.stack_state_counts(ctxt)

    @expose
    async def stack_update(self, ctxt: RequestContext, stack_id: str, values: dict[str, Any]) -> StackRecord:
        return await self.db.stack_update(ctxt, stack_id, parse(StackValues, values, "values"))

    @expose
    async def stack_delete(self, ctxt: RequestContext, stack_id: str) -> None:
        await self.db.stack_delete(ctxt, stack_id)

    @expose
    async def stack_transition(
        self,
        ctxt: RequestContext,
        stack_id: str,
        values: dict[str, Any],
        event: dict[str, Any] | None = None,
    ) -> StackTransition:
        parsed = parse(StackValues, values, "values")
        return await self.db.stack_transition(ctxt, stack_id, parsed, _optional(EventValues, event, "event"))

    # --- resources -----------------------------------------------------------------------

    @expose
    async def resource_create(
        self, ctxt: RequestContext, stack_id: str, values: dict[str, Any]
    ) -> ResourceRecord:
        return await self.db.resource_create(ctxt, stack_id, parse(ResourceCreate, values, "values"))

    @expose
    async def resource_create_many(
        self, ctxt: RequestContext, stack_id: str, resources: list[Any]
    ) -> list[ResourceRecord]:
        if len(resources) > MAX_BULK:
            raise InvalidInput(field="resources", reason=f"more than {MAX_BULK} resources at once")
        parsed = [parse(ResourceCreate, r, f"resources.{i}") for i, r in enumerate(resources)]
        return await self.db.resource_create_many(ctxt, stack_id, parsed)

    @expose
    async def resource_get(self, ctxt: RequestContext, resource_id: int) -> ResourceRecord:
        return await self.db.resource_get(ctxt, resource_id)

    @expose
    async def resource_get_all_by_stack(
        self, ctxt: RequestContext, stack_id: str, filters: dict[str, Any] | None = None
    ) -> list[ResourceRecord]:
        parsed = _optional(ResourceFilters, filters, "filters")
        return await self.db.resource_get_all_by_stack(ctxt, stack_id, parsed)

    @expose
    async def resource_get_stranded(self, ctxt: RequestContext, limit: int = 500) -> list[ResourceRecord]:
        if not isinstance(limit, int) or isinstance(limit, bool) or not 1 <= limit <= 10000:
            raise InvalidInput(field="limit", reason="an integer from 1 to 10000")
        return await self.db.resource_get_stranded(ctxt, limit)

    @expose
    async def resource_update(
        self, ctxt: RequestContext, resource_id: int, values: dict[str, Any]
    ) -> ResourceRecord:
        return await self.db.resource_update(ctxt, resource_id, parse(ResourceValues, values, "values"))

    @expose
    async def resource_delete(self, ctxt: RequestContext, resource_id: int) -> None:
        await self.db.resource_delete(ctxt, resource_id)

    @expose
    async def resource_transition(
        self,
        ctxt: RequestContext,
        resource_id: int,
        values: dict[str, Any],
        event: dict[str, Any] | None = None,
        expected_metadata: dict[str, Any] | None = None,
    ) -> ResourceTransition:
        parsed = parse(ResourceValues, values, "values")
        if expected_metadata is not None and not isinstance(expected_metadata, dict):
            raise InvalidInput(field="expected_metadata", reason="must be an object")
        return await self.db.resource_transition(
            ctxt, resource_id, parsed, _optional(EventValues, event, "event"), expected_metadata
        )

    @expose
    async def resource_transition_many(
        self, ctxt: RequestContext, transitions: list[Any]
    ) -> list[ResourceTransition]:
        if len(transitions) > MAX_BULK:
            raise InvalidInput(field="transitions", reason=f"more than {MAX_BULK} transitions at once")
        items = [parse(ResourceTransitionItem, t, f"transitions.{i}") for i, t in enumerate(transitions)]
        return await self.db.resource_transition_many(ctxt, items)

    # --- events ----------------------------------------------------------------------------

    @expose
    async def event_create(self, ctxt: RequestContext, values: dict[str, Any]) -> EventRecord:
        return await self.db.event_create(ctxt, parse(EventCreate, values, "values"))

    @expose
    async def event_get(self, ctxt: RequestContext, event_id: str) -> EventRecord:
        return await self.db.event_get(ctxt, event_id)

    @expose
    async def event_get_all_by_stack(
        self, ctxt: RequestContext, stack_id: str, **query: Any
    ) -> list[EventRecord]:
        return await self.db.event_get_all_by_stack(ctxt, stack_id, parse(EventQuery, query, "query"))

    @expose
    async def event_count_all_by_stack(
        self, ctxt: RequestContext, stack_id: str, filters: dict[str, Any] | None = None
    ) -> int:
        parsed = _optional(EventFilters, filters, "filters")
        return await self.db.event_count_all_by_stack(ctxt, stack_id, parsed)

    # --- stack locks -------------------------------------------------------------------------

    @expose
    async def stack_lock_create(self, ctxt: RequestContext, stack_id: str, engine_id: str) -> str | None:
        return await self.db.stack_lock_create(ctxt, stack_id, engine_id)

    @expose
    async def stack_lock_steal(
        self, ctxt: RequestContext, stack_id: str, old_engine_id: str, new_engine_id: str
    ) -> str | bool | None:
        return await self.db.stack_lock_steal(ctxt, stack_id, old_engine_id, new_engine_id)

    @expose
    async def stack_lock_release(self, ctxt: RequestContext, stack_id: str, engine_id: str) -> bool | None:
        return await self.db.stack_lock_release(ctxt, stack_id, engine_id)

    @expose
    async def stack_lock_get_engine_id(self, ctxt: RequestContext, stack_id: str) -> str | None:
        return await self.db.stack_lock_get_engine_id(ctxt, stack_id)

    # --- snapshots ---------------------------------------------------------------------------

    @expose
    async def snapshot_create(
        self, ctxt: RequestContext, stack_id: str, values: dict[str, Any]
    ) -> SnapshotRecord:
        return await self.db.snapshot_create(ctxt, stack_id, parse(SnapshotValues, values, "values"))

    @expose
    async def snapshot_get(self, ctxt: RequestContext, snapshot_id: str) -> SnapshotRecord:
        return await self.db.snapshot_get(ctxt, snapshot_id)

    @expose
    async def snapshot_get_all_by_stack(self, ctxt: RequestContext, stack_id: str) -> list[SnapshotRecord]:
        return await self.db.snapshot_get_all_by_stack(ctxt, stack_id)

    @expose
    async def snapshot_update(
        self, ctxt: RequestContext, snapshot_id: str, values: dict[str, Any]
    ) -> SnapshotRecord:
        return await self.db.snapshot_update(ctxt, snapshot_id, parse(SnapshotValues, values, "values"))

    @expose
    async def snapshot_delete(self, ctxt: RequestContext, snapshot_id: str) -> None:
        await self.db.snapshot_delete(ctxt, snapshot_id)

    # --- software configs and deployments ------------------------------------------------------

    @expose
    async def software_config_create(
        self, ctxt: RequestContext, values: dict[str, Any]
    ) -> SoftwareConfigRecord:
        return await self.db.software_config_create(ctxt, parse(SoftwareConfigCreate, values, "values"))

    @expose
    async def software_config_get(self, ctxt: RequestContext, config_id: str) -> SoftwareConfigRecord:
        return await self.db.software_config_get(ctxt, str(config_id))

    @expose
    async def software_config_get_all(
        self, ctxt: RequestContext, limit: int | None = None, marker: str | None = None
    ) -> list[SoftwareConfigRecord]:
        if limit is not None and (not isinstance(limit, int) or isinstance(limit, bool) or limit < 0):
            raise InvalidInput(field="limit", reason="must be a whole number of at least 0")
        return await self.db.software_config_get_all(ctxt, limit, None if marker is None else str(marker))

    @expose
    async def software_config_delete(self, ctxt: RequestContext, config_id: str) -> None:
        await self.db.software_config_delete(ctxt, str(config_id))

    @expose
    async def software_deployment_create(
        self, ctxt: RequestContext, values: dict[str, Any]
    ) -> SoftwareDeploymentRecord:
        return await self.db.software_deployment_create(
            ctxt, parse(SoftwareDeploymentCreate, values, "values")
        )

    @expose
    async def software_deployment_get(
        self, ctxt: RequestContext, deployment_id: str
    ) -> SoftwareDeploymentRecord:
        return await self.db.software_deployment_get(ctxt, str(deployment_id))

    @expose
    async def software_deployment_get_all(
        self, ctxt: RequestContext, server_id: str | None = None
    ) -> list[SoftwareDeploymentRecord]:
        return await self.db.software_deployment_get_all(ctxt, None if server_id is None else str(server_id))

    @expose
    async def software_deployment_update(
        self, ctxt: RequestContext, deployment_id: str, values: dict[str, Any]
    ) -> SoftwareDeploymentRecord:
        parsed = parse(SoftwareDeploymentValues, values, "values")
        return await self.db.software_deployment_update(ctxt, str(deployment_id), parsed)

    @expose
    async def software_deployment_delete(self, ctxt: RequestContext, deployment_id: str) -> None:
        await self.db.software_deployment_delete(ctxt, str(deployment_id))

    # --- services (engine heartbeats; admin only) --------------------------------------------

    @expose
    async def service_heartbeat(self, ctxt: RequestContext, values: dict[str, Any]) -> ServiceRecord:
        return await self.db.service_heartbeat(ctxt, parse(ServiceValues, values, "values"))

    @expose
    async def service_get_all(self, ctxt: RequestContext) -> list[ServiceRecord]:
        return await self.db.service_get_all(ctxt)

    @expose
    async def service_delete(self, ctxt: RequestContext, engine_id: str) -> None:
        await self.db.service_delete(ctxt, engine_id)
