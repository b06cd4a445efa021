"""The store service's lifecycle: connect, migrate, serve; stop in the reverse order.

Start: key checks (a production store without an encryption key or a
signing key stops here), database
engine, schema upgrade (``store.auto_migrate``), bus, RPC server. Stop:
stop taking requests and let in-flight ones finish and reply, then dispose
the database engine, then close the bus connection if this service opened it.
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING

from services.store import api, migrate
from services.store.crypt import Crypt
from services.store.endpoint import StoreEndpoint
from services.store.engine import Database
from shared import metrics
from shared.config import Settings
from shared.exceptions import ConfigError
from shared.rpc import RPCServer, Target, Transport

if TYPE_CHECKING:
    from services.store.api import StoreBackend

LOG = logging.getLogger(__name__)


def make_server_id() -> str:
    """Unique per process (and per service object, so replicas can share a process in tests)."""
    return f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"


def check_signing_key(settings: Settings) -> None:
    """Admin lifts the tenant scoping of every query, so the store trusts it only in requests
    signed with ``rpc.signing_key`` or sent by a broker user of ``store.trusted_broker_users``;
    with neither it cannot tell, and refuses production."""
    if settings.rpc.signing_key or settings.store.trusted_broker_users:
        return
    if settings.mode == "production":
        raise ConfigError(
            reason="neither rpc.signing_key (EMBER_RPC__SIGNING_KEY) nor store.trusted_broker_users "
            "is set; the store refuses to start in production mode without a way to tell the engines' "
            "admin calls from anyone else's"
        )
    LOG.warning(
        "neither rpc.signing_key nor store.trusted_broker_users is set: the store trusts is_admin from "
        "anyone who can publish on the vhost (set one before any real use)"
    )


def watch_pool(db: Database) -> None:
    """``ember_store_db_pool_connections{state}`` read from the pool at each scrape (QueuePool's
    counts; a pool without them, SQLite's, exports none)."""
    pool = db.engine.pool
    for state, name in (("size", "size"), ("checked_out", "checkedout"), ("overflow", "overflow")):
        reader = getattr(pool, name, None)
        if callable(reader):
            metrics.DB_POOL.labels(state).set_function(_as_float(reader))


def _as_float(read: Callable[[], object]) -> Callable[[], float]:
    return lambda: float(read())  # type: ignore[arg-type]


class StoreService:
    """One store replica serving ``topic`` (default ``rpc.store_topic``) and ``<topic>.<server_id>``."""

    def __init__(
        self,
        settings: Settings,
        transport: Transport | None = None,
        topic: str | None = None,
        server_id: str | None = None,
    ) -> None:
        self.settings = settings
        self.topic = topic or settings.rpc.store_topic
        self.server_id = server_id or make_server_id()
        self.transport = transport
        self._owns_transport = transport is None
        self.backend: StoreBackend | None = None
        self.server: RPCServer | None = None
        self.metrics: metrics.MetricsListener | None = None

    async def start(self) -> None:
        check_signing_key(self.settings)
        crypt = Crypt.from_settings(self.settings)
        db = Database(self.settings.database)
        try:
            if self.settings.store.auto_migrate:
                await migrate.upgrade(db)
            self.backend = api.load_backend(self.settings, crypt, db)
            if self.transport is None:
                self.transport = await Transport.connect(self.settings.rpc, service="store")
            endpoint = StoreEndpoint(self.backend, self.server_id)
            self.server = RPCServer(
                self.transport,
                Target(topic=self.topic, server=self.server_id),
                [endpoint],
                concurrency=self.settings.store.concurrency,
                signed_admin_only=True,
                trusted_users=self.settings.store.trusted_broker_users,
            )
            await self.server.start()
            watch_pool(db)
            if self.settings.metrics.enabled:
                self.metrics = metrics.MetricsListener(
                    self.settings.metrics.bind_host, self.settings.metrics.store_port
                )
                self.metrics.start()
        except BaseException:
            await self.stop()
            await db.dispose()
            raise
        LOG.info("store %s serving topic %s on %s", self.server_id, self.topic, db.url.render_as_string())

    async def stop(self, grace: float = 30.0) -> None:
        if self.metrics is not None:
            self.metrics.stop()
            self.metrics = None
        if self.server is not None:
            await self.server.stop(grace)
            self.server = None
        if self.backend is not None:
            await self.backend.dispose()
            self.backend = None
        if self._owns_transport and self.transport is not None:
            await self.transport.close()
            self.transport = None

    async def __aenter__(self) -> StoreService:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()


async def db_sync(settings: Settings) -> str | None:
    """Upgrade the schema to head; returns the revision now in place."""
    db = Database(settings.database)
    try:
        await migrate.upgrade(db)
        return await migrate.current_revision(db)
    finally:
        await db.dispose()
