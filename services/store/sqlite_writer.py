"""The hot path's SQLite writes: one synchronous transaction on the event loop's own thread.

aiosqlite hands every execute, fetch, commit and pool check-out to its thread (about twenty
hops for a transition with its event, each a queue put, a thread wake-up and a loop wake-up).
A writer thread of our own doing the whole transaction in one hop is no better: its Python
work (SQLAlchemy, about half a millisecond) holds the GIL, and every system call of the loop
meanwhile (a socket send, ``os.urandom`` for a uuid) then waits for the interpreter's switch
interval (5 ms) to get the GIL back. So the transaction runs right on the loop's thread, on a
connection of its own, where it costs its CPU time and nothing else: in WAL mode with
``synchronous=NORMAL`` a commit writes the log without an fsync, and this process's writers
already queue on one asyncio lock (``engine.Database``), so nothing in the process can make it
wait on a database lock.

What could still make it wait is kept off the loop:

- another process holding SQLite's write lock (``db-sync``, an operator's sqlite3 shell): the
  loop's connection has no busy timeout, fails at once with SQLITE_BUSY, and the transaction
  (rolled back, so safe to run again) is run once more in a worker thread on a connection with
  the configured busy timeout;
- checkpoints, which fsync: the loop's connection does not checkpoint automatically; every
  ``CHECKPOINT_EVERY`` commits a passive checkpoint runs in the worker thread.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import URL
from sqlalchemy.exc import OperationalError

LOG = logging.getLogger(__name__)

T = TypeVar("T")

# Commits on the loop's connection between two passive checkpoints (SQLite's own default
# auto-checkpoint is at 1000 pages of log; a transition writes two or three pages).
CHECKPOINT_EVERY = 400

_BUSY_CODES = frozenset({sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED})


def is_busy(exc: OperationalError) -> bool:
    """Whether SQLite refused for a lock another connection holds (busy or locked)."""
    orig = exc.orig
    code = getattr(orig, "sqlite_errorcode", None)
    if isinstance(code, int):
        return code & 0xFF in _BUSY_CODES
    return "database is locked" in str(orig)


class SqliteWriter:
    """Runs ``work(conn)`` transactions on a SQLite file, on the loop (busy: in a thread)."""

    def __init__(self, url: URL, echo: bool, pragmas: Callable[[int], Any], busy_timeout_ms: int) -> None:
        sync_url = url.set(drivername="sqlite+pysqlite")
        self._inline = create_engine(sync_url, echo=echo, pool_size=1, max_overflow=0)
        event.listen(self._inline, "connect", pragmas(0))
        event.listen(self._inline, "connect", _no_autocheckpoint)
        self._threaded = create_engine(sync_url, echo=echo, pool_size=1, max_overflow=0)
        event.listen(self._threaded, "connect", pragmas(busy_timeout_ms))
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sqlite-writer")
        self._commits = 0
        self._checkpoint: asyncio.Future[None] | None = None

    async def run(self, work: Callable[[Connection], T]) -> T:
        """One transaction; the caller holds the process's SQLite writer lock.

        A caller cancelled while the transaction waits in the thread stops waiting, but this
        returns (and so the caller's lock is released) only once the transaction has ended.
        """
        try:
            result = self._transaction(self._inline, work)
        except OperationalError as exc:
            if not is_busy(exc):
                raise
            LOG.info("the database is locked by another process: this write waits in a thread")
            done = asyncio.wrap_future(self._executor.submit(self._transaction, self._threaded, work))
            try:
                return await asyncio.shield(done)
            except asyncio.CancelledError:
                await asyncio.wait([done])
                raise
        self._commits += 1
        if self._commits % CHECKPOINT_EVERY == 0 and (self._checkpoint is None or self._checkpoint.done()):
            self._checkpoint = asyncio.wrap_future(self._executor.submit(self._passive_checkpoint))
        return result

    @staticmethod
    def _transaction(engine: Engine, work: Callable[[Connection], T]) -> T:
        with engine.begin() as conn:
            return work(conn)

    def _passive_checkpoint(self) -> None:
        try:
            with self._threaded.connect() as conn:
                conn.execute(text("PRAGMA wal_checkpoint(PASSIVE)"))
        except Exception:  # a checkpoint that fails is tried again later; writes go on meanwhile
            LOG.warning("a passive checkpoint of the SQLite log failed", exc_info=True)

    async def dispose(self) -> None:
        if self._checkpoint is not None:
            await asyncio.wait([self._checkpoint])
        self._inline.dispose()
        # Closed in its own thread (its connection was made there).
        await asyncio.wrap_future(self._executor.submit(self._threaded.dispose))


def _no_autocheckpoint(dbapi_conn: Any, _record: Any) -> None:
    cursor = dbapi_conn.cursor()
    cursor.execute("PRAGMA wal_autocheckpoint=0")
    cursor.close()
