"""Engine heartbeats: one row per engine process, written every few seconds (admin only)."""

from __future__ import annotations

from sqlalchemy import select, update

from services.store.models import Service, utcnow
from services.store.sqlalchemy_api.common import BackendBase
from shared.context import RequestContext
from shared.exceptions import Forbidden
from shared.schemas.store import ServiceRecord, ServiceValues


class ServiceQueries(BackendBase):
    @staticmethod
    def _admin_only(ctxt: RequestContext) -> None:
        if not ctxt.is_admin:
            raise Forbidden(reason="engine services are an operator's business (admin only)")

    async def service_heartbeat(self, ctxt: RequestContext, values: ServiceValues) -> ServiceRecord:
        """Create or refresh the row of the engine ``values.engine_id`` (its id is the engine id)."""
        self._admin_only(ctxt)
        now = utcnow()
        async with self._write("service_heartbeat") as session:
            row = await session.get(Service, values.engine_id)
            if row is None:
                row = Service(id=values.engine_id, created_at=now, **values.model_dump())
                session.add(row)
            else:
                for key, value in values.model_dump().items():
                    setattr(row, key, value)
                row.deleted_at = None
            row.updated_at = now
            record = ServiceRecord.model_validate(row)
        return record

    async def service_get_all(self, ctxt: RequestContext) -> list[ServiceRecord]:
        self._admin_only(ctxt)
        async with self._read("service_get_all") as session:
            rows = (
                await session.scalars(
                    select(Service).where(Service.deleted_at.is_(None)).order_by(Service.created_at)
                )
            ).all()
        return [ServiceRecord.model_validate(r) for r in rows]

    async def service_delete(self, ctxt: RequestContext, engine_id: str) -> None:
        """Mark an engine's row deleted (it stopped cleanly)."""
        self._admin_only(ctxt)
        async with self._write("service_delete") as session:
            await session.execute(update(Service).where(Service.id == engine_id).values(deleted_at=utcnow()))
