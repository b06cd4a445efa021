"""A stack's resource as the engine runs it: its stored row, its plugin, the steps of one action.

Every state change goes to the owning stack's ``TransitionSink`` (a row
update and its event in one store transaction, batched with others); so
does every other row write. The plugin instance is rebuilt from the row when
this engine did not create it, so any engine can resolve attributes of, or
delete, what another engine created. The resource sees its stack only
through ``OwningStack``: no store client, no task runner.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from typing import Any, Protocol

from services.engine.hot.definition import ResourceDefinition
from services.engine.hot.resolver import Resolver, select_path
from services.engine.model.protocols import TransitionSink
from services.engine.resources import Resource, ResourceHost
from services.engine.states import Action, Status
from shared.exceptions import EmberError, ResourceFailure
from shared.jsonsafe import plain_json
from shared.schemas.store import ResourceRecord, ResourceTransition

LOG = logging.getLogger(__name__)

# Poll intervals for check_*_complete: quick first checks, then back off.
_FIRST_POLL = 0.005
_MAX_POLL = 1.0


def _text_or_none(value: Any) -> str | None:
    return None if value is None else str(value)[:255]


class OwningStack(Protocol):
    """What a resource reads of its stack while it acts."""

    @property
    def transitions(self) -> TransitionSink: ...

    @property
    def host(self) -> ResourceHost: ...

    @property
    def resolver(self) -> Resolver: ...

    @property
    def cancel_reason(self) -> str | None: ...

    async def prepare_dependencies(self, resource: StackResource) -> None: ...


Check = Callable[[Any], Awaitable[bool]]


class StackResource:
    def __init__(
        self,
        stack: OwningStack,
        definition: ResourceDefinition,
        plugin_class: type[Resource],
        record: ResourceRecord | None = None,
    ) -> None:
        self.stack = stack
        self.definition = definition
        self.plugin_class = plugin_class
        self.record = record
        self._plugin: Resource | None = None

    @property
    def name(self) -> str:
        return self.definition.name

    @property
    def type(self) -> str:
        return self.definition.type

    @property
    def action(self) -> str:
        return self.record.action if self.record else Action.INIT

    @property
    def status(self) -> str:
        return self.record.status if self.record else Status.COMPLETE

    @property
    def made(self) -> bool:
        """Whether it stands: not INIT, not still in its create (or adopt), not deleting or deleted.
        Heat resolves no attribute of an INIT or DELETE resource; outputs naming it read null."""
        if self.action in (Action.INIT, Action.DELETE):
            return False
        return not (self.action in (Action.CREATE, Action.ADOPT) and self.status == Status.IN_PROGRESS)

    @property
    def created(self) -> bool:
        """Whether there may be something to delete (any action beyond INIT)."""
        return self.action != Action.INIT and not (
            self.action == Action.DELETE and self.status == Status.COMPLETE
        )

    # --- plugin -------------------------------------------------------------

    def plugin(self) -> Resource | None:
        """The live plugin, rebuilt from the stored row if needed; None when never created."""
        if self._plugin is not None:
            return self._plugin
        if self.record is None or self.action == Action.INIT:
            return None
        try:
            self._plugin = self.plugin_class(
                self.name,
                self.record.properties_data,
                self.stack.host,
                definition=self.definition.raw,
                resource_id=self.record.physical_resource_id,
                data=self.record.data,
            )
        except EmberError as exc:
            LOG.warning("cannot rebuild resource %s: %s", self.name, exc)
            return None
        return self._plugin

    def forget_plugin(self) -> None:
        """Drop the live plugin: the row changed under it (a replacement row was attached)."""
        self._plugin = None

    def reference_id(self) -> str:
        plugin = self.plugin()
        return plugin.get_reference_id() if plugin is not None else self.name

    def attribute(self, name: str | None, path: Sequence[Any] = ()) -> Any:
        """An attribute (None: all of them, as ``get_attr: [name]`` asks) walked along ``path``."""
        plugin = self.plugin()
        if plugin is None:
            self.plugin_class.validate_attribute(self.name, name or "show")
            return None
        if name is None:
            return select_path(plugin.all_attributes(), path, f"get_attr {self.name}")
        return plugin.get_attribute(name, *path)

    # --- transitions ----------------------------------------------------------

    async def transition(self, action: str, status: str, reason: str, **values: Any) -> None:
        """Store a state change with its event; returns once stored."""
        self.record = (
            await self.stack.transitions.write(*self._transition_args(action, status, reason, values))
        ).resource

    def transition_behind(self, action: str, status: str, reason: str, **values: Any) -> None:
        """Queue a state change with its event; the stack's ``drain`` reports a failure."""
        future = self.stack.transitions.submit(*self._transition_args(action, status, reason, values))

        def stored(done: asyncio.Future[ResourceTransition]) -> None:
            if not done.cancelled() and done.exception() is None:
                self.record = done.result().resource

        future.add_done_callback(stored)

    def _transition_args(
        self, action: str, status: str, reason: str, values: dict[str, Any]
    ) -> tuple[int, dict[str, Any], dict[str, Any]]:
        assert self.record is not None, "resource rows are created before any action"
        values.update(action=action, status=status, status_reason=reason[:4000])
        event = {
            "resource_name": self.name,
            "resource_type": self.type,
            "resource_action": action,
            "resource_status": status,
            "resource_status_reason": reason[:4000],
            "physical_resource_id": values.get("physical_resource_id", self.record.physical_resource_id),
        }
        return self.record.id, values, event

    def _completed(self, action: str, plugin: Resource) -> None:
        """Queue ACTION_COMPLETE with what the plugin now is (write-behind: dependents start at once)."""
        self.transition_behind(
            action,
            Status.COMPLETE,
            "state changed",
            physical_resource_id=plugin.resource_id,
            properties_data=plain_json(plugin.properties),
            data=plugin.data,
        )

    @contextlib.asynccontextmanager
    async def _failing(self, action: str) -> AsyncIterator[None]:
        """Whatever the body raises records ACTION_FAILED (with what the plugin made so far) and
        comes out as ResourceFailure with Heat's wording; a cancel records its reason."""
        try:
            yield
        except asyncio.CancelledError:
            await self._mark_failed(action, self.stack.cancel_reason or f"{action} aborted")
            raise
        except Exception as exc:
            if not isinstance(exc, EmberError):
                LOG.exception("resource %s failed to %s", self.name, action.lower())
            reason = self._failure_reason(exc)
            await self._mark_failed(action, reason)
            raise ResourceFailure(reason) from exc

    def _failure_reason(self, exc: BaseException) -> str:
        if isinstance(exc, ResourceFailure):
            return str(exc)
        return f"{type(exc).__name__}: resources.{self.name}: {exc}"

    async def _poll(self, plugin: Resource, check: Check, token: Any) -> None:
        delay = _FIRST_POLL
        while not await check(token):
            await plugin.wait_for_progress(token, delay)
            delay = min(delay * 2, _MAX_POLL)

    async def create(self, adopt: dict[str, Any] | None = None) -> None:
        """Create (or, given Heat's abandon data for it, ADOPT); raises ResourceFailure when it fails."""
        action = Action.ADOPT if adopt is not None else Action.CREATE
        async with self._failing(action):
            # Inside the try: a cancel while this write is pending still records FAILED
            # (the writer keeps order, so FAILED lands after IN_PROGRESS).
            await self._start(action)
            await self.stack.prepare_dependencies(self)
            properties = self.definition.resolved_properties(self.stack.resolver)
            if adopt is None:
                plugin = self.plugin_class(
                    self.name, properties, self.stack.host, definition=self.definition.raw
                )
            else:
                plugin = self.plugin_class(
                    self.name,
                    properties,
                    self.stack.host,
                    definition=self.definition.raw,
                    resource_id=_text_or_none(adopt.get("resource_id")),
                    data=adopt.get("resource_data") if isinstance(adopt.get("resource_data"), dict) else None,
                )
            plugin.update_policy = self.definition.resolved_update_policy(self.stack.resolver)
            self._plugin = plugin
            if adopt is None:
                token = await plugin.handle_create()
                check = plugin.check_create_complete
            else:
                token = await plugin.handle_adopt(adopt)
                check = plugin.check_adopt_complete
            await self._record_physical_id(plugin)
            await self._poll(plugin, check, token)
        # Write-behind: dependents start now and their first transition joins
        # this one in a batch; the stack drains the writer before it reports.
        self._completed(action, plugin)

    async def resume_create(self) -> None:
        """Carry on a create another engine started (it died): finish what was started outside
        (poll the recorded physical id), re-run what only computes values, refuse the rest."""
        plugin = self.plugin() if self.record is not None and self.record.physical_resource_id else None
        if self.plugin_class.external_state and plugin is not None:
            async with self._failing(Action.CREATE):
                await self._poll(plugin, plugin.check_create_complete, plugin.resource_id)
            self._completed(Action.CREATE, plugin)
            return
        if self.plugin_class.external_state and self.status == Status.IN_PROGRESS:
            reason = (
                f"Error: resources.{self.name}: its create was under way on an engine that died before "
                "it recorded what it made, so it cannot be carried on safely"
            )
            await self._mark_failed(Action.CREATE, reason)
            raise ResourceFailure(reason)
        await self.create()

    def abandon_data(self) -> dict[str, Any]:
        """Heat's abandon data for this resource (nested stacks add their ``resources``)."""
        record = self.record
        return {
            "name": self.name,
            "type": self.type,
            "resource_id": record.physical_resource_id if record else None,
            "action": self.action,
            "status": self.status,
            "metadata": record.rsrc_metadata if record else {},
            "resource_data": record.data if record else {},
        }

    async def update(
        self, plugin: Resource, new_properties: dict[str, Any], prop_diff: dict[str, Any]
    ) -> None:
        """Update in place (``handle_update`` with the changed properties); raises ResourceFailure."""
        self._plugin = plugin
        async with self._failing(Action.UPDATE):
            await self._start(Action.UPDATE)
            plugin.update_policy = self.definition.resolved_update_policy(self.stack.resolver)
            token = await plugin.handle_update(new_properties, prop_diff)
            plugin.properties = new_properties
            await self._poll(plugin, plugin.check_update_complete, token)
        self._completed(Action.UPDATE, plugin)

    async def act(self, action: str) -> None:
        """SUSPEND, RESUME, CHECK or SNAPSHOT: the plugin's handle/check pair; raises ResourceFailure."""
        plugin = self.plugin()
        steps = (
            {
                Action.SUSPEND: (plugin.handle_suspend, plugin.check_suspend_complete),
                Action.RESUME: (plugin.handle_resume, plugin.check_resume_complete),
                Action.CHECK: (plugin.handle_check, plugin.check_check_complete),
                Action.SNAPSHOT: (plugin.handle_snapshot, plugin.check_snapshot_complete),
            }
            if plugin is not None
            else None
        )
        async with self._failing(action):
            await self._start(action)
            if steps is None:
                raise ResourceFailure(f"Error: resources.{self.name}: it cannot be rebuilt to {action}")
            assert plugin is not None
            handle, check = steps[Action(action)]
            await self._poll(plugin, check, await handle())
        assert plugin is not None
        self.transition_behind(action, Status.COMPLETE, "state changed", data=plugin.data)

    async def mark(self, action: str, status: str, reason: str) -> None:
        """Set the state by hand (mark-unhealthy), with its event."""
        await self.transition(action, status, reason)

    async def delete(self) -> None:
        """Delete what exists (idempotent); raises ResourceFailure when it fails."""
        plugin = self.plugin()
        async with self._failing(Action.DELETE):
            await self._start(Action.DELETE)
            if plugin is not None and self.definition.deletion_policy != "Retain":
                token = await plugin.handle_delete()
                await self._poll(plugin, plugin.check_delete_complete, token)
        self.transition_behind(Action.DELETE, Status.COMPLETE, "state changed")
        self._plugin = None

    async def _record_physical_id(self, plugin: Resource) -> None:
        """Store what an external create made before waiting for it, as Heat's resource_id_set does:
        an engine that dies now leaves a row that a later delete can act on."""
        if not self.plugin_class.external_state or plugin.resource_id is None or self.record is None:
            return
        self.record = await self.stack.transitions.update(
            self.record.id,
            {
                "physical_resource_id": plugin.resource_id,
                "properties_data": plain_json(plugin.properties),
                "data": plugin.data,
            },
        )

    async def _start(self, action: str) -> None:
        """Record ACTION_IN_PROGRESS: stored before acting when the plugin touches the world
        outside, else queued (a chain of value-only resources then never waits on the store)."""
        if self.plugin_class.external_state:
            await self.transition(action, Status.IN_PROGRESS, "state changed")
        else:
            self.transition_behind(action, Status.IN_PROGRESS, "state changed")

    async def _mark_failed(self, action: str, reason: str) -> None:
        """Record FAILED, with what the plugin made so far, so a later delete finds it
        (e.g. a nested stack started before its parent resource failed)."""
        values: dict[str, Any] = {}
        if self._plugin is not None and self._plugin.resource_id is not None:
            values = {
                "physical_resource_id": self._plugin.resource_id,
                "properties_data": plain_json(self._plugin.properties),
                "data": self._plugin.data,
            }
        try:
            await self.transition(action, Status.FAILED, reason, **values)
        except EmberError as exc:
            LOG.error("could not record %s of %s as FAILED: %s", action, self.name, exc)
