"""Each stored event, pushed to the api instances as it is stored (the live event stream's source).

Published on the events fanout (``events.exchange``, default
``<control_exchange>_events``) as ``{"v": 1, "tenant", "stack_id",
"ancestors", "event"}``, or with ``"events"`` (a list, in store order)
instead of ``"event"`` for the transitions of one stack stored in one batch:
each event is the shape ``list_events`` returns for it, ``ancestors`` the ids of the stacks above its stack, root first (so a
stream of a stack can take its nested stacks' events to a given depth).
Best effort: a message the broker does not take is dropped, and a stream
that missed one reads it from the store (the event list) on reconnect.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from typing import Any

from services.engine.endpoints import formatting
from services.engine.model.stack import Stack
from shared.rpc.fanout import FanoutPublisher
from shared.schemas.store import EventRecord, ResourceTransition

MESSAGE_VERSION = 1
_KNOWN_OWNERS = 10000


class LiveEvents:
    """A StateObserver that publishes every stored event on the events fanout."""

    def __init__(self, publisher: FanoutPublisher) -> None:
        self.publisher = publisher
        # stack id -> owner id of the stacks seen, to name a nested stack's ancestors.
        self._owners: OrderedDict[str, str | None] = OrderedDict()

    def _ancestors(self, stack: Stack) -> list[str]:
        self._owners[stack.id] = stack.owner_id
        self._owners.move_to_end(stack.id)
        while len(self._owners) > _KNOWN_OWNERS:
            self._owners.popitem(last=False)
        chain: list[str] = []
        owner = stack.owner_id
        while owner is not None and owner not in chain and len(chain) < 100:
            chain.append(owner)
            owner = self._owners.get(owner)
        root = stack.root.id
        if stack.owner_id is not None and root not in chain:
            chain.append(root)
        return list(reversed(chain))

    def _publish(self, stack: Stack, events: Sequence[EventRecord]) -> None:
        record = stack.record
        if record is None or not events:
            return
        message: dict[str, Any] = {
            "v": MESSAGE_VERSION,
            "tenant": record.tenant,
            "stack_id": record.id,
            "ancestors": self._ancestors(stack),
        }
        formatted = [formatting.format_event(record, event) for event in events]
        if len(formatted) == 1:
            message["event"] = formatted[0]
        else:
            # A batch of transitions stored together is one message: a wave of 1,000
            # resources is one publish, not 1,000 (a publish costs more than the event).
            message["events"] = formatted
        self.publisher.publish(message)

    def stack_changed(self, stack: Stack, event: EventRecord) -> None:
        self._publish(stack, [event])

    def resources_changed(self, stack: Stack, transitions: Sequence[ResourceTransition]) -> None:
        self._publish(stack, [t.event for t in transitions])

    async def close(self) -> None:
        await self.publisher.close()
