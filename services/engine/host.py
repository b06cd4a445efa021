"""What the engine lends a resource plugin: its stack's identity and nested stacks.

Nested stacks (ResourceGroup, provider templates) are real child stacks:
stored with ``owner_id``, with their own lock, resources and events. A child
runs on this engine as its own background action; its parent polls its
state through the store, so the same code serves a child created by
another engine.
"""

from __future__ import annotations

import secrets
import string
from typing import TYPE_CHECKING, Any

from services.engine import states
from shared.exceptions import RequestLimitExceeded, StackValidationFailed

if TYPE_CHECKING:
    from services.engine.stack import Stack

_ALPHABET = string.ascii_lowercase + string.digits


class StackHost:
    def __init__(self, stack: Stack) -> None:
        self._stack = stack

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
        self, resource_name: str, template: dict[str, Any], params: dict[str, Any], files: dict[str, str]
    ) -> str:
        from services.engine.stack import Stack

        parent = self._stack
        settings = parent.rt.settings
        depth = parent.nested_depth + 1
        if depth > settings.max_nested_stack_depth:
            raise StackValidationFailed(
                path=f"resources.{resource_name}",
                reason=f"Recursion depth exceeds {settings.max_nested_stack_depth}.",
            )
        suffix = "".join(secrets.choice(_ALPHABET) for _ in range(12))
        environment = {
            "parameters": dict(params),
            "resource_registry": dict(parent.environment.get("resource_registry") or {}),
        }
        child = Stack.build(
            parent.rt,
            parent.ctxt,
            f"{parent.name}-{resource_name}-{suffix}",
            template,
            environment,
            {**parent.definition.files, **files},
            owner_id=parent.id,
            nested_depth=depth,
            disable_rollback=True,
            parent_resource_name=resource_name,
            root=parent.root,
        )
        root = parent.root
        limit = settings.max_resources_per_stack
        if root.total_resources() + len(child.resources) > limit:
            raise RequestLimitExceeded(
                reason=f"the stack would have more than {limit} resources counting nested stacks "
                "(max_resources_per_stack)"
            )
        await child.store_new()
        root.nested_resource_count += len(child.resources)
        parent.children.add(child.id)
        await parent.rt.actions.start_locked(child, states.CREATE, child.create)
        return child.id

    async def delete_nested_stack(self, child_id: str) -> None:
        from services.engine.stack import Stack

        parent = self._stack
        parent.children.add(child_id)
        # Cancel first, then load: the load must see every resource the create started.
        await parent.rt.actions.cancel(child_id, "Stack CREATE cancelled: its parent is being deleted")
        record = await parent.store.stack_get(parent.ctxt, child_id)
        child = await Stack.load(parent.rt, parent.ctxt, record, root=parent.root)
        await parent.rt.actions.start_with_lock(child, states.DELETE, child.delete)

    async def nested_stack_outputs(self, child_id: str) -> dict[str, Any]:
        from services.engine.stack import Stack

        parent = self._stack
        record = await parent.store.stack_get(parent.ctxt, child_id)
        child = await Stack.load(parent.rt, parent.ctxt, record, root=parent.root)
        return {item["output_key"]: item.get("output_value") for item in await child.outputs()}

    async def nested_stack_status(self, child_id: str) -> tuple[str, str, str]:
        parent = self._stack
        record = await parent.store.stack_get(parent.ctxt, child_id, show_deleted=True)
        return record.action, record.status, record.status_reason or ""
