"""The database connection: one async engine, sessions, and SQLite's writer rule.

SQLite allows one writer at a time; a second writer waits on the busy timeout
and may still fail with "database is locked" (for instance when a deferred
read transaction tries to upgrade). Inside one store process writers
therefore queue on an asyncio lock and never meet in SQLite; readers run
beside them thanks to WAL. The busy timeout still covers other processes
(``db-sync``, an operator's sqlite3 shell). PostgreSQL needs none of this.

Transactions on SQLite begin the driver's way (``BEGIN`` issued with the
first write statement, in the same thread hop) rather than with an explicit
``BEGIN`` from SQLAlchemy: aiosqlite pays a thread hop per call, and the
explicit form costs four more per transaction. The usual objection to the
driver's way (a read before the first write is outside the transaction)
does not bite here, because the writer lock already keeps every other
writer of this process out for the whole transaction.

The hot path's writes (``run_write``: a resource transition) go further on a
SQLite file: the whole transaction runs as plain synchronous SQLAlchemy on a
connection of its own, on the loop's thread, in no hop at all
(``services.store.sqlite_writer`` says why that is safe and faster than a
thread). The same writer lock covers it, so SQLite still sees one writer at
a time. On PostgreSQL (and an in-memory SQLite, which a second connection
could not see) the same function runs through ``AsyncConnection.run_sync``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Connection, event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from services.store.sqlite_writer import SqliteWriter
from shared.config import DatabaseSettings

LOG = logging.getLogger(__name__)

T = TypeVar("T")


def _sqlite_pragmas(busy_timeout_ms: int) -> Any:
    def on_connect(dbapi_conn: Any, _record: Any) -> None:
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.execute("PRAGMA foreign_keys=ON")
        # WAL + NORMAL: a commit survives a crash of the store, not a power cut; no fsync per commit.
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    return on_connect


class Database:
    """Owns the engine; hands out read and write sessions."""

    def __init__(self, settings: DatabaseSettings) -> None:
        url = make_url(settings.url)
        self.url = url
        self.is_sqlite = url.get_backend_name() == "sqlite"
        kwargs: dict[str, Any] = {"echo": settings.echo}
        on_file = self.is_sqlite and bool(url.database) and url.database != ":memory:"
        if self.is_sqlite:
            if on_file:
                assert url.database is not None
                Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        else:
            kwargs.update(pool_size=settings.pool_size, max_overflow=settings.pool_size, pool_pre_ping=True)
        self.engine: AsyncEngine = create_async_engine(url, **kwargs)
        if self.is_sqlite:
            sync_engine = self.engine.sync_engine
            event.listen(sync_engine, "connect", _sqlite_pragmas(settings.busy_timeout_ms))
        # run_write's own connections (SQLite files only; see services.store.sqlite_writer).
        self._writer = (
            SqliteWriter(url, settings.echo, _sqlite_pragmas, settings.busy_timeout_ms) if on_file else None
        )
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False, autoflush=False)
        self._write_lock: asyncio.Lock | None = asyncio.Lock() if self.is_sqlite else None

    @property
    def dialect(self) -> str:
        return self.url.get_backend_name()

    @contextlib.asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncSession]:
        """A session in a transaction that commits on success and rolls back on error."""
        lock = self._write_lock if self._write_lock is not None else contextlib.nullcontext()
        async with lock, self.sessions() as session, session.begin():
            yield session

    @contextlib.asynccontextmanager
    async def write_connection(self) -> AsyncIterator[AsyncConnection]:
        """Like ``write`` without the ORM: for the hot path's Core statements."""
        lock = self._write_lock if self._write_lock is not None else contextlib.nullcontext()
        async with lock, self.engine.begin() as conn:
            yield conn

    async def run_write(self, work: Callable[[Connection], T]) -> T:
        """``work(conn)`` (synchronous Core statements) as one write transaction: committed
        when it returns, rolled back when it raises (its exception is raised here)."""
        if self._writer is None or self._write_lock is None:
            async with self.write_connection() as conn:
                return await conn.run_sync(work)
        async with self._write_lock:
            return await self._writer.run(work)

    @contextlib.asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        """A session for queries only (SQLite readers do not queue behind writers)."""
        async with self.sessions() as session, session.begin():
            yield session

    async def dispose(self) -> None:
        await self.engine.dispose()
        if self._writer is not None:
            await self._writer.dispose()
