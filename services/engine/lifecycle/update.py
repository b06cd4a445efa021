"""Stack update: move a stack to a new definition by running an update plan; rollback is the same move back.

``StackUpdater.prepare`` checks everything before anything changes (the new
template, immutable parameters, restricted actions, the plan itself) —
preview is exactly that and no more. ``start`` then stores the new template
and UPDATE_IN_PROGRESS under the stack lock and runs ``converge`` in the
background, which reloads the stack and walks the combined graph of
``plan.plan_update``:

- a kept resource costs nothing (no event, no store call) while its
  snippet, the parameters and everything it depends on are unchanged and
  the stack was healthy; otherwise its new properties are resolved against
  the live resources and keep / update in place / replace is decided again
  with the real values;
- a replacement gets a new row (``replaces`` the old one) and is created
  while the old row stays; the old one is deleted by its old-side node
  once its dependents have moved on, and its row removed at the end;
- an added resource is created, a removed one deleted, then its row removed.

A failed update with rollback on converges back to the previous template
(``prev_raw_template_id``): loaded with ``prefer_oldest``, the rows an
update was replacing stand for their names again, so a rollback keeps them
and deletes the replacements instead of making third copies.
"""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import json
import logging
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from services.engine.hot import StackDefinition
from services.engine.lifecycle.ops import StackOps
from services.engine.lifecycle.plan import Change, Existing, UpdatePlan, Wanted, plan_update
from services.engine.model.resource import StackResource
from services.engine.model.stack import CancelNote, PlanResolver, Stack, StackOptions
from services.engine.resources import ResourceRegistry
from services.engine.runtime.scheduler import Halted
from services.engine.states import Action, Status, completed, started
from shared.context import RequestContext
from shared.exceptions import (
    EmberError,
    ImmutableParameterModified,
    NotSupported,
    PlanStale,
    ResourceActionRestricted,
    ResourceFailure,
)
from shared.schemas.store import StackRecord

LOG = logging.getLogger(__name__)


@dataclass
class Move:
    """A stack as its rows are, the stack it is to become, and the plan between them."""

    current: Stack
    target: Stack
    plan: UpdatePlan
    #: name -> the StackResource whose row stands for the name now.
    existing: dict[str, StackResource]
    #: plan node -> a spare row (deleted by that node).
    spare: dict[str, StackResource] = field(default_factory=dict)


@dataclass
class UpdateRequest:
    """A checked update, ready to start (or to show, for a preview)."""

    move: Move
    raw_template: dict[str, Any]
    record: StackRecord
    options: StackOptions

    @property
    def plan_id(self) -> str:
        """A binding name for this exact plan: the stack as it is now, the request and every change.

        The same update of an unchanged stack gets the same id on any engine; anything that moved
        (the stack was written since, another template, another outcome) gets another. Nothing is
        stored: an update naming a plan recomputes it and compares (``check_plan``).
        """
        basis = {
            "stack": self.record.id,
            "written": _written(self.record),
            "template": self.record.raw_template_id,
            "request": self.raw_template,
            "options": dataclasses.asdict(self.options),
            "changes": self.move.plan.changes,
        }
        digest = hashlib.sha256(json.dumps(basis, sort_keys=True, default=str).encode()).hexdigest()
        return str(uuid.UUID(digest[:32]))

    def check_plan(self, plan_id: str) -> None:
        """Raise PlanStale unless this update is exactly the previewed plan ``plan_id``."""
        if plan_id != self.plan_id:
            raise PlanStale(stack_name=self.record.name, plan_id=plan_id)


