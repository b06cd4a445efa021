"""Stack snapshots: rows scoped through their stack's tenant, like everything else in the store."""

from __future__ import annotations

from sqlalchemy import delete, select, update

from services.store.models import Snapshot, new_uuid, utcnow
from services.store.sqlalchemy_api.common import BackendBase
from shared.context import RequestContext
from shared.exceptions import SnapshotNotFound
from shared.schemas.store import SnapshotRecord, SnapshotValues


class SnapshotQueries(BackendBase):
    async def snapshot_create(
        self, ctxt: RequestContext, stack_id: str, values: SnapshotValues
    ) -> SnapshotRecord:
        """A snapshot of a stack the caller can see (StackNotFound otherwise)."""
        row = {
            "id": new_uuid(),
            "stack_id": stack_id,
            "status": "IN_PROGRESS",
            "data": {},
            "created_at": utcnow(),
        }
        row |= values.model_dump(exclude_none=True)
        async with self._write("snapshot_create") as session:
            await self._get_stack(session, ctxt, stack_id)
            session.add(Snapshot(**row))
        return SnapshotRecord.model_validate(row)

    async def snapshot_get(self, ctxt: RequestContext, snapshot_id: str) -> SnapshotRecord:
        async with self._read("snapshot_get") as session:
            stmt = self._scoped(ctxt, select(Snapshot).where(Snapshot.id == snapshot_id), Snapshot.stack_id)
            row = (await session.scalars(stmt)).one_or_none()
        if row is None:
            raise SnapshotNotFound(snapshot=snapshot_id)
        return SnapshotRecord.model_validate(row)

    async def snapshot_get_all_by_stack(self, ctxt: RequestContext, stack_id: str) -> list[SnapshotRecord]:
        async with self._read("snapshot_get_all_by_stack") as session:
            await self._get_stack(session, ctxt, stack_id, show_deleted=True)
            stmt = select(Snapshot).where(Snapshot.stack_id == stack_id).order_by(Snapshot.created_at)
            rows = (await session.scalars(stmt)).all()
        return [SnapshotRecord.model_validate(r) for r in rows]

    async def snapshot_update(
        self, ctxt: RequestContext, snapshot_id: str, values: SnapshotValues
    ) -> SnapshotRecord:
        data = values.model_dump(exclude_none=True) | {"updated_at": utcnow()}
        async with self._write("snapshot_update") as session:
            stmt = self._scoped(ctxt, update(Snapshot).where(Snapshot.id == snapshot_id), Snapshot.stack_id)
            row = (await session.scalars(stmt.values(**data).returning(Snapshot))).one_or_none()
            if row is None:
                raise SnapshotNotFound(snapshot=snapshot_id)
            record = SnapshotRecord.model_validate(row)
        return record

    async def snapshot_delete(self, ctxt: RequestContext, snapshot_id: str) -> None:
        async with self._write("snapshot_delete") as session:
            stmt = self._scoped(ctxt, delete(Snapshot).where(Snapshot.id == snapshot_id), Snapshot.stack_id)
            result = await session.execute(stmt)
            if result.rowcount == 0:  # type: ignore[attr-defined]
                raise SnapshotNotFound(snapshot=snapshot_id)


__all__ = ["SnapshotQueries"]
