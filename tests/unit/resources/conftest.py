"""A fake engine host: stack identity plus an in-memory nested-stack service."""

from __future__ import annotations

import asyncio
import itertools
import uuid
from dataclasses import dataclass, field
from typing import Any

import pytest

from shared.exceptions import NotFound, StackNotFound


@dataclass
class NestedStack:
    resource_name: str
    template: dict[str, Any]
    params: dict[str, Any]
    files: dict[str, str]
    status: tuple[str, str, str] = ("CREATE", "IN_PROGRESS", "")
    outputs: dict[str, Any] = field(default_factory=dict)


class MemorySoftware:
    """``SoftwareStore`` in memory."""

    def __init__(self) -> None:
        self.configs: dict[str, dict[str, Any]] = {}
        self.deployments: dict[str, dict[str, Any]] = {}

    async def create_config(self, values: dict[str, Any]) -> dict[str, Any]:
        record = {"id": str(uuid.uuid4()), "tenant": "demo", **values}
        self.configs[record["id"]] = record
        return dict(record)

    async def get_config(self, config_id: str) -> dict[str, Any]:
        if config_id not in self.configs:
            raise NotFound(what=config_id)
        return dict(self.configs[config_id])

    async def delete_config(self, config_id: str) -> None:
        if self.configs.pop(config_id, None) is None:
            raise NotFound(what=config_id)

    async def create_deployment(self, values: dict[str, Any]) -> dict[str, Any]:
        record = {
            "id": values.get("id") or str(uuid.uuid4()),
            "input_values": {},
            "output_values": {},
            **values,
        }
        self.deployments[record["id"]] = record
        return dict(record)

    async def get_deployment(self, deployment_id: str) -> dict[str, Any]:
        if deployment_id not in self.deployments:
            raise NotFound(what=deployment_id)
        return dict(self.deployments[deployment_id])

    async def update_deployment(self, deployment_id: str, values: dict[str, Any]) -> dict[str, Any]:
        self.deployments[deployment_id].update(values)
        return dict(self.deployments[deployment_id])

    async def delete_deployment(self, deployment_id: str) -> None:
        if self.deployments.pop(deployment_id, None) is None:
            raise NotFound(what=deployment_id)


@dataclass
class FakeHost:
    """Implements ``ResourceHost``; tests drive the nested stacks' states by hand."""

    stack_name: str = "mystack"
    stack_id: str = "11111111-2222-3333-4444-555555555555"
    project_id: str = "demo"
    children: dict[str, NestedStack] = field(default_factory=dict)
    deleted: list[str] = field(default_factory=list)
    #: Resources of the stack by name: (physical id, type, metadata), for wait conditions.
    resources: dict[str, tuple[str | None, str, dict[str, Any]]] = field(default_factory=dict)
    _ids: Any = field(default_factory=lambda: itertools.count(1))
    software: MemorySoftware = field(default_factory=MemorySoftware)
    siblings: dict[str, Any] = field(default_factory=dict)
    saved: list[tuple[str, str]] = field(default_factory=list)

    async def create_nested_stack(
        self,
        resource_name: str,
        template: dict[str, Any],
        params: dict[str, Any],
        files: dict[str, str],
        adopt: dict[str, Any] | None = None,
    ) -> str:
        child_id = f"child-{next(self._ids)}"
        self.children[child_id] = NestedStack(resource_name, template, params, files)
        return child_id

    async def update_nested_stack(
        self, child_id: str, template: dict[str, Any], params: dict[str, Any], files: dict[str, str]
    ) -> None:
        child = self.children[child_id]
        child.template, child.params = template, params

    async def delete_nested_stack(self, child_id: str) -> None:
        if child_id not in self.children:
            raise StackNotFound(name=child_id)
        self.deleted.append(child_id)
        self.children[child_id].status = ("DELETE", "IN_PROGRESS", "")

    async def nested_stack_outputs(self, child_id: str) -> dict[str, Any]:
        if child_id not in self.children:
            raise StackNotFound(name=child_id)
        return dict(self.children[child_id].outputs)

    async def nested_stack_status(self, child_id: str) -> tuple[str, str, str]:
        if child_id not in self.children:
            raise StackNotFound(name=child_id)
        return self.children[child_id].status

    async def nested_stack_changed(self, child_id: str, timeout: float) -> None:
        await asyncio.sleep(0)  # its children change at once

    def signal_endpoint(self, resource_name: str) -> str:
        return (
            f"http://ember.test:8004/v1/{self.project_id}/stacks/{self.stack_name}/{self.stack_id}"
            f"/resources/{resource_name}/signal"
        )

    async def resource_metadata(self, reference: str) -> tuple[str, str, dict[str, Any]] | None:
        for name, (physical_id, type_name, metadata) in self.resources.items():
            if reference in (name, physical_id):
                return name, type_name, dict(metadata)
        return None

    async def clear_resource_metadata(self, reference: str) -> bool:
        for name, (physical_id, type_name, _metadata) in self.resources.items():
            if reference in (name, physical_id):
                self.resources[name] = (physical_id, type_name, {})
                return True
        return False

    async def sibling(self, reference: str) -> Any:
        return self.siblings.get(reference)

    async def save_sibling(self, plugin: Any, reason: str) -> None:
        self.saved.append((plugin.name, reason))

    def finish(self, child_id: str, outputs: dict[str, Any] | None = None) -> None:
        """Mark a child's current action complete (and a deleted child gone)."""
        child = self.children[child_id]
        action = child.status[0]
        if action == "DELETE":
            del self.children[child_id]
            return
        child.status = (action, "COMPLETE", "Stack CREATE completed successfully")
        if outputs is not None:
            child.outputs = outputs


@pytest.fixture
def host() -> FakeHost:
    return FakeHost()


async def run_create(resource: Any, max_polls: int = 1000) -> None:
    """Drive create as the engine does: handle, then poll until complete."""
    token = await resource.handle_create()
    for _ in range(max_polls):
        if await resource.check_create_complete(token):
            return
    raise AssertionError("create did not complete")


async def run_delete(resource: Any, max_polls: int = 1000) -> None:
    token = await resource.handle_delete()
    for _ in range(max_polls):
        if await resource.check_delete_complete(token):
            return
    raise AssertionError("delete did not complete")
