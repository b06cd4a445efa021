"""EngineService: the engine's RPC endpoint (topic ``engine``, Heat's API version 1.36).

Method names and arguments are heat-engine's, so heat's own RPC client and
Ember's EngineClient drive it alike. Each method gets the caller's
RequestContext from the dispatcher; EmberErrors travel back to the caller
as themselves. A method checks its arguments, calls one use case of
``lifecycle.ops`` and shapes the reply; long work (create, delete) starts
in the background under the stack lock and the method returns at once.
"""

from __future__ import annotations

import logging
import re
import uuid
from datetime import UTC, datetime
from typing import Any

from services.engine.endpoints import formatting
from services.engine.endpoints.arguments import adopt_data, merge_environment, stack_options
from services.engine.endpoints.updates import StackUpdates
from services.engine.hot.validate import validate_template
from services.engine.lifecycle.signals import ResourceSignals
from services.engine.states import Action, Status
from shared.context import RequestContext
from shared.exceptions import (
    BadRequest,
    EmberError,
    NotFound,
    NotSupported,
    StackNotFound,
    StackValidationFailed,
)
from shared.rpc import Target, expose
from shared.schemas.engine import StackIdentity
from shared.schemas.store import StackRecord

LOG = logging.getLogger(__name__)

API_VERSION = "1.36"
_STACK_NAME = re.compile(r"^[a-zA-Z][a-zA-Z0-9_.-]{0,254}$")


def _check_name(stack_name: Any) -> None:
    if not isinstance(stack_name, str) or not _STACK_NAME.match(stack_name):
        raise StackValidationFailed(
            f'Invalid stack name {stack_name} must contain only alphanumeric or "_-." characters, '
            "must start with alpha and must be 255 characters or less."
        )


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


