"""What every part of the SQLAlchemy backend shares: tenant scoping, error translation, paging.

Tenant scoping lives here, in one place, so that no query can forget it: a
stack of another tenant is filtered out by the query itself and so looks
exactly like a missing one. Database errors are translated here too: a
caller sees an EmberError, never a driver exception or SQL text.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from typing import Any, TypeVar

from pydantic import BaseModel
from sqlalchemy import ColumnElement, Select, and_, false, insert, or_, select
from sqlalchemy.engine import RowMapping
from sqlalchemy.exc import DBAPIError, IntegrityError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from services.store.crypt import Crypt
from services.store.engine import Database
from services.store.models import STACK_NAME_INDEX, Stack
from services.store.sqlalchemy_api.event_purge import EventPurger
from shared import metrics
from shared.context import RequestContext
from shared.exceptions import DatabaseError, EmberError, InvalidInput, StackNotFound
from shared.schemas.store import EventValues

LOG = logging.getLogger("services.store.db")

ConflictHandler = Callable[[IntegrityError], EmberError | None]
T = TypeVar("T")


def is_stack_name_conflict(exc: IntegrityError) -> bool:
    text = str(exc.orig)
    return STACK_NAME_INDEX in text or "stack.tenant, stack.name" in text


class RepeatedWrite(EmberError):
    """A transition's event uuid was stored meanwhile by a concurrent copy of the same write (a
    retry racing its first attempt): the transaction rolled back; answer from what is stored."""

    msg_fmt = "the write {operation} was made meanwhile by another copy of it"


async def once_more_if_repeated(write: Callable[[], Awaitable[T]]) -> T:
    """``write()``; again if a concurrent copy of it committed first (RepeatedWrite): the second
    run finds that copy's event and answers from it."""
    try:
        return await write()
    except RepeatedWrite:
        return await write()


def repeated_write(operation: str) -> ConflictHandler:
    def handle(exc: IntegrityError) -> EmberError | None:
        text = str(exc.orig)
        if "uq_event_uuid" in text or "event.uuid" in text:
            return RepeatedWrite(operation=operation)
        return None

    return handle


def non_null_values(model: Any, values: BaseModel) -> dict[str, Any]:
    """The keys a caller set; InvalidInput naming the field when it nulls a NOT NULL column."""
    data = values.model_dump(exclude_unset=True)
    columns = model.__table__.columns
    for key, value in data.items():
        if value is None and key in columns and not columns[key].nullable:
            raise InvalidInput(field=key, reason="may not be null")
    return data


def any_of(column: Any, value: str | Sequence[str] | None) -> ColumnElement[bool] | None:
    """``column = value`` or ``column IN (values)``; None when there is nothing to filter."""
    if value is None:
        return None
    if isinstance(value, str):
        clause: ColumnElement[bool] = column == value
        return clause
    values = list(value)
    clause_in: ColumnElement[bool] = column.in_(values) if values else false()
    return clause_in


def apply_filters(stmt: Select[Any], model: Any, filters: dict[str, Any]) -> Select[Any]:
    for key, value in filters.items():
        clause = any_of(getattr(model, key), value)
        if clause is not None:
            stmt = stmt.where(clause)
    return stmt


def after_marker(sort: Sequence[tuple[Any, str]], marker_values: Sequence[Any]) -> ColumnElement[bool]:
    """Rows strictly after the marker in the (lexicographic) sort order, as oslo.db pages."""
    alternatives = []
    for i, (expr, direction) in enumerate(sort):
        equal = [sort[j][0] == marker_values[j] for j in range(i)]
        beyond = expr > marker_values[i] if direction == "asc" else expr < marker_values[i]
        alternatives.append(and_(*equal, beyond))
    return or_(*alternatives)


def order_by(stmt: Select[Any], sort: Sequence[tuple[Any, str]]) -> Select[Any]:
    return stmt.order_by(*(expr.asc() if d == "asc" else expr.desc() for expr, d in sort))


async def insert_many(conn: AsyncConnection, table: Any, rows: list[dict[str, Any]]) -> list[RowMapping]:
    """Insert rows (each with its ``uuid``) and return them as stored, in the order given.

    A plain executemany and one SELECT by uuid: ``INSERT ... RETURNING`` in a
    guaranteed order would make SQLAlchemy send SQLite one statement per row.
    """
    await conn.execute(insert(table), rows)
    uuids = [row["uuid"] for row in rows]
    stored = (await conn.execute(select(table).where(table.c.uuid.in_(uuids)))).mappings().all()
    by_uuid = {row["uuid"]: row for row in stored}
    return [by_uuid[u] for u in uuids]


