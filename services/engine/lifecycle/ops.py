"""The stack use cases: create, delete, rollback, reset what dead engines left; nested stacks.

Each public method is what one RPC call (or a nested-stack plugin) asks
for: check what can be checked, store what must be stored before the
caller hears back, then start the long work as a background ``Job`` under
the stack lock and return. The work itself is an action body here
(``_create``, ``_delete``, ``_rollback``) that walks the graph through
``ActionWalk`` and sets the stack's state around it.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import secrets
import string
import uuid
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, ClassVar

from services.engine.hot import check_resource_count
from services.engine.hot.dependencies import DependencyGraph
from services.engine.lifecycle.actions import ActionWalk
from services.engine.model.stack import Stack, StackOptions
from services.engine.persistence.repository import StackRepository
from services.engine.runtime.locks import Liveness
from services.engine.runtime.runner import ActionRunner, Job
from services.engine.states import (
    Action,
    Status,
    cancelled_for_delete,
    completed,
    engine_down,
    started,
    stranded,
)
from shared.config import EngineSettings
from shared.context import RequestContext
from shared.exceptions import (
    ActionInProgress,
    EmberError,
    NotSupported,
    RequestLimitExceeded,
    ResourceFailure,
    ResourceNotFound,
)
from shared.limits import maximum
from shared.schemas.store import ResourceRecord, SnapshotRecord, StackRecord

LOG = logging.getLogger(__name__)

StopRemote = Callable[[RequestContext, str, str, str], Awaitable[None]]

_ALPHABET = string.ascii_lowercase + string.digits
_SETTLED = frozenset(
    (a, Status.COMPLETE)
    for a in (
        Action.CREATE,
        Action.UPDATE,
        Action.RESUME,
        Action.ADOPT,
        Action.CHECK,
        Action.SUSPEND,
        Action.ROLLBACK,
    )
)
_FAILED = frozenset(
    (a, Status.FAILED)
    for a in (Action.CREATE, Action.UPDATE, Action.RESUME, Action.SUSPEND, Action.CHECK, Action.ROLLBACK)
)
#: The stop_stack reason that asks for a halt (stop launching) rather than a cancel.
HALT = "halt: superseded by a newer update"
_STALE_PAGE = 200
_DELETE_ATTEMPTS = 4
#: Between delete attempts: an action that took the lock may not be cancellable yet (a takeover
#: loading the stack it locked); a moment later it is.
_DELETE_RETRY_DELAY = 0.25


def resource_facade(parent: Stack, resource_name: str) -> dict[str, Any]:
    """What ``resource_facade`` reads in the nested stack of a provider-template resource: the
    resource's metadata, deletion_policy and update_policy, resolved in the parent."""
    defn = parent.definition.resources[resource_name]
    try:
        metadata = defn.resolved_metadata(parent.resolver)
        update_policy = defn.resolved_update_policy(parent.resolver)
    except EmberError as exc:  # a value not known yet reads as empty rather than failing the child
        LOG.debug("facade of %s: %s", resource_name, exc)
        metadata, update_policy = {}, {}
    return {"metadata": metadata, "deletion_policy": defn.deletion_policy, "update_policy": update_policy}


