"""This engine's heartbeat: its ``service`` row, refreshed every ``engine.heartbeat_interval``.

Heat's ``service`` table and ``list_services``: operators see every engine and
whether it is up (a row refreshed within twice its interval). A row is marked
deleted when the engine stops cleanly; an engine that died keeps a stale row,
shown "down". The heartbeat never fails the engine: a store that does not
answer is logged and the next beat tries again.
"""

from __future__ import annotations

import asyncio
import logging
import socket
from datetime import UTC, datetime
from typing import Any

from shared.clients.store import StoreClient
from shared.context import RequestContext
from shared.exceptions import EmberError
from shared.schemas.store import ServiceRecord

LOG = logging.getLogger(__name__)

BINARY = "ember-engine"


class Heartbeat:
    def __init__(self, store: StoreClient, engine_id: str, topic: str, interval: float) -> None:
        self.store = store
        self.engine_id = engine_id
        self.topic = topic
        self.interval = interval
        self._task: asyncio.Task[None] | None = None

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
            await self.store.service_heartbeat(RequestContext.admin(), self._values())
        except EmberError as exc:
            LOG.warning("heartbeat of engine %s not stored: %s", self.engine_id, exc)

    async def start(self) -> None:
        await self.beat()
        self._task = asyncio.create_task(self._loop(), name="engine-heartbeat")

    async def _loop(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            await self.beat()

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
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
