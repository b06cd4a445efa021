"""Listing, counting, changing and deleting stacks; the stack half of the hot path."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, and_, delete, func, insert, or_, select, type_coerce, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.types import Text

from services.store.models import Event, Resource, Stack, UserCreds, utcnow
from services.store.sqlalchemy_api.common import (
    BackendBase,
    after_marker,
    apply_filters,
    non_null_values,
    once_more_if_repeated,
    order_by,
    repeated_write,
    stack_event,
)
from services.store.sqlalchemy_api.stacks import StackQueries
from shared.context import RequestContext
from shared.exceptions import EmberError, InvalidInput, StackNotFound
from shared.schemas.store import (
    EventRecord,
    EventValues,
    StackQuery,
    StackRecord,
    StackTransition,
    StackValues,
)


def _like_tag(tag: str) -> Any:
    escaped = tag.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return type_coerce(Stack.tags, Text).like(f"%,{escaped},%", escape="\\")


def _sort_expr(key: str) -> Any:
    if key == "updated_at":
        # A stack never updated sorts by its creation time rather than as NULL.
        return func.coalesce(Stack.updated_at, Stack.created_at)
    return getattr(Stack, key)


class StackStateQueries(StackQueries, BackendBase):
    def _listing(self, ctxt: RequestContext, query: StackQuery) -> Select[Any]:
        stmt = self._scoped_stacks(ctxt, query.show_deleted)
        stmt = apply_filters(stmt, Stack, query.filters.model_dump(exclude_none=True))
        if not query.show_nested and query.filters.owner_id is None:
            stmt = stmt.where(Stack.owner_id.is_(None))
        for tag in query.tags or []:
            stmt = stmt.where(_like_tag(tag))
        if query.tags_any:
            stmt = stmt.where(or_(*[_like_tag(t) for t in query.tags_any]))
        no_tags = Stack.tags.is_(None)
        if query.not_tags:
            # Heat: exclude stacks carrying ALL of these tags.
            all_of = [_like_tag(t) for t in query.not_tags]
            stmt = stmt.where(or_(no_tags, ~and_(*all_of)))
        if query.not_tags_any:
            stmt = stmt.where(or_(no_tags, ~or_(*[_like_tag(t) for t in query.not_tags_any])))
        return stmt

    async def stack_get_all(self, ctxt: RequestContext, query: StackQuery) -> list[StackRecord]:
        """A page of stacks; raises InvalidInput when the marker is not a visible stack."""
        sort = [(_sort_expr(k), query.sort_dir) for k in query.sort_keys or ["created_at"]]
        if "id" not in (query.sort_keys or []):
            sort.append((Stack.id, query.sort_dir))
        async with self._read("stack_get_all") as session:
            stmt = self._listing(ctxt, query)
            if query.marker is not None:
                marker_stmt = select(*(expr for expr, _ in sort)).where(Stack.id == query.marker)
                clause = self._tenant_clause(ctxt)
                if clause is not None:
                    marker_stmt = marker_stmt.where(clause)
                marker = (await session.execute(marker_stmt)).one_or_none()
                if marker is None:
                    raise InvalidInput(field="marker", reason=f"no stack {query.marker}")
                stmt = stmt.where(after_marker(sort, tuple(marker)))
            stmt = order_by(stmt, sort)
            if query.limit is not None:
                stmt = stmt.limit(query.limit)
            rows = (await session.scalars(stmt)).all()
        return [StackRecord.model_validate(r) for r in rows]

    async def stack_count_all(self, ctxt: RequestContext, query: StackQuery) -> int:
        async with self._read("stack_count_all") as session:
            sub = self._listing(ctxt, query).with_only_columns(Stack.id).subquery()
            return int((await session.execute(select(func.count()).select_from(sub))).scalar_one())

    async def stack_state_counts(self, ctxt: RequestContext) -> list[dict[str, Any]]:
        """How many live stacks (nested ones included) the context sees, by action and status."""
        async with self._read("stack_state_counts") as session:
            stmt = select(Stack.action, Stack.status, func.count()).where(Stack.deleted_at.is_(None))
            clause = self._tenant_clause(ctxt)
            if clause is not None:
                stmt = stmt.where(clause)
            rows = (await session.execute(stmt.group_by(Stack.action, Stack.status))).all()
        return [{"action": a, "status": s, "count": int(n)} for a, s, n in rows]

    async def _update_stack(
        self, session: AsyncSession, ctxt: RequestContext, stack_id: str, values: StackValues
    ) -> Stack:
        data = non_null_values(Stack, values)
        await self._check_refs(session, ctxt, values)
        stmt = update(Stack).where(Stack.id == stack_id, Stack.deleted_at.is_(None)).values(**data)
        clause = self._tenant_clause(ctxt)
        if clause is not None:
            stmt = stmt.where(clause)
        row = (
            await session.scalars(stmt.returning(Stack), execution_options={"synchronize_session": False})
        ).one_or_none()
        if row is None:
            raise StackNotFound(name=stack_id)
        return row

    async def stack_update(self, ctxt: RequestContext, stack_id: str, values: StackValues) -> StackRecord:
        """Sets the given columns; StackNotFound for a missing, foreign or deleted stack."""
        name = values.name or ""
        async with self._write("stack_update", self._name_conflict(name)) as session:
            row = await self._update_stack(session, ctxt, stack_id, values)
        return StackRecord.model_validate(row)

    async def stack_delete(self, ctxt: RequestContext, stack_id: str) -> None:
        """Soft delete: the row stays readable with show_deleted; resources and credentials go."""
        async with self._write("stack_delete") as session:
            stack = await self._get_stack(session, ctxt, stack_id)
            now = utcnow()
            creds_id = stack.user_creds_id
            await session.execute(delete(Resource).where(Resource.stack_id == stack_id))
            await session.execute(
                update(Stack).where(Stack.id == stack_id).values(deleted_at=now, user_creds_id=None),
                execution_options={"synchronize_session": False},
            )
            if creds_id is not None:
                await session.execute(delete(UserCreds).where(UserCreds.id == creds_id))

    async def stack_transition(
        self, ctxt: RequestContext, stack_id: str, values: StackValues, event: EventValues | None = None
    ) -> StackTransition:
        """The stack's new state and its event, in one transaction; a transition whose event
        (by the uuid the caller gave) is stored already is answered as it stands, not made again."""
        return await once_more_if_repeated(lambda: self._stack_transition_once(ctxt, stack_id, values, event))

    async def _stack_transition_once(
        self, ctxt: RequestContext, stack_id: str, values: StackValues, event: EventValues | None
    ) -> StackTransition:
        name = values.name or ""
        names, repeats = self._name_conflict(name), repeated_write("stack_transition")

        def conflict(exc: IntegrityError) -> EmberError | None:
            return names(exc) or repeats(exc)

        async with self._write("stack_transition", conflict) as session:
            if event is not None and event.uuid is not None:
                made = (
                    await session.scalars(
                        select(Event).where(Event.uuid == event.uuid, Event.stack_id == stack_id)
                    )
                ).one_or_none()
                if made is not None:
                    stack = await self._get_stack(session, ctxt, stack_id, show_deleted=True)
                    return StackTransition(
                        stack=StackRecord.model_validate(stack), event=EventRecord.model_validate(made)
                    )
            row = await self._update_stack(session, ctxt, stack_id, values)
            data = stack_event(row, event or EventValues())
            event_row = (
                await session.scalars(insert(Event).values(created_at=utcnow(), **data).returning(Event))
            ).one()
            await self.events.stored(await session.connection(), [stack_id])
        return StackTransition(
            stack=StackRecord.model_validate(row), event=EventRecord.model_validate(event_row)
        )
