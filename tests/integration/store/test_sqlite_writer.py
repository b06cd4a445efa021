"""The hot path's SQLite writes (services.store.sqlite_writer): on the loop, or in a thread when
another process holds the database's write lock, and checkpointed."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import Connection, text

from services.store import sqlite_writer
from services.store.engine import Database
from shared.config import DatabaseSettings


@pytest.fixture
async def sqlite_db(tmp_path: Path) -> AsyncIterator[tuple[Database, Path]]:
    path = tmp_path / "w.sqlite"
    db = Database(DatabaseSettings(url=f"sqlite+aiosqlite:///{path}", busy_timeout_ms=5000))
    async with db.engine.begin() as conn:
        await conn.execute(text("CREATE TABLE t (v TEXT NOT NULL)"))
    yield db, path
    await db.dispose()


def _insert(value: str) -> object:
    def work(conn: Connection) -> str:
        conn.execute(text("INSERT INTO t (v) VALUES (:v)"), {"v": value})
        return value

    return work


async def _values(db: Database) -> list[str]:
    async with db.engine.connect() as conn:
        return [row[0] for row in await conn.execute(text("SELECT v FROM t ORDER BY v"))]


async def test_write_waits_in_a_thread_while_another_process_holds_the_lock(
    sqlite_db: tuple[Database, Path], caplog: pytest.LogCaptureFixture
) -> None:
    db, path = sqlite_db
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    other.execute("INSERT INTO t (v) VALUES ('other')")
    with caplog.at_level(logging.INFO, logger="services.store.sqlite_writer"):
        write = asyncio.create_task(db.run_write(_insert("ours")))  # type: ignore[arg-type]
        await asyncio.sleep(0.2)  # the loop keeps running meanwhile: this sleep returns
        other.execute("COMMIT")
        other.close()
        assert await asyncio.wait_for(write, 10) == "ours"
    assert "locked by another process" in caplog.text
    assert await _values(db) == ["other", "ours"]


async def test_a_failed_write_writes_nothing(sqlite_db: tuple[Database, Path]) -> None:
    db, _ = sqlite_db

    def work(conn: Connection) -> None:
        conn.execute(text("INSERT INTO t (v) VALUES ('half')"))
        raise ValueError("changed my mind")

    with pytest.raises(ValueError):
        await db.run_write(work)
    assert await _values(db) == []


async def test_log_is_checkpointed_every_checkpoint_every_commits(
    sqlite_db: tuple[Database, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    db, _ = sqlite_db
    monkeypatch.setattr(sqlite_writer, "CHECKPOINT_EVERY", 3)
    for i in range(3):
        await db.run_write(_insert(f"v{i}"))  # type: ignore[arg-type]
    writer = db._writer
    assert writer is not None and writer._checkpoint is not None
    await asyncio.wait_for(writer._checkpoint, 10)
    ran: list[bool] = []
    monkeypatch.setattr(writer, "_passive_checkpoint", lambda: ran.append(True))
    for i in range(3, 5):
        await db.run_write(_insert(f"v{i}"))  # type: ignore[arg-type]
    assert ran == []  # not before the next multiple of CHECKPOINT_EVERY
    await db.run_write(_insert("v5"))  # type: ignore[arg-type]
    await asyncio.wait_for(writer._checkpoint, 10)
    assert ran == [True]
    assert await _values(db) == [f"v{i}" for i in range(6)]
