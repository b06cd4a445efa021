"""Resources implemented as a nested (child) stack: ResourceGroup and provider templates.

The plugin builds a child template and asks the host to create it; its
``resource_id`` is the child stack's id, which is all another engine needs
to delete it. The child's outputs are fetched when creation completes (and
again in ``prepare_attributes``) and kept in ``data["outputs"]``, so
attribute reads stay synchronous and survive reconstruction.

A property change the type allows in place updates the child stack
(``update_nested_stack``: a nested update, recursively); the others replace
the resource as for any plugin.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from services.engine.states import Action, Status
from shared.exceptions import NotFound

from .base import Resource

COMPLETE = Status.COMPLETE
FAILED = Status.FAILED
CREATE = Action.CREATE
DELETE = Action.DELETE
UPDATE = Action.UPDATE
ADOPT = Action.ADOPT
#: Seconds between polls of a nested stack's state when no local change wakes the parent sooner.
NESTED_POLL = 1.0


class NestedStackResource(Resource):
    """Base for plugins whose thing is a child stack."""

    def child_template(self) -> dict[str, Any]:  # pragma: no cover - abstract
        """The child stack's template as a dict."""
        raise NotImplementedError

    def child_params(self) -> dict[str, Any]:
        """Parameter values for the child stack."""
        return {}

    def child_files(self) -> dict[str, str]:
        """Extra files for the child (the host adds the parent's own)."""
        return {}

    @property
    def outputs(self) -> Mapping[str, Any]:
        value = self.data.get("outputs")
        return value if isinstance(value, Mapping) else {}

    async def handle_create(self) -> Any:
        child_id = await self.host.create_nested_stack(
            self.name, self.child_template(), self.child_params(), self.child_files()
        )
        self.resource_id = child_id
        return child_id

    async def handle_adopt(self, resource_data: Mapping[str, Any]) -> Any:
        """Adopt the abandoned child stack: a new child whose resources take the abandoned ones."""
        resources = resource_data.get("resources")
        child_id = await self.host.create_nested_stack(
            self.name,
            self.child_template(),
            self.child_params(),
            self.child_files(),
            adopt=dict(resources) if isinstance(resources, Mapping) else {},
        )
        self.resource_id = child_id
        return child_id

    async def wait_for_progress(self, token: Any, delay: float) -> None:
        # A state change of the child that this engine stores ends the wait at once, so the
        # quick first polls of the back-off are not needed; a child another engine runs is
        # polled at the back-off's longest interval.
        if self.resource_id is None:
            await super().wait_for_progress(token, delay)
            return
        await self.host.nested_stack_changed(self.resource_id, max(delay, NESTED_POLL))

    async def check_adopt_complete(self, token: Any) -> bool:
        action, status, reason = await self.host.nested_stack_status(str(token))
        if status == FAILED:
            raise self.failure(f"nested stack {action} failed: {reason}")
        if action == ADOPT and status == COMPLETE:
            await self.prepare_attributes()
            return True
        return False

    async def check_create_complete(self, token: Any) -> bool:
        action, status, reason = await self.host.nested_stack_status(str(token))
        if status == FAILED:
            raise self.failure(f"nested stack {action} failed: {reason}")
        if action == CREATE and status == COMPLETE:
            await self.prepare_attributes()
            return True
        return False

    async def handle_delete(self) -> Any:
        if self.resource_id is None:
            return None  # creation never started a child
        try:
            await self.host.delete_nested_stack(self.resource_id)
        except NotFound:
            return None  # already gone: deleting is idempotent
        return self.resource_id

    async def check_delete_complete(self, token: Any) -> bool:
        if token is None:
            return True
        try:
            action, status, reason = await self.host.nested_stack_status(str(token))
        except NotFound:
            return True
        if action == DELETE and status == FAILED:
            raise self.failure(f"nested stack DELETE failed: {reason}")
        return action == DELETE and status == COMPLETE

    async def prepare_attributes(self) -> None:
        if self.resource_id is None:
            return
        try:
            outputs = await self.host.nested_stack_outputs(self.resource_id)
        except NotFound:
            return  # keep what we had; the child may be being deleted
        self.data["outputs"] = dict(outputs)

    def planned_child(
        self, new_properties: dict[str, Any]
    ) -> tuple[dict[str, Any], dict[str, Any], dict[str, str]]:
        """The child's (template, params, files) an update to ``new_properties`` would give it,
        without changing this resource (for a preview of the nested update)."""
        future = type(self)(
            self.name, new_properties, self.host, definition=self.definition, data=dict(self.data)
        )
        future.resource_id = self.resource_id
        future.prepare_update(dict(self.properties))
        return future.child_template(), future.child_params(), future.child_files()

    def prepare_update(self, old_properties: dict[str, Any]) -> None:
        """Adjust ``data`` for the new properties before the nested update (the default: nothing)."""

    async def handle_update(self, new_properties: dict[str, Any], prop_diff: dict[str, Any]) -> Any:
        old_properties = self.properties
        self.properties = new_properties
        self.prepare_update(old_properties)
        if self.resource_id is None:
            raise self.failure("the nested stack was never created")
        await self.host.update_nested_stack(
            self.resource_id, self.child_template(), self.child_params(), self.child_files()
        )
        return self.resource_id

    async def check_update_complete(self, token: Any) -> bool:
        action, status, reason = await self.host.nested_stack_status(str(token))
        if status == FAILED:
            raise self.failure(f"nested stack {action} failed: {reason}")
        if action == UPDATE and status == COMPLETE:
            await self.prepare_attributes()
            return True
        return False
