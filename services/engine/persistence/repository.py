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
from collections import OrderedDict
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from services.engine.hot import StackDefinition
from services.engine.hot.stack import load_stack_definition_async
from services.engine.model.resource import StackResource
from services.engine.model.stack import CancelNote, HostFactory, Stack, StackOptions
from services.engine.persistence.observer import Observers
from services.engine.persistence.retry import retrying
from services.engine.persistence.transitions import TransitionWriter
from services.engine.resources import ResourceHost, ResourceRegistry
from services.engine.runtime.changes import StackChanges
from services.engine.states import STACK_RESOURCE_TYPE, STAMPING_ACTIONS, Action, Status, started
from shared.clients.store import StoreClient
from shared.config import EngineSettings
from shared.context import RequestContext
from shared.schemas.store import ResourceRecord, StackRecord, StackTransition

LOG = logging.getLogger(__name__)

# A stored template was checked when it was stored; loading it again must not
# fail on limits that were lowered since.
_STORED_MAX_SIZE = 1 << 24
#: Parsed stored templates kept, counted in resources: a group's 1,000 member stacks are read
#: again for its outputs, and parsing them again would cost more than their rows.
_PARSED_RESOURCES = 60_000
_PARSED_CACHE = 4096


def is_live(row: ResourceRecord) -> bool:
    """Whether a row may still stand for something (anything but DELETE_COMPLETE)."""
    return not (row.action == Action.DELETE and row.status == Status.COMPLETE)


def choose_rows(
    rows: list[ResourceRecord], prefer_oldest: bool = False
) -> tuple[dict[str, ResourceRecord], list[ResourceRecord]]:
    """The row that stands for each name, and the rest.

    A name has two live rows only while an update replaces it (or after one
    that did not finish): the newest is the replacement, the oldest what it
    replaces. A name with no live row keeps its newest one (a deleted stack
    still shows its resources as DELETE_COMPLETE).
    """
    by_name: dict[str, list[ResourceRecord]] = {}
    for row in sorted(rows, key=lambda r: r.id):
        by_name.setdefault(row.name, []).append(row)
    chosen: dict[str, ResourceRecord] = {}
    spare: list[ResourceRecord] = []
    for name, group in by_name.items():
        live = [row for row in group if is_live(row)]
        pick = (live[0] if prefer_oldest else live[-1]) if live else group[-1]
        chosen[name] = pick
        spare.extend(row for row in group if row is not pick)
    return chosen, spare


def _no_host(stack: Stack) -> ResourceHost:
    raise RuntimeError("the repository has no host factory: wire one in the engine's composition root")


