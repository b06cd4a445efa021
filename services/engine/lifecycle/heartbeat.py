"""This engine's heartbeat: its ``service`` row, refreshed every ``engine.heartbeat_interval``.

Heat's ``service`` table and ``list_services``: operators see every engine and
whether it is up (a row refreshed within twice its interval). A row is marked
deleted when the engine stops cleanly; an engine that died keeps a stale row,
shown "down". The heartbeat never fails the engine: a store that does not
answer is logged and the next beat tries again.

Each beat also reads the other engines' rows: one whose heartbeat is older
than ``liveness_timeout`` (and was not already) is reported to ``on_peer_lost``
at once, so its stacks are taken over within seconds of its death rather than
at the next periodic check.
"""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime
from typing import Any

from shared.clients.store import StoreClient
from shared.context import RequestContext
from shared.exceptions import EmberError
from shared.schemas.store import ServiceRecord

LOG = logging.getLogger(__name__)

BINARY = "ember-engine"


PeerLost = Callable[[set[str]], Coroutine[Any, Any, None]]


class Heartbeat:
    def __init__(
        self,
        store: StoreClient,
        engine_id: str,
        topic: str,
        interval: float,
        liveness_timeout: float | None = None,
        on_peer_lost: PeerLost | None = None,
    ) -> None:
        self.store = store
        self.engine_id = engine_id
        self.topic = topic
        self.interval = interval
        self.liveness_timeout = liveness_timeout
        self.on_peer_lost = on_peer_lost
        self._task: asyncio.Task[None] | None = None
        #: Engines already reported lost (until they beat again); None until the first look, which
        #: reports nothing (an engine checks every stack when it starts anyway).
        self._lost: set[str] | None = None
        self._checks: set[asyncio.Task[None]] = set()

    def _values(self) -> dict[str, Any]:
        host = socket.gethostname()
        return {
            "engine_id": self.engine_id,
            "host": host,
            "hostname": host,
            "binary": BINARY,
            "topic": self.topic,
            "report_interval": max(round(self.interval), 1),
        }

    async def beat(self) -> None:
        try:
            own = await self.store.service_heartbeat(RequestContext.admin(), self._values())
        except EmberError as exc:
            LOG.warning("heartbeat of engine %s not stored: %s", self.engine_id, exc)
            # After an outage every peer looks silent: judge afresh from the next good look.
            self._lost = None
            return
        if self.on_peer_lost is not None and self.liveness_timeout is not None:
            # "Now" is the store's clock, as every row's time is: the hosts' clocks may differ.
            now = own.updated_at or own.created_at
            await self._watch_peers(self.on_peer_lost, self.liveness_timeout, now)

    async def _watch_peers(self, on_peer_lost: PeerLost, timeout: float, now: datetime) -> None:
        try:
            rows = await self.store.service_get_all(RequestContext.admin())
        except EmberError as exc:
            LOG.warning("could not read the other engines' heartbeats: %s", exc)
            self._lost = None
            return
        silent = {
            row.engine_id
            for row in rows
            if row.engine_id != self.engine_id
            and row.binary == BINARY
            # A peer beating slower than this engine gets twice its own interval.
            and (now - (row.updated_at or row.created_at)).total_seconds()
            > max(timeout, 2 * row.report_interval)
        }
        lost = silent - self._lost if self._lost is not None else set()
        self._lost = silent
        if lost:
            LOG.warning(
                "engine(s) %s missed their heartbeats for %gs: checking their stacks", sorted(lost), timeout
            )
            # In the background: a long check must not delay this engine's own next beat.
            task = asyncio.create_task(on_peer_lost(lost), name="peer-lost-check")
            self._checks.add(task)
            task.add_done_callback(self._checks.discard)

    async def start(self) -> None:
        await self.beat()
        self._task = asyncio.create_task(self._loop(), name="engine-heartbeat")

    async def _loop(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            try:
                await self.beat()
            except Exception:  # never let one bad beat stop the heartbeat (the engine would read down)
                LOG.exception("heartbeat of engine %s failed", self.engine_id)

    async def stop(self) -> None:
        tasks = [t for t in [self._task, *self._checks] if t is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._task = None
        self._checks.clear()
        try:
            await self.store.service_delete(RequestContext.admin(), self.engine_id)
        except EmberError as exc:
            LOG.warning("could not mark engine %s stopped: %s", self.engine_id, exc)


def format_service(record: ServiceRecord) -> dict[str, Any]:
    """Heat's service shape, with ``status`` up while the row is fresher than twice its interval."""
    last = record.updated_at or record.created_at
    age = (datetime.now(UTC) - last).total_seconds()
    return {
        "id": record.id,
        "binary": record.binary,
        "engine_id": record.engine_id,
        "host": record.host,
        "hostname": record.hostname,
        "topic": record.topic,
        "report_interval": record.report_interval,
        "created_at": record.created_at.isoformat(),
        "updated_at": record.updated_at.isoformat() if record.updated_at else None,
        "deleted_at": record.deleted_at.isoformat() if record.deleted_at else None,
        "status": "up" if age <= 2 * record.report_interval else "down",
    }
