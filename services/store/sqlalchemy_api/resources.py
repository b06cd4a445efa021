"""Resources and events, including the engine's hot path (a transition plus its event).

A resource belongs to a tenant through its stack, so each statement carries
``stack_id IN (stacks of the tenant)``: the update of a foreign resource
matches no row and reads as "not found", without a separate check query.
"""

from __future__ import annotations

from sqlalchemy import Select, delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.store.models import Event, Resource, Stack, StackLock, new_uuid, utcnow
from services.store.sqlalchemy_api.common import (
    RESOURCE_DEFAULTS,
    BackendBase,
    after_marker,
    apply_filters,
    insert_many,
    non_null_values,
    order_by,
)
from shared.context import RequestContext
from shared.exceptions import EntityNotFound, EventNotFound, InvalidInput
from shared.schemas.store import (
    EventCreate,
    EventFilters,
    EventQuery,
    EventRecord,
    ResourceCreate,
    ResourceFilters,
    ResourceRecord,
    ResourceValues,
)

_NO_SYNC = {"synchronize_session": False}
# Every bulk row carries every column, so the rows go to the database as one executemany.


def _resource_not_found(resource_id: int | str) -> EntityNotFound:
    return EntityNotFound(entity="Resource", name=str(resource_id))


class ResourceQueries(BackendBase):
    # --- resources ---------------------------------------------------------------------

    async def resource_create(
        self, ctxt: RequestContext, stack_id: str, values: ResourceCreate
    ) -> ResourceRecord:
        return (await self.resource_create_many(ctxt, stack_id, [values]))[0]

    async def resource_create_many(
        self, ctxt: RequestContext, stack_id: str, values: list[ResourceCreate]
    ) -> list[ResourceRecord]:
        """All rows in one statement and one transaction, returned in the order given."""
        if not values:
            return []
        now = utcnow()
        rows = [
            RESOURCE_DEFAULTS
            | v.model_dump(exclude_none=True)
            | {"stack_id": stack_id, "created_at": now, "uuid": new_uuid()}
            for v in values
        ]
        async with self._write("resource_create_many") as session:
            await self._get_stack(session, ctxt, stack_id)
            created = await insert_many(await session.connection(), Resource.__table__, rows)
        return [ResourceRecord.model_validate(dict(r)) for r in created]

    async def stack_count_nested_resources(self, ctxt: RequestContext, stack_id: str) -> int:
        """The resource rows of every live stack below ``stack_id`` (its nested stacks, theirs, ...),
        not its own: the part of Heat's ``total_resources`` of a root that its own template does
        not show. One recursive query over ``stack.owner_id``."""
        async with self._read("stack_count_nested_resources") as session:
            await self._get_stack(session, ctxt, stack_id, show_deleted=True)
            below = (
                select(Stack.id)
                .where(Stack.owner_id == stack_id, Stack.deleted_at.is_(None))
                .cte("below", recursive=True)
            )
            below = below.union_all(
                select(Stack.id).where(Stack.owner_id == below.c.id, Stack.deleted_at.is_(None))
            )
            stmt = select(func.count(Resource.id)).where(Resource.stack_id.in_(select(below.c.id)))
            return int((await session.execute(stmt)).scalar_one())

    async def resource_get(self, ctxt: RequestContext, resource_id: int) -> ResourceRecord:
        async with self._read("resource_get") as session:
            stmt = self._scoped(ctxt, select(Resource).where(Resource.id == resource_id), Resource.stack_id)
            row = (await session.scalars(stmt)).one_or_none()
        if row is None:
            raise _resource_not_found(resource_id)
        return ResourceRecord.model_validate(row)

    async def resource_get_all_by_stack(
        self, ctxt: RequestContext, stack_id: str, filters: ResourceFilters | None = None
    ) -> list[ResourceRecord]:
        """The stack's resources in creation order; StackNotFound if the stack is not visible."""
        async with self._read("resource_get_all_by_stack") as session:
            await self._get_stack(session, ctxt, stack_id, show_deleted=True)
            stmt = select(Resource).where(Resource.stack_id == stack_id)
            stmt = apply_filters(stmt, Resource, (filters or ResourceFilters()).model_dump(exclude_none=True))
            rows = (await session.scalars(stmt.order_by(Resource.id))).all()
        return [ResourceRecord.model_validate(r) for r in rows]

    async def resource_get_stranded(self, ctxt: RequestContext, limit: int = 500) -> list[ResourceRecord]:
        """Resources IN_PROGRESS in stacks that are not (settled, live, unlocked): nothing is working
        on them, so their state is one a lost write or a crash left. The caller's stacks only."""
        async with self._read("resource_get_stranded") as session:
            locked = select(StackLock.stack_id)
            settled = (
                self._scoped_stacks(ctxt)
                .where(Stack.status != "IN_PROGRESS", Stack.id.not_in(locked))
                .with_only_columns(Stack.id)
            )
            stmt = (
                select(Resource)
                .where(Resource.status == "IN_PROGRESS", Resource.stack_id.in_(settled))
                .order_by(Resource.id)
                .limit(limit)
            )
            rows = (await session.scalars(stmt)).all()
        return [ResourceRecord.model_validate(r) for r in rows]

    async def _update_resource(
        self, session: AsyncSession, ctxt: RequestContext, resource_id: int, values: ResourceValues
    ) -> Resource:
        data = non_null_values(Resource, values)
        data["updated_at"] = utcnow()
        stmt = self._scoped(ctxt, update(Resource).where(Resource.id == resource_id), Resource.stack_id)
        row: Resource | None = (
            await session.scalars(stmt.values(**data).returning(Resource), execution_options=_NO_SYNC)
        ).one_or_none()
        if row is None:
            raise _resource_not_found(resource_id)
        return row

    async def resource_update(
        self, ctxt: RequestContext, resource_id: int, values: ResourceValues
    ) -> ResourceRecord:
        async with self._write("resource_update") as session:
            row = await self._update_resource(session, ctxt, resource_id, values)
        return ResourceRecord.model_validate(row)

    async def resource_delete(self, ctxt: RequestContext, resource_id: int) -> None:
        async with self._write("resource_delete") as session:
            stmt = self._scoped(ctxt, delete(Resource).where(Resource.id == resource_id), Resource.stack_id)
            result = await session.execute(stmt, execution_options=_NO_SYNC)
            if result.rowcount == 0:  # type: ignore[attr-defined]
                raise _resource_not_found(resource_id)

    # --- events ------------------------------------------------------------------------

    async def event_create(self, ctxt: RequestContext, values: EventCreate) -> EventRecord:
        async with self._write("event_create") as session:
            await self._get_stack(session, ctxt, values.stack_id, show_deleted=True)
            data = values.model_dump(exclude_none=True)
            stmt = insert(Event).values(created_at=utcnow(), **data).returning(Event)
            row = (await session.scalars(stmt)).one()
            await self.events.stored(await session.connection(), [values.stack_id])
        return EventRecord.model_validate(row)

    async def event_get(self, ctxt: RequestContext, event_id: str) -> EventRecord:
        """By uuid (as Heat's API addresses events)."""
        async with self._read("event_get") as session:
            stmt = self._scoped(ctxt, select(Event).where(Event.uuid == event_id), Event.stack_id)
            row = (await session.scalars(stmt)).one_or_none()
        if row is None:
            raise EventNotFound(name=event_id)
        return EventRecord.model_validate(row)

    def _events(self, stack_ids: str | list[str], filters: EventFilters | None) -> Select[tuple[Event]]:
        ids = [stack_ids] if isinstance(stack_ids, str) else stack_ids
        where = Event.stack_id == ids[0] if len(ids) == 1 else Event.stack_id.in_(ids)
        stmt = select(Event).where(where)
        return apply_filters(stmt, Event, (filters or EventFilters()).model_dump(exclude_none=True))

    async def event_get_all_by_stack(
        self, ctxt: RequestContext, stack_id: str, query: EventQuery | None = None
    ) -> list[EventRecord]:
        """A page of a stack's events (and its listed nested stacks'); marker is an event uuid.

        A marker not found is refused (InvalidInput), unless the order is by time and one of the stacks holds
        ``max_events_per_stack`` events or more: then it was purged (see ``event_purge``), so it
        was older than every event kept: oldest first the page starts at the oldest kept event
        (a stream's catch-up loses nothing), newest first it is empty (nothing older is left).
        """
        query = query or EventQuery()
        keys = [k for k in query.sort_keys or ["created_at"] if k != "id"]
        sort = [(getattr(Event, k), query.direction) for k in keys] + [(Event.id, query.direction)]
        async with self._read("event_get_all_by_stack") as session:
            await self._get_stack(session, ctxt, stack_id, show_deleted=True)
            stack_ids = [stack_id]
            extra = [i for i in dict.fromkeys(query.nested_stack_ids) if i != stack_id]
            if extra:
                visible = self._scoped_stacks(ctxt, show_deleted=True).where(Stack.id.in_(extra))
                stack_ids += list((await session.scalars(visible.with_only_columns(Stack.id))).all())
            stmt = self._events(stack_ids, query.filters)
            if query.marker is not None:
                marker_stmt = select(*(e for e, _ in sort)).where(
                    Event.uuid == query.marker, Event.stack_id.in_(stack_ids)
                )
                marker = (await session.execute(marker_stmt)).one_or_none()
                if marker is not None:
                    stmt = stmt.where(after_marker(sort, tuple(marker)))
                elif keys != ["created_at"] or not await self.events.holds_purged(
                    await session.connection(), stack_ids
                ):
                    raise InvalidInput(field="marker", reason=f"no event {query.marker} in stack {stack_id}")
                elif query.direction != "asc":
                    return []
            stmt = order_by(stmt, sort)
            if query.limit is not None:
                stmt = stmt.limit(query.limit)
            rows = (await session.scalars(stmt)).all()
        return [EventRecord.model_validate(r) for r in rows]

    async def event_count_all_by_stack(
        self, ctxt: RequestContext, stack_id: str, filters: EventFilters | None = None
    ) -> int:
        async with self._read("event_count_all_by_stack") as session:
            await self._get_stack(session, ctxt, stack_id, show_deleted=True)
            sub = self._events(stack_id, filters).with_only_columns(Event.id).subquery()
            return int((await session.execute(select(func.count()).select_from(sub))).scalar_one())
