"""The engine's read-only RPC methods: stacks, resources, events, outputs, types.

Kept apart from the methods that change stacks (actions.py) so each module
has one job. Every lookup goes through the store, which scopes it to the
caller's project: another tenant's stack looks exactly like a missing one.
"""

from __future__ import annotations

from typing import Any

from services.engine.endpoints import formatting
from services.engine.lifecycle.heartbeat import format_service
from services.engine.model.resource import StackResource
from services.engine.model.stack import Stack
from services.engine.persistence.repository import StackRepository
from services.engine.resources.nested import NestedStackResource
from shared.context import RequestContext
from shared.exceptions import BadRequest, Forbidden, NotFound, OutputNotFound, ResourceNotFound, StackNotFound
from shared.rpc import expose
from shared.schemas.engine import EventInfo, ResourceInfo, StackIdentity, StackInfo
from shared.schemas.store import StackRecord

_EVENT_FILTERS = (
    "resource_action",
    "resource_status",
    "resource_name",
    "resource_type",
    "physical_resource_id",
    "uuid",
)
_STACK_FILTERS = ("id", "name", "action", "status", "owner_id", "username", "tenant", "parent_resource_name")
_MAX_NESTED_DEPTH = 10  # deeper than any stack the engine lets be made (max_nested_stack_depth)


