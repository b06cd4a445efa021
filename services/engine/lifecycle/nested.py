"""What the engine lends a resource plugin: its stack's identity and nested stacks (``ResourceHost``).

Nested stacks (ResourceGroup, provider templates) are real child stacks:
stored with ``owner_id``, with their own lock, resources and events. A child
runs on this engine as its own background action; its parent polls its
state through the store, so the same code serves a child created by
another engine. The host is made per stack by the composition root
(``repository.host_factory``) and delegates to the use cases in ``ops``
and ``update``.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from services.engine.lifecycle.ops import StackOps
from services.engine.lifecycle.update import StackUpdater
from services.engine.model.stack import Stack
from services.engine.persistence.repository import choose_rows
from services.engine.resources import Resource
from services.engine.states import Action
from shared.clients.store import StoreClient
from shared.context import RequestContext
from shared.exceptions import ResourceNotFound
from shared.jsonsafe import plain_json


class StoreSoftware:
    """``SoftwareStore`` over the store client, as the stack's caller (records as JSON dicts)."""

    def __init__(self, store: StoreClient, ctxt: RequestContext) -> None:
        self._store = store
        self._ctxt = ctxt

    async def create_config(self, values: dict[str, Any]) -> dict[str, Any]:
        return (await self._store.software_config_create(self._ctxt, values)).model_dump(mode="json")

    async def get_config(self, config_id: str) -> dict[str, Any]:
        return (await self._store.software_config_get(self._ctxt, config_id)).model_dump(mode="json")

    async def delete_config(self, config_id: str) -> None:
        await self._store.software_config_delete(self._ctxt, config_id)

    async def create_deployment(self, values: dict[str, Any]) -> dict[str, Any]:
        return (await self._store.software_deployment_create(self._ctxt, values)).model_dump(mode="json")

    async def get_deployment(self, deployment_id: str) -> dict[str, Any]:
        return (await self._store.software_deployment_get(self._ctxt, deployment_id)).model_dump(mode="json")

    async def update_deployment(self, deployment_id: str, values: dict[str, Any]) -> dict[str, Any]:
        record = await self._store.software_deployment_update(self._ctxt, deployment_id, values)
        return record.model_dump(mode="json")

    async def delete_deployment(self, deployment_id: str) -> None:
        await self._store.software_deployment_delete(self._ctxt, deployment_id)


class NestedStackHost:
    def __init__(self, stack: Stack, ops: StackOps, updater: StackUpdater, api_url: str = "") -> None:
        self._stack = stack
        self._ops = ops
        self._updater = updater
        self._api_url = api_url.rstrip("/")
        self._software = StoreSoftware(ops.store, stack.ctxt)

    @property
    def software(self) -> StoreSoftware:
        return self._software

    @property
    def stack_name(self) -> str:
        return self._stack.name

    @property
    def stack_id(self) -> str:
        return self._stack.id

    @property
    def project_id(self) -> str:
        return self._stack.ctxt.project_id or ""

    async def create_nested_stack(
        self,
        resource_name: str,
        template: dict[str, Any],
        params: dict[str, Any],
        files: dict[str, str],
        adopt: dict[str, Any] | None = None,
    ) -> str:
        # The child is watched from before its action starts (ops.create_child), so its parent's
        # wait never misses a change (runtime/changes.py).
        return await self._ops.create_child(self._stack, resource_name, template, params, files, adopt)

    async def update_nested_stack(
        self, child_id: str, template: dict[str, Any], params: dict[str, Any], files: dict[str, str]
    ) -> None:
        self._ops.repo.changes.watch(child_id).clear()
        await self._updater.update_child(self._stack, child_id, template, params, files)

    async def delete_nested_stack(self, child_id: str) -> None:
        self._ops.repo.changes.watch(child_id).clear()
        await self._ops.delete_child(self._stack, child_id)

    async def nested_stack_outputs(self, child_id: str) -> dict[str, Any]:
        return await self._ops.child_outputs(self._stack, child_id)

    async def nested_stack_status(self, child_id: str) -> tuple[str, str, str]:
        return await self._ops.child_status(self._stack, child_id)

    async def nested_stack_changed(self, child_id: str, timeout: float) -> None:
        await self._ops.repo.changes.wait(child_id, timeout)

    def signal_endpoint(self, resource_name: str) -> str:
        stack = self._stack
        return (
            f"{self._api_url}/v1/{quote(self.project_id, safe='')}/stacks/{quote(stack.name, safe='')}/"
            f"{stack.id}/resources/{quote(resource_name, safe='')}/signal"
        )

    async def resource_metadata(self, reference: str) -> tuple[str, str, dict[str, Any]] | None:
        rows = await self._ops.store.resource_get_all_by_stack(self._stack.ctxt, self._stack.id)
        chosen, _spare = choose_rows(rows)
        for name, row in chosen.items():
            if reference in (name, row.physical_resource_id):
                return name, row.type, dict(row.rsrc_metadata)
        return None

    async def clear_resource_metadata(self, reference: str) -> bool:
        rows = await self._ops.store.resource_get_all_by_stack(self._stack.ctxt, self._stack.id)
        chosen, _spare = choose_rows(rows)
        for name, row in chosen.items():
            if reference in (name, row.physical_resource_id):
                stored = await self._ops.store.resource_update(
                    self._stack.ctxt, row.id, {"rsrc_metadata": {}}
                )
                resource = self._stack.resources.get(name)
                if resource is not None and resource.record is not None and resource.record.id == row.id:
                    resource.record = stored
                return True
        return False

    async def sibling(self, reference: str) -> Resource | None:
        for resource in self._stack.resources.values():
            plugin = resource.plugin()
            if plugin is not None and reference in (resource.name, plugin.get_reference_id()):
                return plugin
        return None

    async def save_sibling(self, plugin: Resource, reason: str) -> None:
        resource = self._stack.resources.get(plugin.name)
        if resource is None or resource.record is None:
            raise ResourceNotFound(resource_name=plugin.name, stack_name=self._stack.name)
        event = {
            "resource_action": Action.SIGNAL,
            "resource_status": resource.status,
            "resource_status_reason": reason[:4000],
        }
        stored = await self._ops.store.resource_transition(
            self._stack.ctxt, resource.record.id, {"data": plain_json(plugin.data)}, event
        )
        resource.record = stored.resource
