"""Store records -> the shapes the engine's RPC methods return (shared/schemas/engine.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from shared.schemas.engine import EventInfo, ResourceInfo, StackIdentity, StackInfo
from shared.schemas.store import EventRecord, ResourceRecord, SnapshotRecord, StackRecord


def iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.replace(microsecond=0, tzinfo=None).isoformat()


def identity(stack: StackRecord, path: str = "") -> StackIdentity:
    return {"tenant": stack.tenant, "stack_name": stack.name, "stack_id": stack.id, "path": path}


def format_stack(
    stack: StackRecord,
    *,
    description: str = "",
    parameters: dict[str, str] | None = None,
    outputs: list[dict[str, Any]] | None = None,
) -> StackInfo:
    info: StackInfo = {
        "stack_identity": identity(stack),
        "stack_name": stack.name,
        "description": description,
        "template_description": description,
        "stack_action": stack.action,
        "stack_status": stack.status,
        "stack_status_reason": stack.status_reason or "",
        "creation_time": iso(stack.created_at),
        "updated_time": iso(stack.updated_at),
        "deletion_time": iso(stack.deleted_at),
        "notification_topics": [],
        "capabilities": [],
        "disable_rollback": stack.disable_rollback,
        "timeout_mins": stack.timeout,
        "stack_owner": stack.username,
        "parent": stack.owner_id,
        "stack_user_project_id": stack.tenant,
        "tags": stack.tags or None,
    }
    if parameters is not None:
        info["parameters"] = parameters
    if outputs is not None:
        info["outputs"] = outputs  # type: ignore[typeddict-item]
    return info


def format_resource(
    stack: StackRecord,
    resource: ResourceRecord,
    *,
    required_by: list[str] | None = None,
    detail: bool = False,
    attributes: dict[str, Any] | None = None,
    description: str = "",
) -> ResourceInfo:
    info: ResourceInfo = {
        "resource_identity": identity(stack, f"/resources/{resource.name}"),
        "stack_identity": identity(stack),
        "stack_name": stack.name,
        "resource_name": resource.name,
        "logical_resource_id": resource.name,
        "physical_resource_id": resource.physical_resource_id or "",
        "resource_type": resource.type,
        "resource_action": resource.action,
        "resource_status": resource.status,
        "resource_status_reason": resource.status_reason or "",
        "creation_time": iso(resource.created_at),
        "updated_time": iso(resource.updated_at or resource.created_at),
        "required_by": required_by or [],
        "parent_resource": stack.parent_resource_name,
    }
    if detail:
        info["description"] = description
        info["metadata"] = resource.rsrc_metadata
        info["properties"] = resource.properties_data
        info["attributes"] = attributes if attributes is not None else resource.attributes
    return info


def format_event(stack: StackRecord, event: EventRecord, root: StackRecord | None = None) -> EventInfo:
    """Heat's event shape; ``root`` (the stack listed with nested_depth) adds root_stack_id."""
    name = event.resource_name or stack.name
    info: EventInfo = {
        "event_identity": identity(stack, f"/resources/{name}/events/{event.uuid}"),
        "stack_identity": identity(stack),
        "stack_name": stack.name,
        "event_time": iso(event.created_at) or "",
        "resource_name": name,
        "physical_resource_id": event.physical_resource_id,
        "resource_type": event.resource_type or "",
        "resource_action": event.resource_action or "",
        "resource_status": event.resource_status or "",
        "resource_status_reason": event.resource_status_reason or "",
        "resource_properties": event.resource_properties,
    }
    if root is not None:
        info["root_stack_id"] = identity(root)
    return info


def format_snapshot(snapshot: SnapshotRecord) -> dict[str, Any]:
    """Heat's snapshot shape (``format_snapshot``)."""
    return {
        "id": snapshot.id,
        "name": snapshot.name,
        "action": "SNAPSHOT",
        "status": snapshot.status,
        "status_reason": snapshot.status_reason or "",
        "data": snapshot.data,
        "creation_time": iso(snapshot.created_at),
    }