class StackQueries:
    def __init__(self, repo: StackRepository) -> None:
        self.repo = repo
        self.store = repo.store
        self.registry = repo.registry

    async def _get_record(
        self, ctxt: RequestContext, stack_identity: dict[str, Any], show_deleted: bool = True
    ) -> StackRecord:
        """The stack an identity names; StackNotFound if missing, foreign, or its name differs."""
        if not isinstance(stack_identity, dict) or not isinstance(stack_identity.get("stack_id"), str):
            raise BadRequest(reason="stack_identity must be a map with a stack_id")
        stack_id = stack_identity["stack_id"]
        name = stack_identity.get("stack_name")
        try:
            record = await self.store.stack_get(ctxt, stack_id, show_deleted=show_deleted)
        except NotFound:
            raise StackNotFound(name=name or stack_id) from None
        if name and name != record.name:
            raise StackNotFound(name=name)
        return record

    async def _load(self, ctxt: RequestContext, stack_identity: dict[str, Any]) -> Stack:
        return await self.repo.load(ctxt, await self._get_record(ctxt, stack_identity))

    # --- stacks -------------------------------------------------------------------

    @expose
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
    ) -> list[StackInfo]:
        records = await self.store.stack_get_all(
            ctxt,
            filters=_stack_filters(filters),
            limit=limit,
            marker=marker,
            sort_keys=_stack_sort_keys(sort_keys),
            sort_dir=sort_dir,
            show_deleted=show_deleted,
            show_nested=show_nested,
            tags=tags,
            tags_any=tags_any,
            not_tags=not_tags,
            not_tags_any=not_tags_any,
        )
        return [formatting.format_stack(r) for r in records]

    @expose
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
        return await self.store.stack_count_all(
            ctxt,
            filters=_stack_filters(filters),
            show_deleted=show_deleted,
            show_nested=show_nested,
            tags=tags,
            tags_any=tags_any,
            not_tags=not_tags,
            not_tags_any=not_tags_any,
        )

    @expose
    async def show_stack(
        self, ctxt: RequestContext, stack_identity: dict[str, Any], resolve_outputs: bool = True
    ) -> list[StackInfo]:
        """One stack, as a one-element list (Heat's shape); hidden parameters are masked."""
        stack = await self._load(ctxt, stack_identity)
        assert stack.record is not None
        rolled_back = (stack.action, stack.status) == ("ROLLBACK", "COMPLETE")
        created_nothing = rolled_back and stack.record.prev_raw_template_id is None
        deleted = (stack.action, stack.status) == ("DELETE", "COMPLETE")
        # As Heat: a create rolled back has no resources, so no outputs either; a deleted stack
        # shows none at all (the key is absent).
        outputs = None
        if resolve_outputs and not deleted:
            outputs = await stack.outputs() if not created_nothing else []
        return [
            formatting.format_stack(
                stack.record,
                description=stack.definition.description,
                parameters=stack.parameters_display(),
                outputs=outputs,
            )
        ]

    @expose
    async def get_template(self, ctxt: RequestContext, stack_identity: dict[str, Any]) -> dict[str, Any]:
        record = await self._get_record(ctxt, stack_identity)
        return (await self.store.raw_template_get(ctxt, record.raw_template_id)).template

    @expose
    async def get_environment(self, ctxt: RequestContext, stack_identity: dict[str, Any]) -> dict[str, Any]:
        """The environment the stack was created with (parameters as given)."""
        record = await self._get_record(ctxt, stack_identity)
        return (await self.store.raw_template_get(ctxt, record.raw_template_id)).environment

    @expose
    async def get_files(self, ctxt: RequestContext, stack_identity: dict[str, Any]) -> dict[str, Any]:
        record = await self._get_record(ctxt, stack_identity)
        return (await self.store.raw_template_get(ctxt, record.raw_template_id)).files

    # --- outputs ----------------------------------------------------------------------

    @expose
    async def list_outputs(
        self, ctxt: RequestContext, stack_identity: dict[str, Any]
    ) -> list[dict[str, Any]]:
        stack = await self._load(ctxt, stack_identity)
        return [
            {"output_key": name, "description": out.description or "No description given"}
            for name, out in stack.definition.outputs.items()
        ]

    @expose
    async def show_output(
        self, ctxt: RequestContext, stack_identity: dict[str, Any], output_key: str
    ) -> dict[str, Any]:
        stack = await self._load(ctxt, stack_identity)
        if output_key not in stack.definition.outputs:
            raise OutputNotFound(key=output_key)
        for item in await stack.outputs():
            if item["output_key"] == output_key:
                return item
        raise OutputNotFound(key=output_key)

    # --- resources -----------------------------------------------------------------------

    @expose
    async def list_stack_resources(
        self,
        ctxt: RequestContext,
        stack_identity: dict[str, Any],
        nested_depth: int = 0,
        with_detail: bool = False,
        filters: dict[str, Any] | None = None,
    ) -> list[ResourceInfo]:
        stack = await self._load(ctxt, stack_identity)
        depth = max(0, min(nested_depth, _MAX_NESTED_DEPTH))
        return await self._resources_of(stack, depth, with_detail, filters or {})

    async def _resources_of(
        self, stack: Stack, depth: int, detail: bool, filters: dict[str, Any]
    ) -> list[ResourceInfo]:
        assert stack.record is not None
        graph = stack.definition.dependencies
        nested = await self._nested_identities(stack)
        result: list[ResourceInfo] = []
        for name, resource in stack.resources.items():
            if resource.record is None or not _matches(resource.record.model_dump(), filters):
                continue
            attributes = None
            if detail:
                await stack.prepare_attributes([name])
                attributes = _safe_show(resource)
            info = formatting.format_resource(
                stack.record,
                resource.record,
                required_by=sorted(graph.required_by(name)),
                detail=detail,
                attributes=attributes,
                description=resource.plugin_class.description,
            )
            if resource.record.physical_resource_id in nested:
                info["nested_stack_id"] = nested[resource.record.physical_resource_id]
            result.append(info)
        if depth > 0:
            for child_record in await self.store.stack_get_all(
                stack.ctxt, filters={"owner_id": stack.id}, show_nested=True
            ):
                child = await self.repo.load(stack.ctxt, child_record)
                result.extend(await self._resources_of(child, depth - 1, detail, filters))
        return result

    @expose
    async def list_services(self, ctxt: RequestContext) -> list[dict[str, Any]]:
        """Every engine and whether it is up (Heat's list_services); operators only."""
        if not ctxt.is_admin:
            raise Forbidden(reason="listing the engines needs the admin role")
        return [format_service(r) for r in await self.store.service_get_all(RequestContext.admin())]

    async def _nested_identities(self, stack: Stack) -> dict[str, StackIdentity]:
        """Child stack id -> identity, for the ``nested`` link Heat's clients follow (one store call,
        made only when the stack has resources backed by a nested stack)."""
        if not any(issubclass(r.plugin_class, NestedStackResource) for r in stack.resources.values()):
            return {}
        children = await self.store.stack_get_all(
            stack.ctxt, filters={"owner_id": stack.id}, show_nested=True
        )
        return {child.id: formatting.identity(child) for child in children}

    @expose
    async def describe_stack_resource(
        self,
        ctxt: RequestContext,
        stack_identity: dict[str, Any],
        resource_name: str,
        with_attr: list[str] | None = None,
    ) -> ResourceInfo:
        stack = await self._load(ctxt, stack_identity)
        assert stack.record is not None
        resource = stack.resources.get(resource_name)
        if resource is None or resource.record is None:
            raise ResourceNotFound(resource_name=resource_name, stack_name=stack.name)
        await stack.prepare_attributes([resource_name])
        info = formatting.format_resource(
            stack.record,
            resource.record,
            required_by=sorted(stack.definition.dependencies.required_by(resource_name)),
            detail=True,
            attributes=_safe_show(resource),
            description=resource.plugin_class.description,
        )
        nested = await self._nested_identities(stack)
        if resource.record.physical_resource_id in nested:
            info["nested_stack_id"] = nested[resource.record.physical_resource_id]
        return info

    # --- events --------------------------------------------------------------------------

    @expose
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
    ) -> list[EventInfo]:
        if stack_identity is None:
            raise BadRequest(reason="list_events needs a stack")
        record = await self._get_record(ctxt, stack_identity)
        event_filters = {
            k: v for k, v in (filters or {}).items() if k in _EVENT_FILTERS and v not in (None, "", [])
        }
        if filters and filters.get("resource_name") and not event_filters.get("resource_name"):
            event_filters["resource_name"] = filters["resource_name"]
        nested = await self._descendants(ctxt, record, nested_depth or 0)
        events = await self.store.event_get_all_by_stack(
            ctxt,
            record.id,
            filters=event_filters or None,
            limit=limit,
            marker=marker,
            sort_keys=[k.replace("event_time", "created_at") for k in sort_keys] if sort_keys else None,
            sort_dir=sort_dir,
            nested_stack_ids=list(nested),
        )
        stacks = {record.id: record, **nested}
        root = record if nested_depth else None
        return [formatting.format_event(stacks.get(e.stack_id, record), e, root) for e in events]

    async def _descendants(
        self, ctxt: RequestContext, record: StackRecord, depth: int
    ) -> dict[str, StackRecord]:
        """The nested stacks down to ``depth`` levels below ``record``, one store call per level."""
        found: dict[str, StackRecord] = {}
        level = [record.id]
        for _ in range(max(0, min(depth, _MAX_NESTED_DEPTH))):
            children = await self.store.stack_get_all(ctxt, filters={"owner_id": level}, show_nested=True)
            level = [c.id for c in children if c.id not in found]
            found.update((c.id, c) for c in children)
            if not level:
                break
        return found