class StackUpdater:
    def __init__(self, ops: StackOps) -> None:
        self.ops = ops
        self.repo = ops.repo
        self.store = ops.store
        for action in (Action.UPDATE, Action.RESTORE, Action.ROLLBACK):
            ops.resumers[action] = self._resumer(action)

    def _resumer(self, action: str) -> Callable[[Stack, str], Awaitable[None]]:
        """How to carry an UPDATE, RESTORE or ROLLBACK on after its engine died: converge again
        from the rows as they are (nothing trusted), from a fresh IN_PROGRESS naming the takeover."""

        async def resume(stack: Stack, reason: str) -> None:
            await self.repo.state_set(stack, action, Status.IN_PROGRESS, reason)
            if action == Action.ROLLBACK:
                await self.rollback(stack, announced=True)
            else:
                await self._update(stack, False, None, action)

        return resume

    # --- checking and planning (nothing changes) ----------------------------------------

    async def prepare(
        self,
        ctxt: RequestContext,
        record: StackRecord,
        template: Mapping[str, Any] | str,
        environment: dict[str, Any],
        files: dict[str, str],
        options: StackOptions,
        root: Stack | None = None,
    ) -> UpdateRequest:
        """Check an update of ``record`` and plan it; raises what Heat raises before changing anything.

        ``root``: the top of the tree a nested stack's update belongs to (its resource count)."""
        if record.action == Action.DELETE:
            raise NotSupported(feature="Updating a stack when it is deleting")
        # The new template parses in a worker thread while the current rows come from the store.
        definition, current = await asyncio.gather(
            self.repo.definition(ctxt, record.name, record.id, template, environment, files),
            self.repo.load(ctxt, record, root=root),
        )
        changed = current.definition.parameters.immutable_changes(definition.parameters)
        if changed:
            raise ImmutableParameterModified(keys=", ".join(sorted(changed)))
        move = self.move(
            current, definition, environment, options, trust_rows=record.status == Status.COMPLETE
        )
        _check_restricted(move)
        raw = {"template": definition.template.raw, "files": definition.files, "environment": environment}
        return UpdateRequest(move=move, raw_template=raw, record=record, options=options)

    async def unchanged(
        self,
        ctxt: RequestContext,
        record: StackRecord,
        template: Mapping[str, Any] | str,
        environment: dict[str, Any],
        files: dict[str, str],
        options: StackOptions,
    ) -> Stack | None:
        """The stack, when this update would change nothing at all: the stack is COMPLETE and the
        request is its stored template, environment, files and options exactly. Such an update
        needs no parse, no row read and no plan (every resource is kept); else None."""
        if record.status != Status.COMPLETE or not isinstance(template, Mapping):
            return None
        if options != StackOptions.from_record(record):
            return None
        raw = await self.store.raw_template_get(ctxt, record.raw_template_id)
        if (dict(template), environment, files) != (raw.template, raw.environment, raw.files):
            return None
        definition, stored_environment = await self.repo.load_definition(ctxt, record)
        if _has_always_replaced(self.repo.registry, definition):
            return None  # e.g. an UpdateWaitConditionHandle: every update replaces it
        return self.repo.bare(ctxt, record, definition, stored_environment)

    async def start_unchanged(self, stack: Stack) -> None:
        """UPDATE_IN_PROGRESS then UPDATE_COMPLETE for an update that changes nothing (``unchanged``)."""
        assert stack.record is not None
        template_id = stack.record.raw_template_id

        async def begin() -> None:
            await self.repo.state_set(
                stack,
                Action.UPDATE,
                Status.IN_PROGRESS,
                started(Action.UPDATE),
                prev_raw_template_id=template_id,
            )

        async def run() -> None:
            await self.repo.state_set(stack, Action.UPDATE, Status.COMPLETE, completed(Action.UPDATE))

        await self.ops.runner.start_with_lock(self.ops.job(stack, Action.UPDATE, run), prepare=begin)

    def move(
        self,
        current: Stack,
        definition: StackDefinition,
        environment: dict[str, Any],
        options: StackOptions,
        *,
        trust_rows: bool = False,
    ) -> Move:
        """The plan from ``current`` (its rows) to ``definition``.

        ``trust_rows``: the rows are what ``current``'s definition says (the stack was COMPLETE),
        so a resource whose snippet and inputs did not change is kept without resolving it.
        """
        target = self.repo.retarget(current, definition, environment, options)
        existing = {name: res for name, res in current.resources.items() if res.record is not None}
        spare: dict[str, StackResource] = {}
        for res in current.spare:
            assert res.record is not None
            if res.name not in existing and res.name in target.resources:
                existing[res.name] = res  # e.g. a rollback finds the row its update removed
                target.resources[res.name].record = res.record
            else:
                spare[f"{res.name}\x00row{res.record.id}"] = res
        fast = trust_rows and _same_inputs(current.definition, definition)
        planner = _Planner(target, existing, current.definition if fast else None)
        plan = plan_update(
            {name: _existing(res) for name, res in existing.items()},
            {
                name: Wanted(name, res.type, definition.dependencies.requires(name))
                for name, res in target.resources.items()
            },
            planner.classify,
            {node: res.name for node, res in spare.items()},
        )
        return Move(current=current, target=target, plan=plan, existing=existing, spare=spare)

    # --- running ---------------------------------------------------------------------------

    async def start(self, request: UpdateRequest, action: str = Action.UPDATE) -> None:
        """Under the lock: store the new template and UPDATE_IN_PROGRESS (RESTORE_ for a snapshot
        restore, which is an update back to the snapshot), then update in the background."""
        record, holder = request.record, request.move.current
        ctxt = holder.ctxt
        trust_rows = record.status == Status.COMPLETE
        target_options = request.move.target.options

        prepared: list[Move] = []

        async def begin() -> None:
            # Under the lock now: if the stack is as it was when the update was planned, nothing
            # can have changed its rows, and the plan stands (no second read of every row).
            fresh = await self.store.stack_get(ctxt, holder.id)
            if _written(fresh) == _written(record):
                prepared.append(request.move)
            raw = await self.store.raw_template_create(ctxt, request.raw_template)
            self.repo.remember(
                raw.id, holder.id, request.move.target.definition, request.raw_template["environment"]
            )
            await self.repo.state_set(
                holder,
                action,
                Status.IN_PROGRESS,
                started(action),
                raw_template_id=raw.id,
                prev_raw_template_id=record.raw_template_id,
                parameters=request.raw_template["environment"].get("parameters", {}),
                timeout=target_options.timeout_mins,
                disable_rollback=target_options.disable_rollback,
                tags=target_options.tags,
            )

        async def run() -> None:
            await self._update(holder, trust_rows, prepared[0] if prepared else None, action)

        await self.ops.runner.start_with_lock(self.ops.job(holder, action, run), prepare=begin)

    async def _update(self, holder: Stack, trust_rows: bool, move: Move | None, action: str) -> None:
        try:
            if move is not None:
                move.target.record = holder.record
                target, reason = move.target, await self._run(move, action, trust_rows)
            else:
                target, reason = await self.converge(holder, action, trust_rows=trust_rows)
        except Halted:
            LOG.info("update of stack %s superseded: the newer update goes on from here", holder.id)
            return
        if reason is None:
            await self.repo.state_set(target, action, Status.COMPLETE, completed(action))
            return
        await self.repo.state_set(target, action, Status.FAILED, reason)
        if not target.options.disable_rollback:
            await self.rollback(holder)

    async def rollback(self, holder: Stack, *, announced: bool = False) -> None:
        """Back to the template the last update started from (prev_raw_template_id).

        ``announced``: ROLLBACK_IN_PROGRESS is already stored (cancel_update stores it before it returns).
        """
        if not announced:
            await self.repo.state_set(
                holder, Action.ROLLBACK, Status.IN_PROGRESS, started(Action.ROLLBACK), stamp=True
            )
        target, reason = await self.converge(holder, Action.ROLLBACK)
        if reason is not None:
            await self.repo.state_set(target, Action.ROLLBACK, Status.FAILED, reason)
            return
        assert holder.record is not None
        await self.repo.state_set(
            target,
            Action.ROLLBACK,
            Status.COMPLETE,
            completed(Action.ROLLBACK),
            raw_template_id=holder.record.prev_raw_template_id,
            prev_raw_template_id=holder.record.raw_template_id,
        )

    async def update_child(
        self,
        parent: Stack,
        child_id: str,
        template: dict[str, Any],
        params: dict[str, Any],
        files: dict[str, str],
    ) -> None:
        """A nested update: the child moves to ``template``; its parent polls it (no rollback of its own)."""
        record = await self.store.stack_get(parent.ctxt, child_id)
        parent.children.add(child_id)
        environment = self.ops.child_environment(parent, record.parent_resource_name, params)
        options = StackOptions.from_record(record)
        options.disable_rollback = True
        request = await self.prepare(
            parent.ctxt,
            record,
            template,
            environment,
            {**parent.definition.files, **files},
            options,
            parent.root,
        )
        current = request.move.current
        # Heat's count for a nested update: the new template's resources for the rows it has now.
        rows = sum(res.record is not None for res in current.resources.values()) + len(current.spare)
        await self.ops.add_nested_resources(parent.root, len(request.move.target.resources), rows)
        await self.start(request)

    async def start_rollback(self, holder: Stack) -> None:
        """Roll ``holder`` back in the background (cancel_update); ROLLBACK_IN_PROGRESS is stored
        before this returns, so a caller polling the stack never sees it settled in between."""

        async def begin() -> None:
            await self.repo.state_set(
                holder, Action.ROLLBACK, Status.IN_PROGRESS, started(Action.ROLLBACK), stamp=True
            )

        async def run() -> None:
            await self.rollback(holder, announced=True)

        await self.ops.runner.start_with_lock(self.ops.job(holder, Action.ROLLBACK, run), prepare=begin)

    async def converge(
        self, holder: Stack, action: str, *, trust_rows: bool = False
    ) -> tuple[Stack, str | None]:
        """Move the stack's rows to the template an UPDATE (raw_template_id) or ROLLBACK
        (prev_raw_template_id) aims at; the stack walked and the failure reason, or None."""
        record = await self.store.stack_get(holder.ctxt, holder.id)
        holder.record = record
        forward = action != Action.ROLLBACK
        to_id = record.raw_template_id if forward else record.prev_raw_template_id
        from_id = record.prev_raw_template_id if forward else record.raw_template_id
        if to_id is None:
            raise NotSupported(feature="Rolling back a stack that was never updated")
        to_definition, to_environment = await self.repo.load_definition(holder.ctxt, record, to_id)
        current = await self.repo.load(
            holder.ctxt,
            record,
            template_id=from_id,
            prefer_oldest=action == Action.ROLLBACK,
            other=to_definition,
            cancel_note=holder.cancel_note,
        )
        move = self.move(
            current, to_definition, to_environment, StackOptions.from_record(record), trust_rows=trust_rows
        )
        reason = await self._run(move, action, trust_rows)
        return move.target, reason

    async def _run(self, move: Move, action: str, trust_rows: bool) -> str | None:
        target, plan = move.target, move.plan
        outcome: dict[str, Change] = {}
        late: list[StackResource] = []
        removed: list[int] = []
        fast = trust_rows and _same_inputs(move.current.definition, target.definition)

        async def step(node: str) -> None:
            old_name = plan.old_nodes.get(node)
            if old_name is not None:
                old = move.spare.get(node) or move.existing[old_name]
                await _delete(old, removed)
                return
            change = plan.changes[node]
            if change == Change.CREATE:
                await target.resources[node].create()
            elif change == Change.REPLACE:
                await self._replace(target, node, move.existing[node])
            else:
                change = await self._update_or_keep(move, node, change, outcome, fast)
                if change == Change.REPLACE:
                    late.append(move.existing[node])
                    await self._replace(target, node, move.existing[node])
            outcome[node] = change

        reason = await self.ops.walk.run(
            target, action, step, graph=plan.graph, timeout=target.timeout_seconds
        )
        if reason is not None:
            return reason
        try:
            for old in reversed(late):  # replaced when their new values were known: unused now
                await _delete(old, removed)
            await target.transitions.drain()
            await self.repo.remove_rows(target, removed)
        except ResourceFailure as exc:
            return f"Resource {action} failed: {exc}"
        except EmberError as exc:
            return f"Stack {action} failed: {type(exc).__name__}: {exc}"
        return None

    async def _update_or_keep(
        self, move: Move, name: str, planned: Change, outcome: Mapping[str, Change], fast: bool
    ) -> Change:
        target = move.target
        res = target.resources[name]
        old = move.existing[name]
        deps = target.definition.dependencies.requires(name)
        if (
            fast
            and planned == Change.KEEP
            and all(outcome.get(dep, Change.KEEP) == Change.KEEP for dep in deps)
            and _same_snippet(move, name)
        ):
            return Change.KEEP
        await target.prepare_dependencies(res)
        try:
            change, properties = decide(target, name, old)
        except EmberError as exc:
            raise ResourceFailure(f"{type(exc).__name__}: {exc}") from exc
        if change != Change.UPDATE:
            return change
        # The new type's plugin over the old row: a provider template updates to its new file.
        plugin = res.plugin() if res.record is not None else None
        if plugin is None:
            return Change.REPLACE
        diff = {key: value for key, value in properties.items() if plugin.properties.get(key) != value}
        await res.update(plugin, properties, diff)
        return Change.UPDATE

    async def _replace(self, target: Stack, name: str, old: StackResource) -> None:
        assert old.record is not None
        res = target.resources[name]
        res.record = await self.repo.create_replacement(target, res, replaces=old.record.id)
        res.forget_plugin()
        await res.create()


