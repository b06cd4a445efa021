"""Who hears of each stored state change: the engine's outward signals, behind a Protocol.

The repository calls every observer after the store has committed a stack
or resource transition, with the stored event. Observers (notifications,
the live event fanout, metrics; wired in ``services.engine.app``) must
return at once and never raise into the action: a failing observer is
logged and the action carries on.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Protocol

from services.engine.model.stack import Stack
from shared.schemas.store import EventRecord, ResourceTransition

LOG = logging.getLogger(__name__)


class StateObserver(Protocol):
    def stack_changed(self, stack: Stack, event: EventRecord) -> None:
        """The stack's row (``stack.record``, already the new one) changed, recorded by ``event``."""

    def resources_changed(self, stack: Stack, transitions: Sequence[ResourceTransition]) -> None:
        """Resources of ``stack`` changed state, each with its stored event, in store order."""


class Observers:
    """The observers of one engine, told in turn; one that raises does not stop the others."""

    def __init__(self) -> None:
        self._observers: list[StateObserver] = []

    def add(self, observer: StateObserver) -> None:
        self._observers.append(observer)

    def stack_changed(self, stack: Stack, event: EventRecord | None) -> None:
        if event is None:
            return
        for observer in self._observers:
            try:
                observer.stack_changed(stack, event)
            except Exception:
                LOG.exception("observer %s failed on a stack change", type(observer).__name__)

    def resources_changed(self, stack: Stack, transitions: Sequence[ResourceTransition]) -> None:
        for observer in self._observers:
            try:
                observer.resources_changed(stack, transitions)
            except Exception:
                LOG.exception("observer %s failed on resource changes", type(observer).__name__)
