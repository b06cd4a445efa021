"""The engine's hot path: resource state changes with their events, in Core SQL.

One transition is two statements in one transaction: ``UPDATE resource ...
RETURNING *`` scoped to the tenant's stacks, then ``INSERT INTO event ...
RETURNING *`` filled from the updated row. Core statements on a bare
connection skip the ORM's unit of work, which is most of the cost here.

A batch (``resource_transition_many``) is one transaction for any number of
transitions: one executemany UPDATE per shape of values, one SELECT of the
changed rows, one multi-row INSERT of the events, so its cost barely grows
with its size. It is all or nothing: one unknown resource and nothing changes.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any, cast

from sqlalchemy import Table, bindparam, insert, select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from services.store.models import Event, Resource, new_uuid, utcnow
from services.store.sqlalchemy_api.common import BackendBase, insert_many, non_null_values
from shared.context import RequestContext
from shared.exceptions import EntityNotFound, InvalidInput
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


def _event_row(resource: RowMapping, event: EventValues | None, now: Any) -> dict[str, Any]:
    """The event of a transition: what the caller said, the rest from the resource after it."""
    row = {
        "uuid": new_uuid(),
        "stack_id": resource["stack_id"],
        "resource_name": resource["name"],
        "physical_resource_id": resource["physical_resource_id"],
        "resource_type": resource["type"],
        "resource_action": resource["action"],
        "resource_status": resource["status"],
        "resource_status_reason": resource["status_reason"],
        "resource_properties": {},
        "created_at": now,
    }
    if event is not None:
        row.update(event.model_dump(exclude_none=True))
    return row


class TransitionQueries(BackendBase):
    def _resource_scope(self, ctxt: RequestContext) -> Any:
        visible = self._visible_stack_ids(ctxt)
        return None if visible is None else R.c.stack_id.in_(visible)

    async def _transition_one(
        self, conn: AsyncConnection, ctxt: RequestContext, resource_id: int, data: dict[str, Any]
    ) -> RowMapping:
        stmt = update(R).where(R.c.id == resource_id)
        scope = self._resource_scope(ctxt)
        if scope is not None:
            stmt = stmt.where(scope)
        row = (await conn.execute(stmt.values(**data).returning(*R.c))).mappings().one_or_none()
        if row is None:
            raise EntityNotFound(entity="Resource", name=str(resource_id))
        return row

    async def resource_transition(
        self,
        ctxt: RequestContext,
        resource_id: int,
        values: ResourceValues,
        event: EventValues | None = None,
    ) -> ResourceTransition:
        """Update the resource and record its event: two statements, one commit.

        Event fields left out come from the resource as it is after the update.
        Raises EntityNotFound (and writes nothing) for a missing or foreign resource.
        """
        now = utcnow()
        data = non_null_values(Resource, values) | {"updated_at": now}
        async with self._write_conn("resource_transition") as conn:
            row = await self._transition_one(conn, ctxt, resource_id, data)
            event_row = (
                (await conn.execute(insert(E).values(**_event_row(row, event, now)).returning(*E.c)))
                .mappings()
                .one()
            )
        return ResourceTransition(
            resource=ResourceRecord.model_validate(dict(row)),
            event=EventRecord.model_validate(dict(event_row)),
        )

    async def resource_transition_many(
        self, ctxt: RequestContext, items: Sequence[ResourceTransitionItem]
    ) -> list[ResourceTransition]:
        """Many transitions in one transaction, results in the order given; all or nothing."""
        if not items:
            return []
        now = utcnow()
        datas = [non_null_values(Resource, item.values) | {"updated_at": now} for item in items]
        ids = [item.resource_id for item in items]
        async with self._write_conn("resource_transition_many") as conn:
            if len(set(ids)) != len(ids):
                # The same resource twice: each event must see its own step, so go one by one.
                rows = [await self._transition_one(conn, ctxt, i, d) for i, d in zip(ids, datas, strict=True)]
            else:
                rows = await self._transition_batch(conn, ctxt, ids, datas)
            events = [_event_row(row, item.event, now) for row, item in zip(rows, items, strict=True)]
            event_rows = await insert_many(conn, E, events)
        return [
            ResourceTransition(
                resource=ResourceRecord.model_validate(dict(row)), event=EventRecord.model_validate(dict(ev))
            )
            for row, ev in zip(rows, event_rows, strict=True)
        ]

    async def _transition_batch(
        self, conn: AsyncConnection, ctxt: RequestContext, ids: list[int], datas: list[dict[str, Any]]
    ) -> list[RowMapping]:
        check = select(R.c.id).where(R.c.id.in_(ids))
        scope = self._resource_scope(ctxt)
        if scope is not None:
            check = check.where(scope)
        found = set((await conn.execute(check)).scalars().all())
        missing = [i for i in ids if i not in found]
        if missing:
            raise EntityNotFound(entity="Resource", name=str(missing[0]))
        shapes: dict[tuple[str, ...], list[dict[str, Any]]] = defaultdict(list)
        for resource_id, data in zip(ids, datas, strict=True):
            shapes[tuple(sorted(data))].append(
                {"b_id": resource_id, **{f"b_{k}": v for k, v in data.items()}}
            )
        for keys, params in shapes.items():
            stmt = update(R).where(R.c.id == bindparam("b_id")).values({k: bindparam(f"b_{k}") for k in keys})
            await conn.execute(stmt, params)
        by_id = {
            row["id"]: row for row in (await conn.execute(select(R).where(R.c.id.in_(ids)))).mappings().all()
        }
        if len(by_id) != len(ids):
            raise InvalidInput(field="transitions", reason="a resource vanished during the batch")
        return [by_id[i] for i in ids]