def _matches(row: dict[str, Any], filters: dict[str, Any]) -> bool:
    for key, wanted in filters.items():
        field = {
            "resource_action": "action",
            "resource_status": "status",
            "resource_type": "type",
            "resource_name": "name",
        }.get(key, key)
        if field not in row:
            continue
        values = wanted if isinstance(wanted, list) else [wanted]
        if row[field] not in values:
            return False
    return True


def _safe_show(resource: StackResource) -> dict[str, Any]:
    try:
        value = resource.attribute(None)
    except Exception:
        return {}
    return value if isinstance(value, dict) else {}


def _stack_filters(filters: dict[str, Any] | None) -> dict[str, Any] | None:
    if not filters:
        return None
    unknown = set(filters) - set(_STACK_FILTERS) - {"stack_name", "stack_status", "stack_action"}
    if unknown:
        raise BadRequest(reason=f"unknown stack filter(s): {', '.join(sorted(unknown))}")
    renamed = {"stack_name": "name", "stack_status": "status", "stack_action": "action"}
    return {renamed.get(k, k): v for k, v in filters.items() if v not in (None, "", [])}


def _stack_sort_keys(keys: list[str] | None) -> list[str] | None:
    if not keys:
        return None
    renamed = {
        "stack_name": "name",
        "stack_status": "status",
        "creation_time": "created_at",
        "updated_time": "updated_at",
    }
    return [renamed.get(k, k) for k in keys]