class BackendBase:
    """State and helpers the query mixins share."""

    def __init__(self, db: Database, crypt: Crypt, events: EventPurger | None = None) -> None:
        self.db = db
        self.crypt = crypt
        self.events = events or EventPurger()  # max_events_per_stack: call ``stored`` after inserts

    # --- sessions with error translation ---------------------------------------

    @contextlib.asynccontextmanager
    async def _translate(
        self, operation: str, on_conflict: ConflictHandler | None = None
    ) -> AsyncIterator[None]:
        """Turns whatever the database raised into an EmberError (after the rollback)."""
        try:
            yield
        except EmberError:
            raise
        except IntegrityError as exc:
            err = on_conflict(exc) if on_conflict else None
            if err is not None:
                raise err from None
            LOG.warning("%s violated a constraint: %s", operation, exc.orig)
            raise InvalidInput(
                field=operation, reason="refers to a row that does not exist or conflicts"
            ) from None
        except (SQLAlchemyError, DBAPIError, OSError) as exc:
            raise _database_failure(operation, exc) from None

    @staticmethod
    @contextlib.asynccontextmanager
    async def _timed(operation: str) -> AsyncIterator[None]:
        """Counts and times one transaction (``ember_store_transactions_total``, ``_seconds``)."""
        started = time.monotonic()
        result = "error"
        try:
            yield
            result = "ok"
        finally:
            metrics.STORE_SECONDS.labels(operation).observe(time.monotonic() - started)
            metrics.STORE_TRANSACTIONS.labels(operation, result).inc()

    @contextlib.asynccontextmanager
    async def _write(
        self, operation: str, on_conflict: ConflictHandler | None = None
    ) -> AsyncIterator[AsyncSession]:
        """A write transaction; any failure rolls everything back and becomes an EmberError."""
        async with (
            self._timed(operation),
            self._translate(operation, on_conflict),
            self.db.write() as session,
        ):
            yield session

    @contextlib.asynccontextmanager
    async def _write_conn(
        self, operation: str, on_conflict: ConflictHandler | None = None
    ) -> AsyncIterator[AsyncConnection]:
        """A write transaction on a bare connection (Core statements, no ORM bookkeeping)."""
        async with (
            self._timed(operation),
            self._translate(operation, on_conflict),
            self.db.write_connection() as conn,
        ):
            yield conn

    @contextlib.asynccontextmanager
    async def _read(self, operation: str) -> AsyncIterator[AsyncSession]:
        try:
            async with self._timed(operation), self.db.read() as session:
                yield session
        except EmberError:
            raise
        except (SQLAlchemyError, DBAPIError, OSError) as exc:
            raise _database_failure(operation, exc) from None

    # --- tenant scoping -----------------------------------------------------------

    @staticmethod
    def _tenant_clause(ctxt: RequestContext) -> ColumnElement[bool] | None:
        if ctxt.is_admin:
            return None
        if ctxt.project_id is None:
            return false()
        return Stack.tenant == ctxt.project_id

    def _scoped_stacks(self, ctxt: RequestContext, show_deleted: bool = False) -> Select[Any]:
        stmt = select(Stack)
        clause = self._tenant_clause(ctxt)
        if clause is not None:
            stmt = stmt.where(clause)
        if not show_deleted:
            stmt = stmt.where(Stack.deleted_at.is_(None))
        return stmt

    def _visible_stack_ids(self, ctxt: RequestContext) -> Select[Any] | None:
        """Ids of the stacks the caller may touch, as a subquery; None for an admin."""
        clause = self._tenant_clause(ctxt)
        if clause is None:
            return None
        return select(Stack.id).where(clause)

    def _scope(self, ctxt: RequestContext, column: Any) -> Any:
        """A clause keeping rows (resources, events, snapshots) of the stacks the caller may see."""
        visible = self._visible_stack_ids(ctxt)
        return None if visible is None else column.in_(visible)

    def _scoped(self, ctxt: RequestContext, stmt: Any, column: Any) -> Any:
        clause = self._scope(ctxt, column)
        return stmt if clause is None else stmt.where(clause)

    async def _get_stack(
        self, session: AsyncSession, ctxt: RequestContext, stack_id: str, show_deleted: bool = False
    ) -> Stack:
        stmt = self._scoped_stacks(ctxt, show_deleted).where(Stack.id == stack_id)
        stack: Stack | None = (await session.scalars(stmt)).one_or_none()
        if stack is None:
            raise StackNotFound(name=stack_id)
        return stack

    @staticmethod
    def _require_project(ctxt: RequestContext) -> str:
        if not ctxt.project_id:
            raise InvalidInput(field="context.project_id", reason="a project is required to create a stack")
        return ctxt.project_id


RESOURCE_DEFAULTS: dict[str, Any] = {
    "action": "INIT",
    "status": "COMPLETE",
    "status_reason": None,
    "physical_resource_id": None,
    "properties_data": {},
    "attributes": {},
    "data": {},
    "rsrc_metadata": {},
    "depends_on": [],
    "replaces": None,
    "replaced_by": None,
    "current_template_id": None,
}

STACK_EVENT_TYPE = "OS::Heat::Stack"


def stack_event(stack: Any, event: EventValues) -> dict[str, Any]:
    """A stack's event row: what the caller said, the rest from the stack as it is now."""
    data: dict[str, Any] = {
        "stack_id": stack.id,
        "resource_name": stack.name,
        "physical_resource_id": stack.id,
        "resource_type": STACK_EVENT_TYPE,
        "resource_action": stack.action,
        "resource_status": stack.status,
        "resource_status_reason": stack.status_reason,
        "resource_properties": {},
    }
    data.update(event.model_dump(exclude_none=True))
    return data


def _database_failure(operation: str, exc: BaseException) -> EmberError:
    """A data error (SQLSTATE class 22: NUL in text, value too long, bad number) is the
    caller's input: InvalidInput (400). Anything else is ours: DatabaseError, logged."""
    orig = getattr(exc, "orig", None)
    sqlstate = str(getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None) or "")
    if sqlstate.startswith("22"):
        LOG.info("%s rejected a value: %s", operation, orig)
        return InvalidInput(
            field=operation, reason="a value is not acceptable to the database (too long, or holds NUL)"
        )
    LOG.error("%s failed", operation, exc_info=exc)
    return DatabaseError(operation=operation)