class _Planner:
    """``classify`` for the plan, before anything runs (references to new resources are unknown)."""

    def __init__(
        self, target: Stack, existing: Mapping[str, StackResource], trusted: StackDefinition | None
    ) -> None:
        self.target = target
        self.existing = existing
        self.trusted = trusted
        self.decided: Mapping[str, Change] = {}
        self.resolver = PlanResolver(target, lambda name: self.decided.get(name) in _NEW_VALUES)

    def classify(self, name: str, decided: Mapping[str, Change]) -> Change:
        self.decided = decided
        if self.trusted is not None:
            old = self.trusted.resources.get(name)
            deps = self.target.definition.dependencies.requires(name)
            if (
                old is not None
                and not self.target.resources[name].plugin_class.replace_on_update
                and old.raw == self.target.definition.resources[name].raw
                and all(decided.get(dep) == Change.KEEP for dep in deps)
            ):
                return Change.KEEP  # same snippet, same inputs, same dependencies: nothing to resolve
        return decide(self.target, name, self.existing[name], self.resolver)[0]


_NEW_VALUES = (Change.CREATE, Change.REPLACE)


def decide(
    target: Stack, name: str, old: StackResource, resolver: Any = None
) -> tuple[Change, dict[str, Any]]:
    """Keep, update in place or replace a resource that exists, from its resolved new properties.

    Raises the plugin's StackValidationFailed for new properties that break its schema.
    """
    res = target.resources[name]
    plugin = old.plugin()
    if plugin is None or old.type != res.type or res.plugin_class.replace_on_update:
        return Change.REPLACE, {}
    properties = res.definition.resolved_properties(resolver or target.resolver)
    validated = res.plugin_class.validate_properties(name, properties)
    same_kind = old.plugin_class.implementation() == res.plugin_class.implementation()
    if validated == plugin.properties and same_kind:
        return Change.KEEP, validated
    if plugin.needs_replacement(validated):
        return Change.REPLACE, validated
    return Change.UPDATE, validated


