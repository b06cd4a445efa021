"""One resource transition (+ its event) as one synchronous transaction: the per-call hot path.

``Database.run_write`` runs this in SQLite's writer thread (one thread hop for the whole
transaction) or through ``run_sync`` on PostgreSQL. The statements are built once per shape
(which columns the caller sets, how the caller is scoped) with bind parameters and kept, so
SQLAlchemy neither rebuilds them nor recomputes their cache keys per call; the tenant scope is a
bound value, not a literal baked into a new statement.

The rules are those of ``TransitionQueries.resource_transition`` (the docstring there): a
transition whose event uuid is stored already is answered from the stored rows; a missing or
foreign resource raises EntityNotFound and writes nothing; ``expected_metadata`` makes it a
compare-and-swap (Conflict when the metadata changed).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Literal, cast

from sqlalchemy import Connection, Executable, Table, bindparam, false, insert, select, update
from sqlalchemy.engine import RowMapping

from services.store.models import Event, Resource, Stack
from shared.context import RequestContext
from shared.exceptions import Conflict, EntityNotFound
from shared.schemas.store import EventRecord, EventValues, ResourceRecord, ResourceTransition

R = cast(Table, Resource.__table__)
E = cast(Table, Event.__table__)
S = cast(Table, Stack.__table__)

Scope = Literal["all", "none", "tenant"]

# Statements by (what, shape, scope); shapes are few (the fields a transition sets), but bound.
_STATEMENTS: dict[tuple[str, tuple[str, ...], Scope, bool], Any] = {}
_MAX_STATEMENTS = 512
_INSERT_EVENT = insert(E).returning(*E.c)


def scope_of(ctxt: RequestContext) -> Scope:
    """How the caller's rows are filtered (as ``BackendBase._tenant_clause``)."""
    if ctxt.is_admin:
        return "all"
    return "none" if ctxt.project_id is None else "tenant"


def _scoped(stmt: Any, column: Any, scope: Scope) -> Any:
    if scope == "all":
        return stmt
    if scope == "none":
        return stmt.where(false())
    return stmt.where(column.in_(select(S.c.id).where(S.c.tenant == bindparam("scope_tenant"))))


def _statement(what: str, keys: tuple[str, ...], scope: Scope, for_update: bool = False) -> Any:
    key = (what, keys, scope, for_update)
    stmt = _STATEMENTS.get(key)
    if stmt is not None:
        return stmt
    built: Executable
    if what == "update":
        built = _scoped(update(R).where(R.c.id == bindparam("rid")), R.c.stack_id, scope)
        built = built.values({k: bindparam(f"v_{k}") for k in keys}).returning(*R.c)  # type: ignore[attr-defined]
    elif what == "resource":
        built = _scoped(select(R).where(R.c.id == bindparam("rid")), R.c.stack_id, scope)
    elif what == "metadata":
        built = _scoped(select(R.c.rsrc_metadata).where(R.c.id == bindparam("rid")), R.c.stack_id, scope)
        if for_update:
            built = built.with_for_update()  # type: ignore[attr-defined]
    else:  # "event": a stored event by uuid
        built = _scoped(select(E).where(E.c.uuid == bindparam("uuid")), E.c.stack_id, scope)
    if len(_STATEMENTS) < _MAX_STATEMENTS:
        _STATEMENTS[key] = built
    return built


def transition(
    conn: Connection,
    ctxt: RequestContext,
    resource_id: int,
    data: dict[str, Any],
    event_row: dict[str, Any],
    event: EventValues | None,
    expected_metadata: dict[str, Any] | None,
    events_stored: Callable[[Connection, list[str]], Any] | None = None,
) -> ResourceTransition:
    """Apply ``data`` to the resource and insert its event; ``event_row`` is completed from the
    updated row by ``fill_event`` (the caller's fields win). ``events_stored`` runs in the same
    transaction once the event is in (the purge of a stack's oldest events)."""
    scope = scope_of(ctxt)
    base: dict[str, Any] = {"rid": resource_id}
    if scope == "tenant":
        base["scope_tenant"] = ctxt.project_id
    if event is not None and event.uuid is not None:
        made = conn.execute(_statement("event", (), scope), {**base, "uuid": event.uuid}).mappings().first()
        if made is not None:
            current = conn.execute(_statement("resource", (), scope), base).mappings().first()
            if current is None:
                raise EntityNotFound(entity="Resource", name=str(resource_id))
            return _record(current, made)
    if expected_metadata is not None:
        stmt = _statement("metadata", (), scope, for_update=conn.dialect.name != "sqlite")
        found = conn.execute(stmt, base).first()
        if found is None:
            raise EntityNotFound(entity="Resource", name=str(resource_id))
        if found[0] != expected_metadata:
            raise Conflict(reason=f"the metadata of resource {resource_id} changed meanwhile")
    keys = tuple(sorted(data))
    params = base | {f"v_{k}": data[k] for k in keys}
    row = conn.execute(_statement("update", keys, scope), params).mappings().first()
    if row is None:
        raise EntityNotFound(entity="Resource", name=str(resource_id))
    stored = conn.execute(_INSERT_EVENT, fill_event(event_row, row)).mappings().one()
    if events_stored is not None:
        events_stored(conn, [stored["stack_id"]])
    return _record(row, stored)


def fill_event(event_row: dict[str, Any], resource: RowMapping | Mapping[str, Any]) -> dict[str, Any]:
    """The event's row: what the resource is after the update, overridden by the caller's fields."""
    return {
        "stack_id": resource["stack_id"],
        "resource_name": resource["name"],
        "physical_resource_id": resource["physical_resource_id"],
        "resource_type": resource["type"],
        "resource_action": resource["action"],
        "resource_status": resource["status"],
        "resource_status_reason": resource["status_reason"],
        "resource_properties": {},
    } | event_row


def _record(resource: RowMapping, event: RowMapping) -> ResourceTransition:
    return ResourceTransition(
        resource=ResourceRecord.model_validate(dict(resource)), event=EventRecord.model_validate(dict(event))
    )
