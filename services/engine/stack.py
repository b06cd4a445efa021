"""Stack: a template's resources brought to life, their states, events and outputs.

A Stack is built from a request (``build``: parse + validate, nothing
stored) or from the store (``load``). Its actions — create, delete,
rollback — walk the dependency graph with ``scheduler.run_graph`` and write
every transition of the stack and of each resource through the store, with
an event. The engine service runs these actions in the background under
the stack lock (``tasks.ActionRunner``).
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from services.engine import states
from services.engine.hot import StackDefinition, load_stack_definition
from services.engine.hot.resolver import StackResolver
from services.engine.resource import StackResource
from services.engine.resources import Resource, provider_plugin
from services.engine.resources.properties import UNRESOLVED
from services.engine.scheduler import run_graph
from services.engine.states import COMPLETE, CREATE, DELETE, FAILED, IN_PROGRESS, INIT, ROLLBACK
from services.engine.transitions import TransitionWriter
from shared.context import RequestContext
from shared.exceptions import EmberError, ResourceFailure
from shared.schemas.engine import StackIdentity
from shared.schemas.store import StackRecord

if TYPE_CHECKING:
    from services.engine.runtime import Runtime

LOG = logging.getLogger(__name__)

# Stack timeouts are given in minutes (Heat's timeout_mins).
SECONDS_PER_MINUTE = 60.0


class EngineResolver(StackResolver):
    """Answers get_resource / get_attr from the stack's live (or rebuilt) resources."""

    def __init__(self, stack: Stack) -> None:
        super().__init__(stack.definition.parameters, stack.definition.files)
        self._stack = stack

    def get_resource_reference(self, name: str) -> Any:
        return self._stack.resources[name].reference_id()

    def get_resource_attribute(self, name: str, attribute: str | None, path: Sequence[Any]) -> Any:
        # The plugin walks the path itself: a group's "resource.0" or "attributes"
        # only make sense together with what follows them.
        return self._stack.resources[name].attribute(attribute, path)


