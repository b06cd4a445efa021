"""Heat's oslo.messaging notifications of stack (and, opted in, resource) state changes.

As Heat's engine sends them: each stack transition is
``orchestration.stack.<action>.start|end|error`` (IN_PROGRESS, COMPLETE,
FAILED), at INFO, or ERROR for a failure, from ``orchestration.<host>``,
with Heat's payload keys (``format_notification_body``: tenant_id, user_id,
user_identity, username, stack_identity, stack_name, state, state_reason,
create_at, updated_at, tags, description). Resource transitions are
``orchestration.resource.<action>.<suffix>`` with the stack's keys plus the
resource's, when ``notifications.resources`` is on (Heat itself sends none).
"""

from __future__ import annotations

import socket
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from services.engine.model.stack import Stack
from services.engine.states import Status
from shared.config import NotificationSettings
from shared.rpc.notify import Notifier, Priority
from shared.rpc.transport import Transport
from shared.schemas.store import EventRecord, ResourceTransition, StackRecord

SERVICE = "orchestration"
_SUFFIX: dict[str, str] = {Status.IN_PROGRESS.value: "start", Status.COMPLETE.value: "end"}


def _isotime(value: datetime | None) -> str | None:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ") if value is not None else None


def event_type(kind: str, action: str, status: str) -> str:
    """``orchestration.<kind>.<action>.<start|end|error>`` (any status but these two is an error)."""
    return f"{SERVICE}.{kind}.{action.lower()}.{_SUFFIX.get(status, 'error')}"


def _priority(kind: str) -> Priority:
    return "ERROR" if kind.endswith(".error") else "INFO"


def stack_payload(stack: Stack, record: StackRecord) -> dict[str, Any]:
    """Heat's notification body of a stack in the state ``record`` holds."""
    ctxt = stack.ctxt
    state = f"{record.action}_{record.status}" if record.action and record.status else "Unknown"
    return {
        "tenant_id": record.tenant,
        "user_id": ctxt.user_name or ctxt.user_id,
        "user_identity": ctxt.user_id,
        "username": ctxt.user_name or ctxt.user_id,
        "stack_identity": record.id,
        "stack_name": record.name,
        "state": state,
        "state_reason": record.status_reason,
        "create_at": _isotime(record.created_at),
        "updated_at": _isotime(record.updated_at),
        "tags": record.tags or None,
        "description": stack.definition.template.description,
    }


class StackNotifications:
    """A StateObserver that turns stored transitions into notifications."""

    def __init__(self, transport: Transport | None, settings: NotificationSettings) -> None:
        host = settings.host or socket.gethostname()
        self.notifier = Notifier(transport, f"{SERVICE}.{host}", settings.topics, settings.driver)
        self.resources = settings.resources

    def stack_changed(self, stack: Stack, event: EventRecord) -> None:
        record = stack.record
        if record is None or not self.notifier.enabled:
            return
        kind = event_type("stack", record.action, record.status)
        self.notifier.notify(stack.ctxt.to_dict(), kind, stack_payload(stack, record), _priority(kind))

    def resources_changed(self, stack: Stack, transitions: Sequence[ResourceTransition]) -> None:
        record = stack.record
        if not self.resources or record is None or not self.notifier.enabled:
            return
        context = stack.ctxt.to_dict()
        base = stack_payload(stack, record)
        for item in transitions:
            row = item.resource
            kind = event_type("resource", row.action, row.status)
            payload = {
                **base,
                "resource_name": row.name,
                "resource_type": row.type,
                "physical_resource_id": row.physical_resource_id,
                "resource_state": f"{row.action}_{row.status}",
                "resource_state_reason": row.status_reason,
                "event_id": item.event.uuid,
            }
            self.notifier.notify(context, kind, payload, _priority(kind))

    async def close(self) -> None:
        await self.notifier.close()