class EngineService(StackUpdates):
    target = Target(version=API_VERSION)

    # --- liveness ----------------------------------------------------------------

    @expose
    async def listening(self, ctxt: RequestContext) -> bool:
        """Answers while this engine runs; lock holders are checked with it."""
        return True

    @expose
    async def stop_stack(self, ctxt: RequestContext, stack_id: str, reason: str | None = None) -> bool:
        """Cancel this engine's running action on a stack (another engine deletes or cancels it).

        The stack must be visible to the caller: no tenant can stop another's.
        """
        record = await self._get_record(ctxt, {"stack_id": stack_id})
        return await self.ops.stop_here(record, reason[:200] if isinstance(reason, str) else None)

    # --- create / validate ---------------------------------------------------------

    @expose
    async def create_stack(
        self,
        ctxt: RequestContext,
        stack_name: str,
        template: dict[str, Any] | str,
        params: dict[str, Any] | None = None,
        files: dict[str, str] | None = None,
        args: dict[str, Any] | None = None,
        environment_files: list[str] | None = None,
        files_container: str | None = None,
        owner_id: str | None = None,
        nested_depth: int = 0,
        user_creds_id: int | None = None,
        stack_user_project_id: str | None = None,
        parent_resource_name: str | None = None,
        template_id: int | None = None,
    ) -> StackIdentity:
        """Validate and store the stack, start CREATE in the background, return its identity."""
        if files_container:
            raise NotSupported(feature="files_container (Swift) for templates and files")
        if template_id is not None:
            raise NotSupported(feature="creating a stack from a stored template_id")
        if owner_id is not None:
            raise NotSupported(feature="owner_id in create_stack (nested stacks are created by the engine)")
        if not ctxt.project_id:
            raise BadRequest(reason="the request context has no project")
        _check_name(stack_name)
        files = dict(files or {})
        options = stack_options(args or {})
        adopt = adopt_data((args or {}).get("adopt_stack_data"))
        base_env: dict[str, Any] = {}
        resources: dict[str, Any] | None = None
        if adopt is not None:
            # Heat's adopt: the abandoned stack's template (unless one is given) and its resources.
            template = template or adopt.get("template") or {}
            base_env = adopt["environment"] if isinstance(adopt.get("environment"), dict) else {}
            files = {**(adopt["files"] if isinstance(adopt.get("files"), dict) else {}), **files}
            resources = adopt["resources"] if isinstance(adopt.get("resources"), dict) else {}
        environment = merge_environment(base_env, params, files, environment_files)
        stack = await self.ops.create(ctxt, stack_name, template, environment, files, options, resources)
        return stack.identifier()

    @expose
    async def preview_stack(
        self,
        ctxt: RequestContext,
        stack_name: str,
        template: dict[str, Any] | str,
        params: dict[str, Any] | None = None,
        files: dict[str, str] | None = None,
        args: dict[str, Any] | None = None,
        environment_files: list[str] | None = None,
        files_container: str | None = None,
    ) -> dict[str, Any]:
        """What create_stack would make, validated exactly as it would be; nothing is stored."""
        if files_container:
            raise NotSupported(feature="files_container (Swift) for templates and files")
        _check_name(stack_name)
        files = dict(files or {})
        options = stack_options(args or {})
        environment = merge_environment({}, params, files, environment_files)
        stack = await self.repo.build(ctxt, stack_name, template, environment, files, options=options)
        record = StackRecord(
            id=stack.id,
            name=stack.name,
            raw_template_id=0,
            tenant=ctxt.project_id or "",
            username=ctxt.user_name or ctxt.user_id,
            action=Action.INIT,
            status=Status.COMPLETE,
            timeout=options.timeout_mins,
            disable_rollback=options.disable_rollback,
            tags=options.tags,
            created_at=datetime.now(UTC),
        )
        info: dict[str, Any] = dict(
            formatting.format_stack(
                record, description=stack.definition.description, parameters=stack.parameters_display()
            )
        )
        info["resources"] = [
            {
                "resource_name": name,
                "resource_type": res.type,
                "resource_identity": formatting.identity(record, f"/resources/{name}"),
                "stack_identity": formatting.identity(record),
                "stack_name": stack.name,
                "physical_resource_id": "",
                "resource_action": Action.INIT,
                "resource_status": Status.COMPLETE,
                "resource_status_reason": "",
                "required_by": sorted(stack.definition.dependencies.required_by(name)),
                "properties": {},
                "description": res.plugin_class.description,
            }
            for name, res in stack.resources.items()
        ]
        return info

    @expose
    async def validate_template(
        self,
        ctxt: RequestContext,
        template: dict[str, Any] | str,
        params: dict[str, Any] | None = None,
        files: dict[str, str] | None = None,
        environment_files: list[str] | None = None,
        files_container: str | None = None,
        show_nested: bool = False,
        ignorable_errors: list[str] | None = None,
    ) -> dict[str, Any]:
        if files_container:
            raise NotSupported(feature="files_container (Swift) for templates and files")
        files = dict(files or {})
        environment = merge_environment({}, params, files, environment_files)
        try:
            return validate_template(
                template,
                environment,
                files,
                registry=self.registry,
                max_size=self.settings.max_template_size,
                max_resources=self.settings.max_resources_per_stack,
            )
        except EmberError as exc:
            if ignorable_errors and type(exc).__name__ in ignorable_errors:
                return {
                    "Description": "",
                    "Parameters": {},
                    "ParameterGroups": [],
                    "Environment": environment,
                }
            raise

    # --- identity -----------------------------------------------------------------------

    @expose
    async def identify_stack(self, ctxt: RequestContext, stack_name: str) -> StackIdentity:
        """A name (live stacks) or an id (deleted ones too) -> the stack's identity."""
        record: StackRecord | None = None
        if _is_uuid(stack_name):
            try:
                record = await self.store.stack_get(ctxt, stack_name, show_deleted=True)
            except NotFound:
                record = None
        if record is None:
            try:
                record = await self.store.stack_get_by_name(ctxt, stack_name)
            except NotFound:
                raise StackNotFound(name=stack_name) from None
        return formatting.identity(record)

    # --- suspend / resume / check, mark-unhealthy, signal -------------------------------------

    @expose
    async def stack_suspend(self, ctxt: RequestContext, stack_identity: dict[str, Any]) -> None:
        """SUSPEND every resource, in reverse dependency order, in the background."""
        await self.ops.act(
            ctxt, await self._get_record(ctxt, stack_identity, show_deleted=False), Action.SUSPEND
        )

    @expose
    async def stack_resume(self, ctxt: RequestContext, stack_identity: dict[str, Any]) -> None:
        """RESUME a suspended stack's resources, in dependency order, in the background."""
        await self.ops.act(
            ctxt, await self._get_record(ctxt, stack_identity, show_deleted=False), Action.RESUME
        )

    @expose
    async def stack_check(self, ctxt: RequestContext, stack_identity: dict[str, Any]) -> None:
        """CHECK every resource (``handle_check``), in the background."""
        await self.ops.act(
            ctxt, await self._get_record(ctxt, stack_identity, show_deleted=False), Action.CHECK
        )

    @expose
    async def resource_mark_unhealthy(
        self,
        ctxt: RequestContext,
        stack_identity: dict[str, Any],
        resource_name: str,
        mark_unhealthy: bool,
        resource_status_reason: str | None = None,
    ) -> None:
        """Heat's mark-unhealthy: CHECK_FAILED with the reason; False marks it healthy again."""
        if not isinstance(mark_unhealthy, bool):
            raise BadRequest(reason="mark_unhealthy must be true or false")
        record = await self._get_record(ctxt, stack_identity, show_deleted=False)
        await self.ops.mark_resource(
            ctxt, record, str(resource_name), mark_unhealthy, str(resource_status_reason or "")[:4000]
        )

    @expose
    async def resource_signal(
        self,
        ctxt: RequestContext,
        stack_identity: dict[str, Any],
        resource_name: str,
        details: Any = None,
        sync_call: bool = False,
    ) -> dict[str, Any] | None:
        """Deliver a signal to a resource (``handle_signal``), stored with a SIGNAL event.

        It is handled before the reply (so a refused body is the caller's 400, not a log line);
        with ``sync_call`` (Heat's CFN wait condition path) the reply is the resource's metadata.
        """
        record = await self._get_record(ctxt, stack_identity, show_deleted=False)
        metadata = await ResourceSignals(self.repo).signal(ctxt, record, str(resource_name), details)
        return metadata if sync_call else None

    # --- abandon -------------------------------------------------------------------------

    @expose
    async def abandon_stack(self, ctxt: RequestContext, stack_identity: dict[str, Any]) -> dict[str, Any]:
        """Heat's abandon data; the stack leaves Ember, what it made stays (adopt takes it back)."""
        record = await self._get_record(ctxt, stack_identity, show_deleted=False)
        return await self.ops.abandon(ctxt, record)

    @expose
    async def export_stack(self, ctxt: RequestContext, stack_identity: dict[str, Any]) -> dict[str, Any]:
        """What abandon would answer, with the stack left as it is (Heat: to keep before abandoning)."""
        record = await self._get_record(ctxt, stack_identity, show_deleted=False)
        return await self.ops.export(ctxt, record)

    # --- delete --------------------------------------------------------------------------

    @expose
    async def delete_stack(self, ctxt: RequestContext, stack_identity: dict[str, Any]) -> None:
        """Start DELETE; a create still running (here or on a live engine) is cancelled first."""
        record = await self._get_record(ctxt, stack_identity, show_deleted=False)
        await self.ops.delete(ctxt, record)
