"""The RPC methods that change an existing stack: update, preview, cancel (Heat's names and arguments).

``update_stack`` answers as soon as the update is checked, planned and its
UPDATE_IN_PROGRESS stored; the walk runs in the background under the stack
lock. ``preview_update_stack`` runs exactly the same checks and plan and
changes nothing (no lock, no row). PATCH semantics are ``args["existing"]``:
the stored template, files and environment are kept and the request's are
merged in, ``clear_parameters`` resetting named ones to their defaults.
"""

from __future__ import annotations

import logging
from typing import Any, NamedTuple

from services.engine.endpoints import formatting
from services.engine.endpoints.arguments import merge_environment, stack_options
from services.engine.endpoints.queries import StackQueries
from services.engine.lifecycle.ops import StackOps
from services.engine.lifecycle.plan import Change
from services.engine.lifecycle.update import StackUpdater, UpdateRequest, decide
from services.engine.model.stack import PlanResolver, StackOptions
from services.engine.resources.nested import NestedStackResource
from services.engine.states import Action, Status
from shared.context import RequestContext
from shared.exceptions import BadRequest, NotSupported, SnapshotNotFound, StackValidationFailed
from shared.rpc import expose
from shared.schemas.engine import StackIdentity
from shared.schemas.store import SnapshotRecord, StackRecord

LOG = logging.getLogger(__name__)

_NESTED_PREVIEW_DEPTH = 10


class UpdateInputs(NamedTuple):
    template: dict[str, Any] | str
    environment: dict[str, Any]
    files: dict[str, str]
    options: StackOptions


