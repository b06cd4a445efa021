"""The transition writer through store failures: retried when unconfirmed, never a gap in what is stored."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import pytest

from services.engine.persistence import retry
from services.engine.persistence.transitions import TransitionWriter
from shared.context import RequestContext
from shared.exceptions import InvalidInput, MessagingTimeout
from shared.schemas.store import EventRecord, ResourceRecord, ResourceTransition


def _transition(resource_id: int, values: dict[str, Any], event: dict[str, Any]) -> ResourceTransition:
    now = datetime.now(UTC)
    return ResourceTransition(
        resource=ResourceRecord(
            **{"action": "CREATE", **values},
            id=resource_id,
            uuid=f"res-{resource_id}",
            stack_id="s",
            name=f"r{resource_id}",
            type="T",
            created_at=now,
        ),
        event=EventRecord(id=1, uuid=event["uuid"], stack_id="s", created_at=now),
    )


class FlakyStore:
    """Fails the first ``failures`` calls with ``error``; then stores (by event uuid, as the store does)."""

    def __init__(self, failures: int = 0, error: Exception | None = None) -> None:
        self.failures = failures
        self.error = error or MessagingTimeout(topic="store", timeout=1)
        self.calls = 0
        self.stored: list[str] = []

    def _maybe_fail(self) -> None:
        self.calls += 1
        if self.failures:
            self.failures -= 1
            raise self.error

    def _store(self, resource_id: int, values: dict[str, Any], event: dict[str, Any]) -> ResourceTransition:
        if event["uuid"] not in self.stored:
            self.stored.append(event["uuid"])
        return _transition(resource_id, values, event)

    async def resource_transition(
        self, ctxt: RequestContext, resource_id: int, values: dict[str, Any], event: dict[str, Any]
    ) -> ResourceTransition:
        self._maybe_fail()
        return self._store(resource_id, values, event)

    async def resource_transition_many(
        self, ctxt: RequestContext, items: list[dict[str, Any]]
    ) -> list[ResourceTransition]:
        self._maybe_fail()
        return [self._store(i["resource_id"], i["values"], i["event"]) for i in items]


@pytest.fixture(autouse=True)
def quick_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(retry, "FIRST_DELAY", 0.001)
    monkeypatch.setattr(retry, "MAX_DELAY", 0.002)


def writer(store: FlakyStore, window: float) -> TransitionWriter:
    return TransitionWriter(store, RequestContext.admin(), retry_window=window)  # type: ignore[arg-type]


async def test_an_unconfirmed_batch_is_sent_again_under_the_same_event_uuids() -> None:
    store = FlakyStore(failures=2)
    w = writer(store, window=5)
    first = w.submit(1, {"status": "IN_PROGRESS"}, {})
    second = w.submit(2, {"status": "IN_PROGRESS"}, {})
    await w.drain()
    assert store.calls == 3 and len(store.stored) == 2
    assert [f.result().event.uuid for f in (first, second)] == store.stored


async def test_after_a_write_fails_for_good_nothing_later_is_written_until_reopened() -> None:
    store = FlakyStore(failures=100)
    w = writer(store, window=0.05)
    lost = w.submit(1, {"status": "COMPLETE"}, {})
    with pytest.raises(MessagingTimeout):
        await w.drain()
    assert lost.exception() is not None
    store.failures = 0
    calls = store.calls
    later = w.submit(2, {"status": "IN_PROGRESS"}, {})  # a dependent of the lost COMPLETE
    with pytest.raises(MessagingTimeout):
        await w.write(3, {"status": "IN_PROGRESS"}, {})
    assert later.exception() is not None and store.calls == calls and store.stored == []
    w.reopen()  # a new walk (a rollback): writes again
    await w.write(2, {"action": "DELETE", "status": "IN_PROGRESS"}, {})
    assert len(store.stored) == 1


async def test_a_refused_write_is_not_retried() -> None:
    store = FlakyStore(failures=1, error=InvalidInput(field="values", reason="bad"))
    w = writer(store, window=5)
    with pytest.raises(InvalidInput):
        await w.write(1, {"status": "IN_PROGRESS"}, {})
    assert store.calls == 1


async def test_no_window_means_no_retry() -> None:
    store = FlakyStore(failures=1)
    w = writer(store, window=0)
    with pytest.raises(MessagingTimeout):
        await asyncio.wait_for(w.write(1, {"status": "IN_PROGRESS"}, {}), 5)
    assert store.calls == 1
