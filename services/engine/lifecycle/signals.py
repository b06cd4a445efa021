"""Resource signals (Heat's ``resource_signal``): store what a resource makes of a signal, with its event.

A signal needs no stack lock (Heat takes none): a wait condition handle is
signalled while the stack that waits on it is being created, perhaps by
another engine. What the plugin's ``handle_signal`` leaves in the row's
metadata and data is written with a ``SIGNAL`` event in one store
transaction, as a compare-and-swap on the metadata it started from; when
another signal got in first the plugin runs again on the fresh row, so two
concurrent signals are both kept. Only then does ``after_signal`` act on it.
"""

from __future__ import annotations

import hmac
import logging
from typing import Any

from services.engine.model.resource import StackResource
from services.engine.persistence.repository import StackRepository
from services.engine.resources import Resource
from services.engine.resources.base import NoActionRequired
from services.engine.states import Action
from shared.context import RequestContext
from shared.exceptions import (
    BadRequest,
    Conflict,
    Forbidden,
    NotSupported,
    ResourceNotAvailable,
    ResourceNotFound,
)
from shared.jsonsafe import plain_json
from shared.schemas.store import ResourceRecord, StackRecord

LOG = logging.getLogger(__name__)

_ATTEMPTS = 8


def signal_reason(details: Any, result: str | None) -> str:
    """The SIGNAL event's reason, as Heat words it."""
    if result:
        return f"Signal: {result}"
    if details is None:
        return "No signal details provided"
    if isinstance(details, str):
        return details
    if isinstance(details, dict) and all(k in details for k in ("previous", "current", "reason")):
        # An alarm service's notification.
        return "alarm state changed from {previous} to {current} ({reason})".format(**details)
    return "Unknown"


def check_token(ctxt: RequestContext, resource: StackResource, presented_for: Any) -> None:
    """A caller without a user token must hold the signalled resource's own secret."""
    if not ctxt.signal_only:
        return
    expected = presented_for.signal_token() if presented_for is not None else None
    presented = ctxt.auth_token or ""
    if not expected or not hmac.compare_digest(expected.encode(), presented.encode()):
        raise Forbidden(action=f"signal of resource {resource.name} with this token")


class ResourceSignals:
    def __init__(self, repo: StackRepository) -> None:
        self.repo = repo
        self.store = repo.store

    async def signal(
        self, ctxt: RequestContext, record: StackRecord, name: str, details: Any
    ) -> dict[str, Any]:
        """Deliver ``details`` to resource ``name``; the metadata stored. Raises 400/403/404 as Heat."""
        for _attempt in range(_ATTEMPTS):
            stack = await self.repo.load(ctxt, record)
            resource = stack.resources.get(name)
            if resource is None or resource.record is None:
                raise ResourceNotFound(resource_name=name, stack_name=record.name)
            if not resource.plugin_class.takes_signals():
                check_token(ctxt, resource, None)
                raise BadRequest(reason=f"Resource {name} is a {resource.type}, which does not take signals.")
            plugin = resource.plugin()
            check_token(ctxt, resource, plugin)
            if plugin is None:
                raise ResourceNotAvailable(resource_name=name)
            if resource.action in resource.plugin_class.no_signal_actions:
                raise NotSupported(feature=f"Signal resource during {resource.action}")
            before = dict(resource.record.rsrc_metadata)
            plugin.metadata = dict(before)
            try:
                result = await plugin.handle_signal(details)
            except NoActionRequired as exc:
                LOG.debug("signal to %s needs nothing done: %s", name, exc)
                return before
            except (ValueError, TypeError) as exc:
                raise BadRequest(reason=f"resources.{name}: {exc}") from None
            event = {
                "resource_action": Action.SIGNAL,
                "resource_status": resource.status,
                "resource_status_reason": signal_reason(details, result)[:4000],
            }
            values = {"rsrc_metadata": plain_json(plugin.metadata), "data": plain_json(plugin.data)}
            try:
                stored = await self.store.resource_transition(
                    ctxt, resource.record.id, values, event, expected_metadata=before
                )
            except Conflict:
                LOG.debug("resource %s got another signal meanwhile; taking this one again", name)
                continue
            return await self._after(ctxt, plugin, stored.resource, details)
        raise Conflict(reason=f"resource {name} is being signalled by too many callers at once; try again")

    async def _after(
        self, ctxt: RequestContext, plugin: Resource, row: ResourceRecord, details: Any
    ) -> dict[str, Any]:
        """Let the plugin act on the stored signal; what it then changes in its row is stored too."""
        try:
            await plugin.after_signal(details)
        except (ValueError, TypeError) as exc:
            raise BadRequest(reason=f"resources.{plugin.name}: {exc}") from None
        finally:
            values = {"rsrc_metadata": plain_json(plugin.metadata), "data": plain_json(plugin.data)}
            if values != {"rsrc_metadata": row.rsrc_metadata, "data": row.data}:
                row = await self.store.resource_update(ctxt, row.id, values)
        return row.rsrc_metadata