class StackUpdates(StackQueries):
    def __init__(self, ops: StackOps, updater: StackUpdater) -> None:
        super().__init__(ops.repo)
        self.ops = ops
        self.settings = ops.settings
        self.updater = updater

    async def _update_inputs(
        self,
        ctxt: RequestContext,
        record: StackRecord,
        template: dict[str, Any] | str | None,
        params: dict[str, Any] | None,
        files: dict[str, str] | None,
        args: dict[str, Any] | None,
        environment_files: list[str] | None,
    ) -> UpdateInputs:
        """What the stack is to become: PATCH merged, options settled (not yet checked or planned)."""
        args = dict(args or {})
        if args.get("template_id") is not None:
            raise NotSupported(feature="updating a stack from a stored template_id")
        existing = _flag(args.get("existing"))
        files = dict(files or {})
        base_env: dict[str, Any] = {}
        if existing:
            raw = await self.store.raw_template_get(ctxt, record.raw_template_id)
            template = template or raw.template
            files = {**raw.files, **files}
            base_env = raw.environment
        if not template:
            raise StackValidationFailed(
                path="template", reason="an update needs a template (or existing=True)"
            )
        clear = args.get("clear_parameters") or []
        if not isinstance(clear, list) or not all(isinstance(c, str) for c in clear):
            raise BadRequest(reason="clear_parameters must be a list of parameter names")
        environment = merge_environment(base_env, params, files, environment_files, clear)
        return UpdateInputs(template, environment, files, _update_options(record, args))

    @expose
    async def update_stack(
        self,
        ctxt: RequestContext,
        stack_identity: dict[str, Any],
        template: dict[str, Any] | str | None = None,
        params: dict[str, Any] | None = None,
        files: dict[str, str] | None = None,
        args: dict[str, Any] | None = None,
        environment_files: list[str] | None = None,
        files_container: str | None = None,
        template_id: int | None = None,
    ) -> StackIdentity:
        """Check and plan the update, store UPDATE_IN_PROGRESS and start it; the stack's identity."""
        if files_container:
            raise NotSupported(feature="files_container (Swift) for templates and files")
        record = await self._get_record(ctxt, stack_identity, show_deleted=False)
        wanted = await self._update_inputs(
            ctxt,
            record,
            template,
            params,
            files,
            {**(args or {}), "template_id": template_id},
            environment_files,
        )
        plan_id = (args or {}).get("plan_id")
        if plan_id is None:
            same = await self.updater.unchanged(ctxt, record, *wanted)
            if same is not None:  # nothing would change: no parse, no row read, no plan
                await self.updater.start_unchanged(same)
                return formatting.identity(record)
        request = await self.updater.prepare(ctxt, record, *wanted)
        if plan_id is not None:
            request.check_plan(str(plan_id))
        if (record.action, record.status) == (Action.UPDATE, Status.IN_PROGRESS):
            # A newer update supersedes a running one (as Heat's convergence engine does): that one
            # starts nothing new and ends; this one goes on from the rows as they are then.
            await self.ops.halt_anywhere(ctxt, record)
        await self.updater.start(request)
        return formatting.identity(record)

    @expose
    async def preview_update_stack(
        self,
        ctxt: RequestContext,
        stack_identity: dict[str, Any],
        template: dict[str, Any] | str | None = None,
        params: dict[str, Any] | None = None,
        files: dict[str, str] | None = None,
        args: dict[str, Any] | None = None,
        environment_files: list[str] | None = None,
        files_container: str | None = None,
    ) -> dict[str, Any]:
        """What an update would do to each resource (Heat's keys); changes nothing, takes no lock.

        With ``args["with_plan_id"]`` the answer also carries ``plan_id``: an update given it in
        ``args["plan_id"]`` does exactly this plan or is refused (409) if the stack changed.
        """
        if files_container:
            raise NotSupported(feature="files_container (Swift) for templates and files")
        record = await self._get_record(ctxt, stack_identity, show_deleted=False)
        wanted = await self._update_inputs(ctxt, record, template, params, files, args, environment_files)
        request = await self.updater.prepare(ctxt, record, *wanted)
        result: dict[str, Any] = _preview(request)
        if _flag((args or {}).get("show_nested")):
            await self._preview_nested(ctxt, request, result, depth=1)
        if _flag((args or {}).get("with_plan_id")):
            result["plan_id"] = request.plan_id
        return result

    @expose
    async def stack_cancel_update(
        self, ctxt: RequestContext, stack_identity: dict[str, Any], cancel_with_rollback: bool = True
    ) -> None:
        """Stop a running update (or, without rollback, a create) and roll it back unless told not to."""
        record = await self._get_record(ctxt, stack_identity, show_deleted=False)
        state = (record.action, record.status)
        allowed = {(Action.UPDATE, Status.IN_PROGRESS)}
        if not cancel_with_rollback:
            allowed.add((Action.CREATE, Status.IN_PROGRESS))
        if state not in allowed:
            what = "update" if cancel_with_rollback else "action"
            raise NotSupported(feature=f"Cancelling {what} when stack is {record.action}_{record.status}")
        reason = f"Stack {record.action} cancelled"
        await self.ops.stop_anywhere(ctxt, record, reason)
        if cancel_with_rollback:
            holder = await self.repo.load_by_id(ctxt, record.id)
            await self.updater.start_rollback(holder)

    async def _preview_nested(
        self, ctxt: RequestContext, request: UpdateRequest, result: dict[str, Any], depth: int
    ) -> None:
        """Heat's ``show_nested``: the changes of each nested stack an update would update, listed
        with the others (``parent_resource`` names the resource that owns them)."""
        move = request.move
        target = move.target
        for name, kind in move.plan.changes.items():
            old = move.existing.get(name)
            res = target.resources.get(name)
            if kind != Change.UPDATE or old is None or res is None or old.record is None:
                continue
            child_id = old.record.physical_resource_id
            plugin = res.plugin()
            if not child_id or not isinstance(plugin, NestedStackResource) or depth > _NESTED_PREVIEW_DEPTH:
                continue
            _, properties = decide(target, name, old, PlanResolver(target, lambda _name: False))
            child_template, child_params, child_files = plugin.planned_child(properties)
            child = await self.store.stack_get(ctxt, child_id)
            child_request = await self.updater.prepare(
                ctxt,
                child,
                child_template,
                self.ops.child_environment(target, name, child_params),
                {**target.definition.files, **child_files},
                StackOptions.from_record(child),
            )
            for key, items in _preview(child_request).items():
                result[key].extend({**item, "parent_resource": name} for item in items)
            await self._preview_nested(ctxt, child_request, result, depth + 1)

    # --- snapshots ---------------------------------------------------------------------------

    @expose
    async def stack_snapshot(
        self, ctxt: RequestContext, stack_identity: dict[str, Any], name: str | None = None
    ) -> dict[str, Any]:
        """Start a snapshot (SNAPSHOT_IN_PROGRESS); the snapshot, IN_PROGRESS until its data is kept."""
        record = await self._get_record(ctxt, stack_identity, show_deleted=False)
        snapshot = await self.ops.snapshot(ctxt, record, str(name)[:255] if name else None)
        return formatting.format_snapshot(snapshot)

    @expose
    async def stack_list_snapshots(
        self, ctxt: RequestContext, stack_identity: dict[str, Any]
    ) -> list[dict[str, Any]]:
        record = await self._get_record(ctxt, stack_identity)
        return [
            formatting.format_snapshot(s) for s in await self.store.snapshot_get_all_by_stack(ctxt, record.id)
        ]

    @expose
    async def show_snapshot(
        self, ctxt: RequestContext, stack_identity: dict[str, Any], snapshot_id: str
    ) -> dict[str, Any]:
        return formatting.format_snapshot(await self._snapshot(ctxt, stack_identity, snapshot_id))

    @expose
    async def delete_snapshot(
        self, ctxt: RequestContext, stack_identity: dict[str, Any], snapshot_id: str
    ) -> None:
        snapshot = await self._snapshot(ctxt, stack_identity, snapshot_id)
        await self.store.snapshot_delete(ctxt, snapshot.id)

    @expose
    async def stack_restore(
        self, ctxt: RequestContext, stack_identity: dict[str, Any], snapshot_id: str
    ) -> None:
        """RESTORE: an update back to the snapshot's template, environment and files."""
        snapshot = await self._snapshot(ctxt, stack_identity, snapshot_id)
        if snapshot.status != Status.COMPLETE:
            raise NotSupported(feature=f"Restoring a snapshot that is {snapshot.status}")
        record = await self._get_record(ctxt, stack_identity, show_deleted=False)
        data = snapshot.data
        files: dict[str, str] = data["files"] if isinstance(data.get("files"), dict) else {}
        environment: dict[str, Any] = data["environment"] if isinstance(data.get("environment"), dict) else {}
        request = await self.updater.prepare(
            ctxt, record, data.get("template") or {}, environment, files, StackOptions.from_record(record)
        )
        await self.updater.start(request, Action.RESTORE)

    async def _snapshot(
        self, ctxt: RequestContext, stack_identity: dict[str, Any], snapshot_id: str
    ) -> SnapshotRecord:
        """A snapshot of the stack the identity names (another stack's is not found here)."""
        record = await self._get_record(ctxt, stack_identity)
        snapshot = await self.store.snapshot_get(ctxt, str(snapshot_id))
        if snapshot.stack_id != record.id:
            raise SnapshotNotFound(snapshot=snapshot_id)
        return snapshot


