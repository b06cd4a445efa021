"""Stacks to and from the store: build from a request, load from rows, store, change state.

Template parsing and validation are CPU work that grows with the template,
so both ``build`` and ``load`` run them in a worker thread
(``load_stack_definition_async``): a 10,000-resource template never stalls
the event loop long enough to miss a heartbeat. Every stack row write is a
``stack_transition`` (row values and the event in one transaction); every
resource row write goes through the stack's ``TransitionWriter``.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping
from typing import Any

from services.engine.hot import StackDefinition
from services.engine.hot.stack import load_stack_definition_async
from services.engine.model.stack import HostFactory, Stack, StackOptions
from services.engine.persistence.transitions import TransitionWriter
from services.engine.resources import ResourceHost, ResourceRegistry
from services.engine.states import STACK_RESOURCE_TYPE, Action, Status, started
from shared.clients.store import StoreClient
from shared.config import EngineSettings
from shared.context import RequestContext
from shared.schemas.store import StackRecord

LOG = logging.getLogger(__name__)

# A stored template was checked when it was stored; loading it again must not
# fail on limits that were lowered since.
_STORED_MAX_SIZE = 1 << 24


def _no_host(stack: Stack) -> ResourceHost:
    raise RuntimeError("the repository has no host factory: wire one in the engine's composition root")


class StackRepository:
    def __init__(self, store: StoreClient, registry: ResourceRegistry, settings: EngineSettings) -> None:
        self.store = store
        self.registry = registry
        self.settings = settings
        #: Makes the plugins' host for a stack; set by the composition root (it needs the lifecycle).
        self.host_factory: HostFactory = _no_host

    def _stack(self, ctxt: RequestContext, definition: StackDefinition, **kwargs: Any) -> Stack:
        return Stack(
            ctxt,
            definition,
            registry=self.registry,
            transitions=TransitionWriter(self.store, ctxt),
            host_factory=self.host_factory,
            **kwargs,
        )

    # --- construction ------------------------------------------------------------

    async def definition(
        self,
        ctxt: RequestContext,
        name: str,
        stack_id: str,
        template: Mapping[str, Any] | str,
        environment: Mapping[str, Any] | None,
        files: Mapping[str, str] | None,
    ) -> StackDefinition:
        """Parse and validate a template for a stack (nothing stored). Raises EmberError subclasses."""
        return await load_stack_definition_async(
            template,
            dict(environment or {}),
            dict(files or {}),
            None,
            stack_name=name,
            stack_id=stack_id,
            project_id=ctxt.project_id or "",
            max_size=self.settings.max_template_size,
            max_resources=self.settings.max_resources_per_stack,
            registry=self.registry,
        )

    async def build(
        self,
        ctxt: RequestContext,
        name: str,
        template: Mapping[str, Any] | str,
        environment: Mapping[str, Any] | None,
        files: Mapping[str, str] | None,
        *,
        options: StackOptions | None = None,
        owner_id: str | None = None,
        nested_depth: int = 0,
        parent_resource_name: str | None = None,
        root: Stack | None = None,
    ) -> Stack:
        """A new stack, parsed and validated (nothing stored). Raises EmberError subclasses."""
        stack_id = str(uuid.uuid4())
        definition = await self.definition(ctxt, name, stack_id, template, environment, files)
        return self._stack(
            ctxt,
            definition,
            stack_id=stack_id,
            name=name,
            environment=dict(environment or {}),
            options=options,
            owner_id=owner_id,
            nested_depth=nested_depth,
            parent_resource_name=parent_resource_name,
            root=root,
        )

    async def load(self, ctxt: RequestContext, record: StackRecord, root: Stack | None = None) -> Stack:
        """The stack a row describes, with its resources' rows."""
        raw = await self.store.raw_template_get(ctxt, record.raw_template_id)
        definition = await load_stack_definition_async(
            raw.template,
            raw.environment,
            raw.files,
            None,
            stack_name=record.name,
            stack_id=record.id,
            project_id=record.tenant,
            max_size=max(self.settings.max_template_size, _STORED_MAX_SIZE),
            max_resources=-1,
        )
        stack = self._stack(
            ctxt,
            definition,
            stack_id=record.id,
            name=record.name,
            environment=raw.environment,
            options=StackOptions(
                timeout_mins=record.timeout, disable_rollback=record.disable_rollback, tags=record.tags
            ),
            owner_id=record.owner_id,
            nested_depth=record.nested_depth,
            parent_resource_name=record.parent_resource_name,
            record=record,
            root=root,
        )
        for row in await self.store.resource_get_all_by_stack(ctxt, record.id):
            if row.name in stack.resources:
                stack.resources[row.name].record = row
        return stack

    async def load_by_id(self, ctxt: RequestContext, stack_id: str, root: Stack | None = None) -> Stack:
        return await self.load(ctxt, await self.store.stack_get(ctxt, stack_id), root=root)

    # --- storing ---------------------------------------------------------------------

    async def store_new(self, stack: Stack, lock_engine_id: str) -> StackRecord:
        """Store the new stack as CREATE_IN_PROGRESS, in one transaction and round trip:
        template, credentials, the stack row with its first event, its resource rows and
        the given engine's lock on it. Raises StackExists on a duplicate name (nothing stored)."""
        reason = started(Action.CREATE)
        stored = await self.store.stack_store_with_resources(
            stack.ctxt,
            raw_template={
                "template": stack.definition.template.raw,
                "files": stack.definition.files,
                "environment": stack.environment,
            },
            stack={
                "id": stack.id,
                "name": stack.name,
                "username": stack.ctxt.user_name or stack.ctxt.user_id,
                "action": Action.CREATE,
                "status": Status.IN_PROGRESS,
                "status_reason": reason,
                "parameters": stack.environment.get("parameters", {}),
                "owner_id": stack.owner_id,
                "nested_depth": stack.nested_depth,
                "timeout": stack.options.timeout_mins,
                "disable_rollback": stack.options.disable_rollback,
                "tags": stack.options.tags,
                "parent_resource_name": stack.parent_resource_name,
            },
            resources=stack.resource_rows(stack.resources.values()),
            event={
                "resource_action": Action.CREATE,
                "resource_status": Status.IN_PROGRESS,
                "resource_status_reason": reason,
            },
            store_creds=stack.owner_id is None,
            lock_engine_id=lock_engine_id,
        )
        stack.record = stored.stack
        for row in stored.resources:
            stack.resources[row.name].record = row
        return stack.record

    async def state_set(
        self, stack: Stack, action: str, status: str, reason: str, **values: Any
    ) -> None:
        """Store the stack's new state (and any other row ``values``) with its event."""
        event = {
            "resource_name": stack.name,
            "resource_type": STACK_RESOURCE_TYPE,
            "resource_action": action,
            "resource_status": status,
            "resource_status_reason": reason,
            "physical_resource_id": stack.id,
        }
        values.update(action=action, status=status, status_reason=reason[:4000])
        result = await self.store.stack_transition(stack.ctxt, stack.id, values, event)
        stack.record = result.stack
        LOG.info("stack %s (%s) %s_%s: %s", stack.name, stack.id, action, status, reason)

    async def ensure_resource_rows(self, stack: Stack) -> None:
        """Rows for resources that have none yet (a stack stored before its resources were known)."""
        missing = [r for r in stack.resources.values() if r.record is None]
        if missing:
            rows = await self.store.resource_create_many(stack.ctxt, stack.id, stack.resource_rows(missing))
            for resource, row in zip(missing, rows, strict=True):
                resource.record = row

    async def soft_delete(self, stack: Stack) -> None:
        await self.store.stack_delete(stack.ctxt, stack.id)