class Stack:
    def __init__(
        self,
        rt: Runtime,
        ctxt: RequestContext,
        definition: StackDefinition,
        *,
        stack_id: str,
        name: str,
        environment: dict[str, Any],
        owner_id: str | None = None,
        nested_depth: int = 0,
        timeout_mins: int | None = None,
        disable_rollback: bool = True,
        tags: list[str] | None = None,
        parent_resource_name: str | None = None,
        record: StackRecord | None = None,
        root: Stack | None = None,
    ) -> None:
        from services.engine.host import StackHost  # the host creates child Stacks

        self.rt = rt
        self.store = rt.store
        self.ctxt = ctxt
        self.definition = definition
        self.id = stack_id
        self.name = name
        self.environment = environment
        self.owner_id = owner_id
        self.nested_depth = nested_depth
        self.timeout_mins = timeout_mins
        self.disable_rollback = disable_rollback
        self.tags = tags or []
        self.parent_resource_name = parent_resource_name
        self.record = record
        self.root = root or self
        self.nested_resource_count = 0  # on the root: resources of every nested stack below it
        self.children: set[str] = set()
        self.cancel_reason: str | None = None
        self.host = StackHost(self)
        self.transitions = TransitionWriter(rt.store, ctxt)
        self.resolver = EngineResolver(self)
        self.resources: dict[str, StackResource] = {
            name: StackResource(self, defn, self._plugin_class(name))
            for name, defn in definition.resources.items()
        }

    # --- construction -----------------------------------------------------------

    @classmethod
    def build(
        cls,
        rt: Runtime,
        ctxt: RequestContext,
        name: str,
        template: Mapping[str, Any] | str,
        environment: Mapping[str, Any] | None,
        files: Mapping[str, str] | None,
        **options: Any,
    ) -> Stack:
        """Parse and validate a new stack (nothing stored). Raises EmberError subclasses."""
        stack_id = str(uuid.uuid4())
        settings = rt.settings
        definition = load_stack_definition(
            template,
            dict(environment or {}),
            dict(files or {}),
            None,
            stack_name=name,
            stack_id=stack_id,
            project_id=ctxt.project_id or "",
            max_size=settings.max_template_size,
            max_resources=settings.max_resources_per_stack,
            registry=rt.registry,
        )
        return cls(
            rt, ctxt, definition, stack_id=stack_id, name=name, environment=dict(environment or {}), **options
        )

    @classmethod
    async def load(
        cls, rt: Runtime, ctxt: RequestContext, record: StackRecord, root: Stack | None = None
    ) -> Stack:
        raw = await rt.store.raw_template_get(ctxt, record.raw_template_id)
        definition = load_stack_definition(
            raw.template,
            raw.environment,
            raw.files,
            None,
            stack_name=record.name,
            stack_id=record.id,
            project_id=record.tenant,
            max_size=max(rt.settings.max_template_size, 1 << 24),
            max_resources=-1,
        )
        stack = cls(
            rt,
            ctxt,
            definition,
            stack_id=record.id,
            name=record.name,
            environment=raw.environment,
            owner_id=record.owner_id,
            nested_depth=record.nested_depth,
            timeout_mins=record.timeout,
            disable_rollback=record.disable_rollback,
            tags=record.tags,
            parent_resource_name=record.parent_resource_name,
            record=record,
            root=root,
        )
        for row in await rt.store.resource_get_all_by_stack(ctxt, record.id):
            if row.name in stack.resources:
                stack.resources[row.name].record = row
        return stack

    def _plugin_class(self, name: str) -> type[Resource]:
        resolved = self.definition.resolve_type(name)
        if resolved.is_provider_template:
            from services.engine.hot.template import load_document

            body = load_document(resolved.template or "")
            return provider_plugin(resolved.requested, body, resolved.template_name or "")
        return self.rt.registry.get_plugin(resolved.plugin_type or resolved.requested)

    # --- identity and views ---------------------------------------------------------

    def identifier(self) -> StackIdentity:
        return {
            "tenant": self.ctxt.project_id or "",
            "stack_name": self.name,
            "stack_id": self.id,
            "path": "",
        }

    @property
    def action(self) -> str:
        return self.record.action if self.record else INIT

    @property
    def status(self) -> str:
        return self.record.status if self.record else COMPLETE

    def total_resources(self) -> int:
        """This stack's resources plus those of every nested stack below it (on the root)."""
        return len(self.resources) + self.nested_resource_count

    def parameters_display(self) -> dict[str, str]:
        return self.definition.parameters.as_strings(mask_hidden=True)

    async def prepare_attributes(self, names: Any = None) -> None:
        """Let plugins whose attributes live elsewhere (nested stacks) refresh them."""
        for name in names if names is not None else self.resources:
            plugin = self.resources[name].plugin()
            if plugin is not None:
                await plugin.prepare_attributes()

    async def prepare_dependencies(self, resource: StackResource) -> None:
        await self.prepare_attributes(self.definition.dependencies.requires(resource.name))

    async def outputs(self) -> list[dict[str, Any]]:
        """Every output resolved; one that fails carries ``output_error`` instead of a value."""
        referenced = {ref.resource for out in self.definition.outputs.values() for ref in out.references()}
        await self.prepare_attributes(referenced & self.resources.keys())
        values = self.definition.output_values(self.resolver)
        for item in values:
            if item.get("output_value") is UNRESOLVED:
                item["output_value"] = None
        return values

    # --- store -------------------------------------------------------------------------

    async def store_new(self) -> StackRecord:
        """Store the new stack as CREATE_IN_PROGRESS, in one transaction and round trip:
        template, credentials, the stack row with its first event, its resource rows and
        this engine's lock on it. Raises StackExists on a duplicate name (nothing stored)."""
        reason = states.started(CREATE)
        stored = await self.store.stack_store_with_resources(
            self.ctxt,
            raw_template={
                "template": self.definition.template.raw,
                "files": self.definition.files,
                "environment": self.environment,
            },
            stack={
                "id": self.id,
                "name": self.name,
                "username": self.ctxt.user_name or self.ctxt.user_id,
                "action": CREATE,
                "status": IN_PROGRESS,
                "status_reason": reason,
                "parameters": self.environment.get("parameters", {}),
                "owner_id": self.owner_id,
                "nested_depth": self.nested_depth,
                "timeout": self.timeout_mins,
                "disable_rollback": self.disable_rollback,
                "tags": self.tags,
                "parent_resource_name": self.parent_resource_name,
            },
            resources=self._resource_rows(list(self.resources.values())),
            event={
                "resource_action": CREATE,
                "resource_status": IN_PROGRESS,
                "resource_status_reason": reason,
            },
            store_creds=self.owner_id is None,
            lock_engine_id=self.rt.engine_id,
        )
        self.record = stored.stack
        for row in stored.resources:
            self.resources[row.name].record = row
        return self.record

    async def state_set(self, action: str, status: str, reason: str) -> None:
        event = {
            "resource_name": self.name,
            "resource_type": states.STACK_RESOURCE_TYPE,
            "resource_action": action,
            "resource_status": status,
            "resource_status_reason": reason,
            "physical_resource_id": self.id,
        }
        values = {"action": action, "status": status, "status_reason": reason[:4000]}
        result = await self.store.stack_transition(self.ctxt, self.id, values, event)
        self.record = result.stack
        LOG.info("stack %s (%s) %s_%s: %s", self.name, self.id, action, status, reason)

    async def _ensure_resource_rows(self) -> None:
        missing = [r for r in self.resources.values() if r.record is None]
        if missing:
            rows = await self.store.resource_create_many(self.ctxt, self.id, self._resource_rows(missing))
            for resource, row in zip(missing, rows, strict=True):
                resource.record = row

    def _resource_rows(self, resources: list[StackResource]) -> list[dict[str, Any]]:
        return [
            {
                "name": r.name,
                "type": r.type,
                "action": INIT,
                "status": COMPLETE,
                "status_reason": "",
                "depends_on": sorted(self.definition.dependencies.requires(r.name)),
            }
            for r in resources
        ]

    # --- actions -----------------------------------------------------------------------

    async def create(self) -> None:
        """CREATE; on failure or timeout, ROLLBACK unless disable_rollback."""
        if (self.action, self.status) != (CREATE, IN_PROGRESS):  # store_new already recorded it
            await self.state_set(CREATE, IN_PROGRESS, states.started(CREATE))
        reason = await self._run_action(CREATE, lambda name: self.resources[name].create())
        if reason is None:
            await self.state_set(CREATE, COMPLETE, states.completed(CREATE))
            return
        await self.state_set(CREATE, FAILED, reason)
        if not self.disable_rollback:
            await self.rollback()

    async def rollback(self) -> None:
        await self.state_set(ROLLBACK, IN_PROGRESS, states.started(ROLLBACK))
        reason = await self._delete_resources(ROLLBACK)
        if reason is None:
            await self.state_set(ROLLBACK, COMPLETE, states.completed(ROLLBACK))
        else:
            await self.state_set(ROLLBACK, FAILED, reason)

    async def begin_delete(self) -> None:
        """Record DELETE_IN_PROGRESS (done before delete_stack returns, so callers see it at once)."""
        await self.state_set(DELETE, IN_PROGRESS, states.started(DELETE))

    async def delete(self) -> None:
        """DELETE every resource in reverse order, then soft-delete the stack."""
        if (self.action, self.status) != (DELETE, IN_PROGRESS):
            await self.begin_delete()
        reason = await self._delete_resources(DELETE)
        if reason is not None:
            await self.state_set(DELETE, FAILED, reason)
            return
        await self.state_set(DELETE, COMPLETE, states.completed(DELETE))
        await self.store.stack_delete(self.ctxt, self.id)

    async def _delete_resources(self, action: str) -> str | None:
        return await self._run_action(
            action,
            lambda name: self.resources[name].delete(action),
            reverse=True,
            skip=lambda name: not self.resources[name].created,
        )

    async def _run_action(
        self, action: str, act: Any, *, reverse: bool = False, skip: Any = None
    ) -> str | None:
        """Run ``act`` over the graph; the failure reason, or None on success. Cancels on timeout."""
        await self._ensure_resource_rows()
        timeout = self.timeout_mins * SECONDS_PER_MINUTE if self.timeout_mins and action == CREATE else None
        try:
            async with asyncio.timeout(timeout):
                await run_graph(
                    self.definition.dependencies,
                    act,
                    reverse=reverse,
                    limit=self.rt.settings.max_concurrent_resources,
                    skip=skip,
                )
        except TimeoutError:
            await self._stop_after_failure(states.timed_out(action))
            return states.timed_out(action)
        except ResourceFailure as exc:
            await self._stop_after_failure(f"Stack {action} failed: another resource failed")
            return states.resource_failed(action, str(exc))
        except asyncio.CancelledError:
            reason = self.cancel_reason or f"Stack {action} cancelled"
            await self.cancel_children(reason)
            await self._drain_quietly()
            await self._record_cancel(action, reason)
            raise
        except EmberError as exc:
            await self._stop_after_failure(f"Stack {action} failed: {type(exc).__name__}")
            return states.resource_failed(action, f"{type(exc).__name__}: {exc}")
        try:
            await self.transitions.drain()
        except EmberError as exc:
            return f"Stack {action} failed: could not store resource states: {exc}"
        return None

    async def _stop_after_failure(self, reason: str) -> None:
        """Nested stacks still running stop too; every queued state is stored."""
        await self.cancel_children(reason)
        await self._drain_quietly()

    async def _drain_quietly(self) -> None:
        try:
            await self.transitions.drain()
        except EmberError as exc:
            LOG.error("stack %s: resource states not stored: %s", self.id, exc)

    async def _record_cancel(self, action: str, reason: str) -> None:
        try:
            await self.state_set(action, FAILED, reason)
        except EmberError as exc:
            LOG.error("could not record the cancel of stack %s: %s", self.id, exc)

    async def cancel_children(self, reason: str) -> None:
        for child_id in list(self.children):
            await self.rt.actions.cancel(child_id, reason)