class StackOps:
    def __init__(
        self,
        repo: StackRepository,
        runner: ActionRunner,
        settings: EngineSettings,
        engine_id: str,
        is_alive: Liveness,
        stop_remote: StopRemote,
    ) -> None:
        self.repo = repo
        self.store = repo.store
        self.runner = runner
        self.settings = settings
        self.engine_id = engine_id
        self.is_alive = is_alive
        self.stop_remote = stop_remote
        self.walk = ActionWalk(repo, runner, settings.max_concurrent_resources)
        #: Actions another module knows how to carry on after a takeover (the updater adds UPDATE,
        #: RESTORE and ROLLBACK): action -> (stack, the takeover's reason) -> the rest of the action.
        self.resumers: dict[str, Callable[[Stack, str], Awaitable[None]]] = {}

    def job(self, stack: Stack, action: str, run: Callable[[], Awaitable[None]]) -> Job:
        """A background job for ``run`` that keeps ``stack``'s state honest however it ends."""

        async def on_crash(exc: Exception) -> None:
            # Never leave a stack IN_PROGRESS because its action broke (e.g. the store timed out).
            reason = f"Stack {stack.action} failed: internal error: {type(exc).__name__}: {exc}"
            await self.repo.state_set(stack, stack.action, Status.FAILED, reason)

        def on_cancel(reason: str) -> None:
            stack.cancel_reason = reason

        def on_halt() -> None:
            stack.cancel_note.halt.set()

        return Job(
            ctxt=stack.ctxt,
            stack_id=stack.id,
            stack_name=stack.name,
            action=action,
            run=run,
            on_crash=on_crash,
            on_cancel=on_cancel,
            current_action=lambda: stack.action,
            on_halt=on_halt if action == Action.UPDATE else None,
        )

    # --- create ------------------------------------------------------------------------

    async def create(
        self,
        ctxt: RequestContext,
        name: str,
        template: Mapping[str, Any] | str,
        environment: dict[str, Any],
        files: dict[str, str],
        options: StackOptions,
        adopt: dict[str, Any] | None = None,
    ) -> Stack:
        """Validate and store a new stack, start CREATE (ADOPT, given Heat's abandon data for its
        resources by name) in the background; the stored stack."""
        # The limit's store round trip overlaps the template's parse and validation; its refusal
        # still wins over a validation error, as when it ran first.
        limit_check = asyncio.ensure_future(self._check_stack_limit(ctxt))
        try:
            stack = await self.repo.build(ctxt, name, template, environment, files, options=options)
        except asyncio.CancelledError:
            limit_check.cancel()
            raise
        except BaseException:
            await limit_check
            raise
        await limit_check
        action = Action.ADOPT if adopt is not None else Action.CREATE
        await self.repo.store_new(stack, self.engine_id, action)  # also takes the new stack's lock
        self.runner.lock.held.add(stack.id)
        await self.runner.start_locked(self.job(stack, action, lambda: self._create(stack, adopt)))
        return stack

    async def _check_stack_limit(self, ctxt: RequestContext) -> None:
        """Heat's max_stacks_per_tenant: the project's live top-level stacks, admins exempt."""
        limit = self.settings.max_stacks_per_tenant
        if limit < 0 or ctxt.is_admin:
            return
        if await self.store.stack_count_all(ctxt) >= limit:
            raise RequestLimitExceeded(
                reason="You have reached "
                + maximum(limit, "stacks per tenant", "engine", "max_stacks_per_tenant")
                + "; please delete some stacks."
            )

    async def _create(self, stack: Stack, adopt: dict[str, Any] | None = None) -> None:
        """CREATE (or ADOPT); on failure or timeout, ROLLBACK unless disable_rollback."""
        action = Action.ADOPT if adopt is not None else Action.CREATE
        if (stack.action, stack.status) != (action, Status.IN_PROGRESS):  # store_new recorded it
            await self.repo.state_set(stack, action, Status.IN_PROGRESS, started(action))

        async def step(name: str) -> None:
            if adopt is None:
                await stack.resources[name].create()
                return
            data = adopt.get(name)
            if not isinstance(data, dict):
                raise ResourceFailure(f"Error: resources.{name}: the adopt data has no resource {name}")
            await stack.resources[name].create(data)

        reason = await self.walk.run(stack, action, step, timeout=stack.timeout_seconds)
        if reason is None:
            await self.repo.state_set(stack, action, Status.COMPLETE, completed(action))
            return
        await self.repo.state_set(stack, action, Status.FAILED, reason)
        if not stack.options.disable_rollback:
            await self._rollback(stack)

    # --- abandon -----------------------------------------------------------------------

    async def abandon(self, ctxt: RequestContext, record: StackRecord) -> dict[str, Any]:
        """Heat's abandon: the stack's data (template, environment, resources with their physical
        ids and data, nested stacks' resources inside theirs), and the stack removed from Ember with
        everything it made left in place. Under the stack lock; refused while an action runs."""
        await self.runner.lock.acquire(ctxt, record.id, record.name, "ABANDON")
        try:
            stack = await self.repo.load(ctxt, record)
            removed: list[str] = []
            data = await self.stack_data(stack, removed)
            for stack_id in reversed(removed):
                await self.store.stack_delete(ctxt, stack_id)
            # As Heat's delete(abandon=True): the stack reads DELETE_COMPLETE by id, and is gone by name.
            await self.repo.state_set(stack, Action.DELETE, Status.COMPLETE, "Stack abandoned")
            await self.repo.soft_delete(stack)
            return data
        finally:
            await self.runner.lock.release(ctxt, record.id)

    async def export(self, ctxt: RequestContext, record: StackRecord) -> dict[str, Any]:
        """Heat's export_stack: the abandon data of the stack as it is, touching nothing (no lock:
        a read, so it may be taken while an action runs, and shows the rows of that moment)."""
        return await self.stack_data(await self.repo.load(ctxt, record))

    async def stack_data(self, stack: Stack, nested: list[str] | None = None) -> dict[str, Any]:
        """What abandon answers and a snapshot keeps; ``nested`` collects the nested stacks' ids."""
        assert stack.record is not None
        return {
            "name": stack.name,
            "id": stack.id,
            "action": stack.action,
            "status": stack.status,
            "template": stack.definition.template.raw,
            "environment": stack.environment,
            "files": stack.definition.files,
            "resources": await self._abandon_resources(stack, [] if nested is None else nested),
            "project_id": stack.record.tenant,
            "stack_user_project_id": stack.record.tenant,
            "tags": stack.record.tags,
        }

    # --- snapshots ---------------------------------------------------------------------

    async def snapshot(self, ctxt: RequestContext, record: StackRecord, name: str | None) -> SnapshotRecord:
        """Heat's stack_snapshot: a snapshot row now (IN_PROGRESS), then SNAPSHOT of every resource in
        the background and the stack's data kept in the row (COMPLETE), under the stack lock."""
        if record.status == Status.IN_PROGRESS:
            raise ActionInProgress(stack_name=record.name, action=record.action)
        stack = await self.repo.load(ctxt, record)
        snapshot = await self.store.snapshot_create(ctxt, record.id, {"name": name} if name else {})

        async def begin() -> None:
            await self.repo.state_set(stack, Action.SNAPSHOT, Status.IN_PROGRESS, started(Action.SNAPSHOT))

        async def run() -> None:
            reason = await self.walk.run(
                stack,
                Action.SNAPSHOT,
                lambda res: stack.resources[res].act(Action.SNAPSHOT),
                skip=lambda res: not stack.resources[res].created,
            )
            if reason is not None:
                await self.store.snapshot_update(
                    ctxt, snapshot.id, {"status": Status.FAILED, "status_reason": reason}
                )
                await self.repo.state_set(stack, Action.SNAPSHOT, Status.FAILED, reason)
                return
            data = await self.stack_data(
                await self.repo.load(ctxt, await self.store.stack_get(ctxt, stack.id))
            )
            await self.store.snapshot_update(
                ctxt,
                snapshot.id,
                {"status": Status.COMPLETE, "status_reason": completed(Action.SNAPSHOT), "data": data},
            )
            await self.repo.state_set(stack, Action.SNAPSHOT, Status.COMPLETE, completed(Action.SNAPSHOT))

        try:
            await self.runner.start_with_lock(self.job(stack, Action.SNAPSHOT, run), prepare=begin)
        except EmberError:
            await self.store.snapshot_delete(ctxt, snapshot.id)
            raise
        return snapshot

    async def _abandon_resources(self, stack: Stack, removed: list[str]) -> dict[str, Any]:
        children = {
            child.id: child
            for child in await self.store.stack_get_all(
                stack.ctxt, filters={"owner_id": stack.id}, show_nested=True
            )
        }
        result: dict[str, Any] = {}
        for name, resource in stack.resources.items():
            if resource.record is None or not resource.created:
                continue
            item = resource.abandon_data()
            child = children.get(item["resource_id"] or "")
            if child is not None:
                removed.append(child.id)
                item["resources"] = await self._abandon_resources(
                    await self.repo.load(stack.ctxt, child, root=stack.root), removed
                )
            result[name] = item
        return result

    async def _rollback(self, stack: Stack) -> None:
        await self.repo.state_set(stack, Action.ROLLBACK, Status.IN_PROGRESS, started(Action.ROLLBACK))
        reason = await self._delete_resources(stack, Action.ROLLBACK)
        if reason is None:
            # As Heat: a create rolled back leaves no resources behind (their events stay).
            await self.repo.remove_rows(stack, [r.record.id for r in stack.resources.values() if r.record])
            await self.repo.state_set(stack, Action.ROLLBACK, Status.COMPLETE, completed(Action.ROLLBACK))
        else:
            await self.repo.state_set(stack, Action.ROLLBACK, Status.FAILED, reason)

    # --- delete ------------------------------------------------------------------------

    async def delete(self, ctxt: RequestContext, record: StackRecord) -> None:
        """Start DELETE; an action still running (here or on a live engine) is cancelled first.

        An action may start between the cancel and the lock (an engine taking a dead engine's
        stack over): it is cancelled in turn, a few times, before the delete gives up.
        """
        await self._delete_when_free(
            ctxt,
            record,
            lambda current: cancelled_for_delete(current.action),
            lambda: self.repo.load_by_id(ctxt, record.id),
            self._start_delete,
        )

    async def _delete_when_free(
        self,
        ctxt: RequestContext,
        record: StackRecord,
        reason: Callable[[StackRecord], str],
        load: Callable[[], Awaitable[Stack]],
        start: Callable[[Stack], Awaitable[None]],
    ) -> None:
        """Cancel what runs on the stack (here or on a live engine), load it, start its DELETE; an
        action that took the lock meanwhile is cancelled in turn, with back-off, a few times."""
        for attempt in range(_DELETE_ATTEMPTS):
            await self.stop_anywhere(ctxt, record, reason(record))
            # Load after the cancel: the load must see every resource the create started.
            stack = await load()
            try:
                await start(stack)
                return
            except ActionInProgress:
                if attempt == _DELETE_ATTEMPTS - 1:
                    raise
                await asyncio.sleep(_DELETE_RETRY_DELAY * 2**attempt)
                record = await self.store.stack_get(ctxt, record.id)

    async def _start_delete(self, stack: Stack) -> None:
        async def begin() -> None:
            # Recorded before delete_stack returns, so callers see DELETE_IN_PROGRESS at once.
            await self.repo.state_set(stack, Action.DELETE, Status.IN_PROGRESS, started(Action.DELETE))

        await self.runner.start_with_lock(
            self.job(stack, Action.DELETE, lambda: self._delete(stack)), prepare=begin
        )

    async def _delete(self, stack: Stack) -> None:
        """DELETE every resource in reverse order, then soft-delete the stack."""
        if (stack.action, stack.status) != (Action.DELETE, Status.IN_PROGRESS):
            await self.repo.state_set(stack, Action.DELETE, Status.IN_PROGRESS, started(Action.DELETE))
        reason = await self._delete_resources(stack, Action.DELETE)
        if reason is not None:
            await self.repo.state_set(stack, Action.DELETE, Status.FAILED, reason)
            return
        await self.repo.state_set(stack, Action.DELETE, Status.COMPLETE, completed(Action.DELETE))
        await self.repo.soft_delete(stack)

    async def _delete_resources(self, stack: Stack, action: str) -> str | None:
        reason = await self.walk.run(
            stack,
            action,
            lambda name: stack.resources[name].delete(),
            reverse=True,
            skip=lambda name: not stack.resources[name].created,
        )
        if reason is None and stack.spare:
            # Rows an unfinished update left beside the ones that stand for their names.
            spare = {f"{res.name}\x00row{id(res)}": res for res in stack.spare if res.created}
            reason = await self.walk.run(
                stack,
                action,
                lambda node: spare[node].delete(),
                graph=DependencyGraph(dict.fromkeys(spare, ())),
            )
        return reason

    async def stop_here(self, record: StackRecord, reason: str | None = None) -> bool:
        """Cancel this engine's action on a stack (another engine is deleting it, or cancels it),
        or halt it when ``reason`` is HALT (a newer update on another engine supersedes it)."""
        if reason == HALT:
            return await self.runner.halt(record.id)
        return await self.runner.cancel(record.id, reason or cancelled_for_delete(record.action))

    async def halt_anywhere(self, ctxt: RequestContext, record: StackRecord) -> None:
        """Let a running update stop launching and end (here, or on the live engine holding the lock)."""
        if not await self.runner.halt(record.id):
            holder = await self.runner.lock.holder(ctxt, record.id)
            if holder and holder != self.engine_id and await self.is_alive(holder):
                await self.stop_remote(ctxt, holder, record.id, HALT)

    async def stop_anywhere(self, ctxt: RequestContext, record: StackRecord, reason: str) -> None:
        """Cancel a stack's running action, on this engine or on the live engine that holds its lock."""
        if not await self.runner.cancel(record.id, reason):
            holder = await self.runner.lock.holder(ctxt, record.id)
            if holder and holder != self.engine_id and await self.is_alive(holder):
                await self.stop_remote(ctxt, holder, record.id, reason)

    # --- suspend, resume, check ----------------------------------------------------------

    #: action -> the states it may start from (Heat's), and whether it walks in deletion order.
    STACK_ACTIONS: ClassVar[dict[str, tuple[frozenset[tuple[str, str]], bool]]] = {
        Action.SUSPEND: (_SETTLED - {(Action.SUSPEND, Status.COMPLETE)}, True),
        Action.RESUME: (frozenset({(Action.SUSPEND, Status.COMPLETE)}), False),
        Action.CHECK: (_SETTLED | _FAILED, False),
    }

    async def act(self, ctxt: RequestContext, record: StackRecord, action: str) -> None:
        """Start SUSPEND (reverse order), RESUME or CHECK of every resource; Heat's refusals first."""
        allowed, reverse = self.STACK_ACTIONS[action]
        if (record.action, record.status) not in allowed:
            raise NotSupported(
                feature=f"{action.title()} of a stack in state {record.action}_{record.status}"
            )
        stack = await self.repo.load(ctxt, record)

        async def begin() -> None:
            await self.repo.state_set(stack, action, Status.IN_PROGRESS, started(action))

        async def run() -> None:
            reason = await self.walk.run(
                stack,
                action,
                lambda name: stack.resources[name].act(action),
                reverse=reverse,
                skip=lambda name: not stack.resources[name].created,
            )
            if reason is None:
                await self.repo.state_set(stack, action, Status.COMPLETE, completed(action))
            else:
                await self.repo.state_set(stack, action, Status.FAILED, reason)

        await self.runner.start_with_lock(self.job(stack, action, run), prepare=begin)

    async def mark_resource(
        self, ctxt: RequestContext, record: StackRecord, name: str, unhealthy: bool, reason: str
    ) -> None:
        """Heat's mark-unhealthy: CHECK_FAILED (or, marked healthy again, CHECK_COMPLETE) with the reason."""
        stack = await self.repo.load(ctxt, record)
        resource = stack.resources.get(name)
        if resource is None or resource.record is None:
            raise ResourceNotFound(resource_name=name, stack_name=record.name)
        if resource.status == Status.IN_PROGRESS:
            raise ActionInProgress(stack_name=record.name, action=resource.action)
        if unhealthy:
            await resource.mark(Action.CHECK, Status.FAILED, reason or "Marked unhealthy")
        elif (resource.action, resource.status) == (Action.CHECK, Status.FAILED):
            await resource.mark(Action.CHECK, Status.COMPLETE, reason or "Marked healthy")

    # --- nested stacks (for lifecycle.nested) ----------------------------------------------

    async def create_child(
        self,
        parent: Stack,
        resource_name: str,
        template: dict[str, Any],
        params: dict[str, Any],
        files: dict[str, str],
        adopt: dict[str, Any] | None = None,
    ) -> str:
        """Store a nested stack of ``parent`` and start creating (or adopting) it; its id."""
        depth = parent.nested_depth + 1
        if depth > self.settings.max_nested_stack_depth:
            limit = self.settings.max_nested_stack_depth
            raise RequestLimitExceeded(  # as Heat's StackResource._child_nested_depth
                reason="Recursion depth exceeds "
                + maximum(limit, "levels of nested stacks", "engine", "max_nested_stack_depth")
                + f" (at resource {resource_name})."
            )
        suffix = "".join(secrets.choice(_ALPHABET) for _ in range(12))
        child = await self.repo.build(
            parent.ctxt,
            f"{parent.name}-{resource_name}-{suffix}",
            template,
            self.child_environment(parent, resource_name, params),
            {**parent.definition.files, **files},
            # A nested stack has its parent's timeout, as in Heat; its parent rolls back for it.
            options=StackOptions(disable_rollback=True, timeout_mins=parent.options.timeout_mins),
            owner_id=parent.id,
            nested_depth=depth,
            parent_resource_name=resource_name,
            root=parent.root,
        )
        await self.add_nested_resources(parent.root, len(child.resources))
        action = Action.ADOPT if adopt is not None else Action.CREATE
        await self.repo.store_new(child, self.engine_id, action)  # with its lock, as a stack's create
        self.runner.lock.held.add(child.id)
        parent.children.add(child.id)
        self.repo.changes.watch(child.id)  # its parent waits for its changes (runtime/changes.py)
        await self.runner.start_locked(self.job(child, action, lambda: self._create(child, adopt)))
        return child.id

    async def add_nested_resources(self, root: Stack, adding: int, removing: int = 0) -> None:
        """Count a nested stack's create (``adding`` resources) or update (``adding`` for its
        ``removing``) towards its root's max_resources_per_stack, as Heat's
        ``StackResource._validate_nested_resources``: the root's resources and all its nested
        stacks' in total. Raises RequestLimitExceeded (nothing counted) when it goes over."""
        await self.nested_resources(root)
        # No await from here on: concurrent nested creates each see the others' counts.
        after = (root.nested_resource_count or 0) + adding - removing
        limit = self.settings.max_resources_per_stack
        if limit >= 0:
            check_resource_count(len(root.resources), limit, after)
        root.nested_resource_count = after

    async def nested_resources(self, root: Stack) -> int:
        """The resources of the nested stacks below ``root``: kept on it, counted by the store
        the first time a stack loaded from it (an update, a take-over) needs it."""
        if root.nested_resource_count is None:
            counted = await self.store.stack_count_nested_resources(root.ctxt, root.id)
            if root.nested_resource_count is None:  # else a concurrent count came first
                root.nested_resource_count = counted
        return root.nested_resource_count

    @staticmethod
    def child_environment(parent: Stack, resource_name: str | None, params: dict[str, Any]) -> dict[str, Any]:
        """A nested stack's environment as Heat builds it (``Environment.child``): its parameters,
        the parent's parameter_defaults, and the parent's registry less the mapping that led here."""
        definition = parent.definition
        mapped: str | None = None
        template_name: str | None = None
        facade: dict[str, Any] | None = None
        if resource_name is not None and resource_name in definition.resources:
            resolved = definition.resolve_type(resource_name)
            if resolved.is_provider_template:
                mapped, template_name = resolved.requested, resolved.template_name
                facade = resource_facade(parent, resource_name)
        return definition.environment.child(
            params,
            resource_name=resource_name,
            mapped_type=mapped,
            template_name=template_name,
            facade=facade,
        )

    async def delete_child(self, parent: Stack, child_id: str) -> None:
        """DELETE a nested stack for its parent, cancelling whatever runs on it first (here or on
        another engine); an action that takes it meanwhile (an engine carrying on a dead engine's
        create) is cancelled in turn, a few times, as ``delete`` does."""
        parent.children.add(child_id)

        async def start(child: Stack) -> None:
            await self.runner.start_with_lock(
                self.job(child, Action.DELETE, functools.partial(self._delete, child))
            )

        await self._delete_when_free(
            parent.ctxt,
            await self.store.stack_get(parent.ctxt, child_id),
            lambda _current: "Stack CREATE cancelled: its parent is being deleted",
            lambda: self.repo.load_by_id(parent.ctxt, child_id, root=parent.root),
            start,
        )

    async def child_outputs(self, parent: Stack, child_id: str) -> dict[str, Any]:
        child = await self.repo.load_by_id(parent.ctxt, child_id, root=parent.root)
        return {item["output_key"]: item.get("output_value") for item in await child.outputs()}

    async def child_status(self, parent: Stack, child_id: str) -> tuple[str, str, str]:
        record = await self.store.stack_get(parent.ctxt, child_id, show_deleted=True)
        return record.action, record.status, record.status_reason or ""

    # --- housekeeping ----------------------------------------------------------------------

    async def reset_stale(self) -> int:
        """Fail stacks left IN_PROGRESS by engines that are gone, and free their locks.

        Runs at start and then periodically, so a live engine also cleans up
        after a dead one. Each holder's liveness is asked once per pass.
        """
        admin = RequestContext.admin()
        answers: dict[str, bool] = {}

        async def alive(engine_id: str) -> bool:
            if engine_id not in answers:
                answers[engine_id] = await self.is_alive(engine_id)
            return answers[engine_id]

        count, marker = 0, None
        while True:
            page = await self.store.stack_get_all(
                admin,
                filters={"status": Status.IN_PROGRESS},
                show_nested=True,
                limit=_STALE_PAGE,
                marker=marker,
            )
            for record in page:
                if not self.runner.is_running(record.id) and await self._reset(record, alive):
                    count += 1
            if len(page) < _STALE_PAGE:
                break
            marker = page[-1].id
        if count:
            LOG.warning(
                "took over %d stack(s) left IN_PROGRESS by a dead engine (carried on or failed)", count
            )
        await self.repair_stranded()
        return count

    async def repair_stranded(self) -> int:
        """Fail resources left IN_PROGRESS in stacks nothing works on (settled and unlocked): the
        trace of a state change the store never confirmed, or of a crash. Under each stack's lock,
        re-read there, so an action starting meanwhile is never overwritten."""
        admin = RequestContext.admin()
        by_stack: dict[str, list[ResourceRecord]] = {}
        for row in await self.store.resource_get_stranded(admin):
            by_stack.setdefault(row.stack_id, []).append(row)
        repaired = 0
        for stack_id in by_stack:
            try:
                await self.runner.lock.acquire(admin, stack_id, stack_id, "REPAIR")
            except EmberError:
                continue  # an action took it: it is that action's to finish
            try:
                record = await self.store.stack_get(admin, stack_id)
                if record.status == Status.IN_PROGRESS:
                    continue
                for row in await self.store.resource_get_all_by_stack(
                    admin, stack_id, {"status": "IN_PROGRESS"}
                ):
                    reason = stranded(row.action)
                    event = {"resource_status_reason": reason, "uuid": str(uuid.uuid4())}
                    await self.store.resource_transition(
                        admin, row.id, {"status": Status.FAILED, "status_reason": reason}, event
                    )
                    repaired += 1
            except EmberError as exc:
                LOG.error("could not repair the resources of stack %s: %s", stack_id, exc)
            finally:
                await self.runner.lock.release(admin, stack_id)
        if repaired:
            LOG.warning(
                "marked %d resource(s) left IN_PROGRESS with nothing working on them as FAILED", repaired
            )
        return repaired

    async def _reset(self, record: StackRecord, alive: Liveness) -> bool:
        ctxt = RequestContext.admin(project_id=record.tenant)
        dead = await self.runner.lock.holder(ctxt, record.id)
        if await self.runner.lock.take(ctxt, record.id, is_alive=alive) is not None:
            return False  # a live engine holds it
        resumed = False
        try:
            # Read again under the lock: another engine may have reset it (or an action ended) since.
            record = await self.store.stack_get(ctxt, record.id)
            if record.status != Status.IN_PROGRESS:
                return False
            stack = await self.repo.load(ctxt, record)
            if self.settings.resume_on_takeover:
                resumed = await self._resume(stack, record.action, dead or "unknown")
                if resumed:
                    return True
            reason = engine_down(record.action)
            for resource in stack.resources.values():
                if resource.status == Status.IN_PROGRESS:
                    await resource.transition(resource.action, Status.FAILED, reason)
            await self.repo.state_set(stack, record.action, Status.FAILED, reason)
            return True
        except EmberError as exc:
            LOG.error("could not reset stack %s: %s", record.id, exc)
            return False
        finally:
            if not resumed:  # a resumed action's job holds the lock now and releases it
                await self.runner.lock.release(ctxt, record.id)

    async def _resume(self, stack: Stack, action: str, dead: str) -> bool:
        """Carry a dead engine's action on from the stored state (``engine.resume_on_takeover``).

        CREATE keeps what is COMPLETE and finishes or re-runs the rest; DELETE deletes again;
        UPDATE, RESTORE and an update's ROLLBACK converge again (``resumers``, set by the updater).
        Other actions are failed as before. False when the action is not one that resumes.
        """
        if dead == self.engine_id:  # its own action, given up while the store did not answer
            reason = f"Engine {dead} carries stack {action} on (its state changes were not stored)"
        else:
            reason = f"Engine {dead} went down; engine {self.engine_id} carries stack {action} on"
        run: Callable[[], Awaitable[None]]
        if action == Action.CREATE:
            run = lambda: self._resume_create(stack, reason)  # noqa: E731
        elif action == Action.DELETE:
            run = lambda: self._resume_delete(stack, reason)  # noqa: E731
        elif (
            action == Action.ROLLBACK
            and stack.record is not None
            and stack.record.prev_raw_template_id is None
        ):
            run = lambda: self._rollback(stack)  # noqa: E731  (the rollback of a create)
        elif action in self.resumers:
            resume = self.resumers[action]
            run = lambda: resume(stack, reason)  # noqa: E731
        else:
            return False
        LOG.warning("stack %s: %s", stack.id, reason)
        await self.runner.start_locked(self.job(stack, action, run))
        return True

    async def _resume_create(self, stack: Stack, reason: str) -> None:
        await self.repo.state_set(stack, Action.CREATE, Status.IN_PROGRESS, reason)

        def done(name: str) -> bool:
            res = stack.resources[name]
            return (res.action, res.status) == (Action.CREATE, Status.COMPLETE)

        failure = await self.walk.run(
            stack,
            Action.CREATE,
            lambda name: stack.resources[name].resume_create(),
            skip=done,
            timeout=stack.timeout_seconds,
        )
        if failure is None:
            await self.repo.state_set(stack, Action.CREATE, Status.COMPLETE, completed(Action.CREATE))
            return
        await self.repo.state_set(stack, Action.CREATE, Status.FAILED, failure)
        if not stack.options.disable_rollback:
            await self._rollback(stack)

    async def _resume_delete(self, stack: Stack, reason: str) -> None:
        await self.repo.state_set(stack, Action.DELETE, Status.IN_PROGRESS, reason)
        await self._delete(stack)