def _preview(request: UpdateRequest) -> dict[str, list[dict[str, Any]]]:
    move = request.move
    record = request.record
    result: dict[str, list[dict[str, Any]]] = {kind.value: [] for kind in Change}
    for name, kind in move.plan.changes.items():
        res = move.existing.get(name) if kind != Change.CREATE else None
        row = res.record if res is not None else None
        type_name = (
            move.target.resources[name].type if name in move.target.resources else (res.type if res else "")
        )
        item: dict[str, Any] = {
            "resource_name": name,
            "resource_identity": formatting.identity(record, f"/resources/{name}"),
            "stack_identity": formatting.identity(record),
            "stack_name": record.name,
            "resource_type": type_name,
            "physical_resource_id": (row.physical_resource_id if row else None) or "",
            "resource_action": row.action if row else Action.INIT,
            "resource_status": row.status if row else Status.COMPLETE,
            "resource_status_reason": (row.status_reason if row else "") or "",
            "required_by": [],
        }
        result[kind.value].append(item)
    return result


def _flag(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1", "yes", "on")
    return bool(value)


def _update_options(record: StackRecord, args: dict[str, Any]) -> StackOptions:
    """The stack's options after the update: what ``args`` names, else what the stack has."""
    current = StackOptions.from_record(record)
    given = stack_options(args)
    return StackOptions(
        timeout_mins=given.timeout_mins
        if args.get("timeout_mins") not in (None, "")
        else current.timeout_mins,
        disable_rollback=given.disable_rollback if "disable_rollback" in args else current.disable_rollback,
        tags=given.tags if args.get("tags") is not None else current.tags,
    )
