"""The engine's hot path: resource state changes with their events, in Core SQL.

A transition whose event names a ``uuid`` already stored was made before (a
retry of a write whose answer was lost): it is answered from the stored rows
and not applied again, so the engine may retry any transition safely.

One transition is two statements in one transaction: ``UPDATE resource ...
RETURNING *`` scoped to the tenant's stacks, then ``INSERT INTO event ...
RETURNING *`` filled from the updated row, run as one synchronous
transaction (``transition_one``: statements built once, one thread hop on
SQLite). Core statements on a bare connection skip the ORM's unit of work.

A batch (``resource_transition_many``) is one transaction for any number of
transitions: one executemany UPDATE per shape of values, one SELECT of the
changed rows, one multi-row INSERT of the events, so its cost barely grows
with its size. It is all or nothing: one unknown resource and nothing changes.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any, cast

from sqlalchemy import Table, bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from services.store.models import Event, Resource, new_uuid, utcnow
from services.store.sqlalchemy_api import transition_one
from services.store.sqlalchemy_api.common import (
    BackendBase,
    insert_many,
    non_null_values,
    once_more_if_repeated,
    repeated_write,
)
from shared.context import RequestContext
from shared.exceptions import EntityNotFound
from shared.schemas.store import (
    EventRecord,
    EventValues,
    ResourceRecord,
    ResourceTransition,
    ResourceTransitionItem,
    ResourceValues,
)

R = cast(Table, Resource.__table__)
E = cast(Table, Event.__table__)


def _event_row(resource: Mapping[str, Any], event: EventValues | None, now: Any) -> dict[str, Any]:
    """The event of a transition: what the caller said, the rest from the resource after it."""
    given: dict[str, Any] = {"uuid": new_uuid(), "created_at": now}
    if event is not None:
        given.update(event.model_dump(exclude_none=True))
    return transition_one.fill_event(given, resource)


def _answer(resource: Mapping[str, Any], event: Mapping[str, Any]) -> ResourceTransition:
    """The answer to a transition made before: the row as it is now, the event as stored."""
    return ResourceTransition(
        resource=ResourceRecord.model_validate(dict(resource)), event=EventRecord.model_validate(dict(event))
    )


class TransitionQueries(BackendBase):
    def _resource_scope(self, ctxt: RequestContext) -> Any:
        visible = self._visible_stack_ids(ctxt)
        return None if visible is None else R.c.stack_id.in_(visible)

    async def resource_transition(
        self,
        ctxt: RequestContext,
        resource_id: int,
        values: ResourceValues,
        event: EventValues | None = None,
        expected_metadata: dict[str, Any] | None = None,
    ) -> ResourceTransition:
        """Update the resource and record its event: two statements, one commit.

        Event fields left out come from the resource as it is after the update.
        Raises EntityNotFound (and writes nothing) for a missing or foreign resource.
        With ``expected_metadata`` the write is a compare-and-swap: a row whose
        metadata is no longer that raises Conflict and nothing is written (a signal
        merges into the metadata it read; a concurrent one must not be lost).
        """
        return await once_more_if_repeated(
            lambda: self._transition_once(ctxt, resource_id, values, event, expected_metadata)
        )

    async def _transition_once(
        self,
        ctxt: RequestContext,
        resource_id: int,
        values: ResourceValues,
        event: EventValues | None,
        expected_metadata: dict[str, Any] | None,
    ) -> ResourceTransition:
        now = utcnow()
        data = non_null_values(Resource, values) | {"updated_at": now}
        event_row = {"uuid": new_uuid(), "created_at": now}
        if event is not None:
            event_row.update(event.model_dump(exclude_none=True))
        # One synchronous transaction (transition_one): one thread hop on SQLite.
        async with (
            self._timed("resource_transition"),
            self._translate("resource_transition", repeated_write("resource_transition")),
        ):
            return await self.db.run_write(
                lambda conn: transition_one.transition(
                    conn,
                    ctxt,
                    resource_id,
                    data,
                    event_row,
                    event,
                    expected_metadata,
                    self.events.stored_sync,
                )
            )

    async def resource_transition_many(
        self, ctxt: RequestContext, items: Sequence[ResourceTransitionItem]
    ) -> list[ResourceTransition]:
        """Many transitions in one transaction, results in the order given; all or nothing.

        A resource may appear several times (IN_PROGRESS then COMPLETE): each
        event sees the resource as it was after its own step, and the row is
        written once, with its final values. Items whose event was stored before
        are answered from the stored rows, the rest applied.
        """
        if not items:
            return []
        return await once_more_if_repeated(lambda: self._transition_many_once(ctxt, items))

    async def _transition_many_once(
        self, ctxt: RequestContext, items: Sequence[ResourceTransitionItem]
    ) -> list[ResourceTransition]:
        now = utcnow()
        async with self._write_conn(
            "resource_transition_many", repeated_write("resource_transition_many")
        ) as conn:
            current = await self._load_for_update(conn, ctxt, {item.resource_id for item in items})
            made = {ev["uuid"]: ev for ev in await self._made_before(conn, ctxt, [i.event for i in items])}
            if not made:
                return await self._apply_many(conn, current, items, now)
            answers = {
                i: _answer(current[item.resource_id], made[item.event.uuid])
                for i, item in enumerate(items)
                if item.event is not None and item.event.uuid in made
            }
            todo = [item for i, item in enumerate(items) if i not in answers]
            fresh = iter(await self._apply_many(conn, current, todo, now) if todo else [])
            return [answers[i] if i in answers else next(fresh) for i in range(len(items))]

    async def _made_before(
        self, conn: AsyncConnection, ctxt: RequestContext, events: Sequence[EventValues | None]
    ) -> list[dict[str, Any]]:
        """The stored events among these (by the uuids the caller gave), in the caller's stacks."""
        uuids = [e.uuid for e in events if e is not None and e.uuid is not None]
        if not uuids:
            return []
        stmt = select(E).where(E.c.uuid.in_(uuids))
        visible = self._visible_stack_ids(ctxt)
        if visible is not None:
            stmt = stmt.where(E.c.stack_id.in_(visible))
        return [dict(row) for row in (await conn.execute(stmt)).mappings().all()]

    async def _apply_many(
        self,
        conn: AsyncConnection,
        current: dict[int, dict[str, Any]],
        items: Sequence[ResourceTransitionItem],
        now: Any,
    ) -> list[ResourceTransition]:
        datas = [non_null_values(Resource, item.values) | {"updated_at": now} for item in items]
        steps: list[dict[str, Any]] = []
        for item, data in zip(items, datas, strict=True):
            current[item.resource_id] = {**current[item.resource_id], **data}
            steps.append(current[item.resource_id])
        final: dict[int, dict[str, Any]] = {}
        for item, data in zip(items, datas, strict=True):
            final.setdefault(item.resource_id, {}).update(data)
        await self._update_rows(conn, final)
        events = [_event_row(step, item.event, now) for step, item in zip(steps, items, strict=True)]
        event_rows = await insert_many(conn, E, events)
        await self.events.stored(conn, [ev["stack_id"] for ev in events])
        return [
            ResourceTransition(
                resource=ResourceRecord.model_validate(step), event=EventRecord.model_validate(dict(ev))
            )
            for step, ev in zip(steps, event_rows, strict=True)
        ]

    async def _load_for_update(
        self, conn: AsyncConnection, ctxt: RequestContext, ids: set[int]
    ) -> dict[int, dict[str, Any]]:
        """The rows as they are, by id; EntityNotFound (nothing written) if one is missing or foreign."""
        stmt = select(R).where(R.c.id.in_(ids))
        scope = self._resource_scope(ctxt)
        if scope is not None:
            stmt = stmt.where(scope)
        rows = {row["id"]: dict(row) for row in (await conn.execute(stmt)).mappings().all()}
        missing = sorted(ids - rows.keys())
        if missing:
            raise EntityNotFound(entity="Resource", name=str(missing[0]))
        return rows

    @staticmethod
    async def _update_rows(conn: AsyncConnection, values_by_id: dict[int, dict[str, Any]]) -> None:
        """One executemany UPDATE per shape of values."""
        shapes: dict[tuple[str, ...], list[dict[str, Any]]] = defaultdict(list)
        for resource_id, data in values_by_id.items():
            shapes[tuple(sorted(data))].append(
                {"b_id": resource_id, **{f"b_{k}": v for k, v in data.items()}}
            )
        for keys, params in shapes.items():
            stmt = update(R).where(R.c.id == bindparam("b_id")).values({k: bindparam(f"b_{k}") for k in keys})
            await conn.execute(stmt, params)