class StackRepository:
    def __init__(self, store: StoreClient, registry: ResourceRegistry, settings: EngineSettings) -> None:
        self.store = store
        self.registry = registry
        self.settings = settings
        #: Makes the plugins' host for a stack; set by the composition root (it needs the lifecycle).
        self.host_factory: HostFactory = _no_host
        #: Told of every stored transition (notifications, live events, metrics; see observer.py).
        self.observers = Observers()
        # Parsed stored templates by (template id, stack id): a stored template never changes, and an
        # update would otherwise parse the same large template four times (see docs/engine.md).
        #: Wakes a parent waiting for its child's state (see runtime/changes.py).
        self.changes = StackChanges()
        self._parsed: OrderedDict[tuple[int, str], tuple[StackDefinition, dict[str, Any]]] = OrderedDict()
        self._parsed_resources = 0

    def remember(
        self, template_id: int, stack_id: str, definition: StackDefinition, environment: dict[str, Any]
    ) -> None:
        """Keep the parse of a template just stored (the update that stored it loads it next)."""
        key = (template_id, stack_id)
        if key in self._parsed:
            self._parsed_resources -= len(self._parsed[key][0].resources)
        self._parsed[key] = (definition, environment)
        self._parsed.move_to_end(key)
        self._parsed_resources += len(definition.resources)
        while len(self._parsed) > 1 and (
            len(self._parsed) > _PARSED_CACHE or self._parsed_resources > _PARSED_RESOURCES
        ):
            _key, (dropped, _env) = self._parsed.popitem(last=False)
            self._parsed_resources -= len(dropped.resources)

    def _stack(
        self,
        ctxt: RequestContext,
        definition: StackDefinition,
        transitions: TransitionWriter | None = None,
        **kwargs: Any,
    ) -> Stack:
        root = kwargs.get("root")
        shared = getattr(root.transitions, "channel", None) if root is not None else None
        writer = transitions or TransitionWriter(
            self.store,
            ctxt,
            retry_window=self.settings.store_retry_timeout,
            # A nested stack's batches go with its root's and its siblings' (transitions.py).
            channel=shared if shared is not None and shared.ctxt is ctxt else None,
        )
        stack = Stack(
            ctxt,
            definition,
            registry=self.registry,
            transitions=writer,
            host_factory=self.host_factory,
            **kwargs,
        )
        if transitions is None:
            writer.on_stored = lambda stored: self.observers.resources_changed(stack, stored)
        return stack

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
        stack = self._stack(
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
        stack.nested_resource_count = 0  # nothing is below a new stack yet
        return stack

    async def load(
        self,
        ctxt: RequestContext,
        record: StackRecord,
        root: Stack | None = None,
        *,
        prefer_oldest: bool = False,
        other: StackDefinition | None = None,
        template_id: int | None = None,
        cancel_note: CancelNote | None = None,
    ) -> Stack:
        """The stack a row describes, with its resources' rows (see ``choose_rows``).

        ``prefer_oldest`` picks, for a name with two live rows, the one an unfinished
        update was replacing (a rollback restores it); ``other`` is a definition that
        may know the spare rows (the template the stack is being moved to or from);
        ``template_id`` loads another of the stack's templates than its current one.
        """
        definition, environment = await self.load_definition(ctxt, record, template_id)
        stack = self._stack(
            ctxt,
            definition,
            stack_id=record.id,
            name=record.name,
            environment=environment,
            options=StackOptions.from_record(record),
            cancel_note=cancel_note,
            owner_id=record.owner_id,
            nested_depth=record.nested_depth,
            parent_resource_name=record.parent_resource_name,
            record=record,
            root=root,
        )
        chosen, spare = choose_rows(
            await self.store.resource_get_all_by_stack(ctxt, record.id), prefer_oldest
        )
        for name, row in chosen.items():
            if name in stack.resources and stack.resources[name].type == row.type:
                stack.resources[name].record = row
            else:
                spare.append(row)
        stack.spare = [stack.spare_resource(row, other) for row in spare if is_live(row)]
        return stack

    async def load_definition(
        self, ctxt: RequestContext, record: StackRecord, template_id: int | None = None
    ) -> tuple[StackDefinition, dict[str, Any]]:
        """One of the stack's stored templates (default: its current one), parsed; and its environment."""
        template_id = template_id or record.raw_template_id
        cached = self._parsed.get((template_id, record.id))
        if cached is not None:
            self._parsed.move_to_end((template_id, record.id))
            return cached
        raw = await self.store.raw_template_get(ctxt, template_id)
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
        self.remember(template_id, record.id, definition, raw.environment)
        return definition, raw.environment

    def bare(
        self,
        ctxt: RequestContext,
        record: StackRecord,
        definition: StackDefinition,
        environment: dict[str, Any],
    ) -> Stack:
        """The stack a row describes, without its resources' rows (for a state change alone)."""
        return self._stack(
            ctxt,
            definition,
            stack_id=record.id,
            name=record.name,
            environment=environment,
            options=StackOptions.from_record(record),
            owner_id=record.owner_id,
            nested_depth=record.nested_depth,
            parent_resource_name=record.parent_resource_name,
            record=record,
        )

    def retarget(
        self, current: Stack, definition: StackDefinition, environment: dict[str, Any], options: StackOptions
    ) -> Stack:
        """The stack ``current`` is to become: same identity, transitions and cancel note, the new
        definition; each resource of both (same type) starts from the row that stands for it now."""
        target = Stack(
            current.ctxt,
            definition,
            stack_id=current.id,
            name=current.name,
            environment=environment,
            registry=self.registry,
            transitions=current.transitions,
            host_factory=self.host_factory,
            options=options,
            owner_id=current.owner_id,
            nested_depth=current.nested_depth,
            parent_resource_name=current.parent_resource_name,
            record=current.record,
            root=current.root if current.root is not current else None,
            cancel_note=current.cancel_note,
        )
        target.children = current.children
        target.nested_resource_count = current.nested_resource_count
        for name, res in target.resources.items():
            old = current.resources.get(name)
            if old is not None and old.record is not None and old.type == res.type:
                res.record = old.record
        return target

    async def create_replacement(
        self, stack: Stack, resource: StackResource, replaces: int
    ) -> ResourceRecord:
        """A new row for a resource that replaces the row ``replaces`` (which stays until deleted)."""
        values = stack.resource_rows([resource])[0] | {
            "replaces": replaces,
            "current_template_id": stack.record.raw_template_id if stack.record else None,
        }
        row = (await self.store.resource_create_many(stack.ctxt, stack.id, [values]))[0]
        await stack.transitions.update(replaces, {"replaced_by": row.id})
        return row

    async def remove_rows(self, stack: Stack, resource_ids: list[int]) -> None:
        """Remove the rows of resources an update deleted (their events stay)."""
        for resource_id in resource_ids:
            await self.store.resource_delete(stack.ctxt, resource_id)

    async def load_by_id(self, ctxt: RequestContext, stack_id: str, root: Stack | None = None) -> Stack:
        return await self.load(ctxt, await self.store.stack_get(ctxt, stack_id), root=root)

    # --- storing ---------------------------------------------------------------------

    async def store_new(self, stack: Stack, lock_engine_id: str, action: str = Action.CREATE) -> StackRecord:
        """Store the new stack as CREATE_IN_PROGRESS (or ADOPT_), in one transaction and round trip:
        template, credentials, the stack row with its first event, its resource rows and
        the given engine's lock on it. Raises StackExists on a duplicate name (nothing stored)."""
        reason = started(action)
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
                "action": action,
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
                "resource_action": action,
                "resource_status": Status.IN_PROGRESS,
                "resource_status_reason": reason,
            },
            store_creds=stack.owner_id is None,
            lock_engine_id=lock_engine_id,
        )
        stack.record = stored.stack
        self.observers.stack_changed(stack, stored.event)
        for row in stored.resources:
            stack.resources[row.name].record = row
        # Its first update or load parses nothing again.
        self.remember(stored.stack.raw_template_id, stack.id, stack.definition, stack.environment)
        return stack.record

    async def state_set(
        self, stack: Stack, action: str, status: str, reason: str, *, stamp: bool = False, **values: Any
    ) -> None:
        """Store the stack's new state (and any other row ``values``) with its event.

        ``updated_at`` is Heat's ``updated_time``: stamped when an action that changes an existing
        stack starts (update, check, suspend, resume, snapshot, restore, an update's rollback:
        ``stamp``, implied for those actions), never by a create, its rollback or a delete.
        """
        if stamp or (status == Status.IN_PROGRESS and action in STAMPING_ACTIONS):
            values.setdefault("updated_at", datetime.now(UTC))
        event = {
            "resource_name": stack.name,
            "resource_type": STACK_RESOURCE_TYPE,
            "resource_action": action,
            "resource_status": status,
            "resource_status_reason": reason,
            "physical_resource_id": stack.id,
        }
        values.update(action=action, status=status, status_reason=reason[:4000])
        event["uuid"] = str(uuid.uuid4())  # names the write: a retry of it is recognised, not repeated

        async def write() -> StackTransition:
            return await self.store.stack_transition(stack.ctxt, stack.id, values, event)

        result = await retrying(
            f"stack {stack.id} {action}_{status}", write, self.settings.store_retry_timeout
        )
        stack.record = result.stack
        self.observers.stack_changed(stack, result.event)
        self.changes.changed(stack.id)
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