async def _delete(old: StackResource, removed: list[int]) -> None:
    if old.created:
        await old.delete()
    assert old.record is not None
    removed.append(old.record.id)


def _existing(res: StackResource) -> Existing:
    assert res.record is not None
    return Existing(
        name=res.name,
        type=res.type,
        created=res.created,
        healthy=res.status == Status.COMPLETE,
        depends_on=frozenset(res.record.depends_on),
    )


def _has_always_replaced(registry: ResourceRegistry, definition: StackDefinition) -> bool:
    """Whether a resource of the definition is of a type that every update replaces."""
    for name in definition.resources:
        resolved = definition.resolve_type(name)
        if resolved.is_provider_template:
            continue
        try:
            plugin = registry.get_plugin(resolved.plugin_type or resolved.requested)
        except EmberError:
            continue
        if plugin.replace_on_update:
            return True
    return False


def _same_inputs(old: StackDefinition, new: StackDefinition) -> bool:
    """Whether every parameter value and file is as it was (a kept snippet then resolves the same)."""
    return old.parameters.values == new.parameters.values and old.files == new.files


def _same_snippet(move: Move, name: str) -> bool:
    old = move.current.definition.resources.get(name)
    return old is not None and old.raw == move.target.definition.resources[name].raw


def _check_restricted(move: Move) -> None:
    """The environment's ``restricted_actions`` (update / replace) per resource, as Heat checks them."""
    registry = move.target.definition.environment.resource_registry.get("resources") or {}
    for name, change in move.plan.changes.items():
        entry = registry.get(name) if isinstance(registry, Mapping) else None
        restricted = entry.get("restricted_actions") if isinstance(entry, Mapping) else None
        if not restricted:
            continue
        actions = {str(a).lower() for a in (restricted if isinstance(restricted, list) else [restricted])}
        if change == Change.UPDATE and "update" in actions:
            raise ResourceActionRestricted(action="update", resource=name)
        if change == Change.REPLACE and "replace" in actions:
            raise ResourceActionRestricted(action="replace", resource=name)


__all__ = ["CancelNote", "Move", "StackUpdater", "UpdateRequest", "decide"]


def _written(record: StackRecord) -> str:
    """What changes whenever the stack row is written by an action (its state, time, template)."""
    return "|".join(
        str(v)
        for v in (
            record.updated_at,
            record.raw_template_id,
            record.action,
            record.status,
            record.status_reason,
        )
    )
