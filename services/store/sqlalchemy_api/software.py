"""Software configs and deployments: rows owned by a tenant directly (not through a stack).

A config is immutable; it cannot be deleted while a deployment refers to it.
A deployment is visible to its tenant and to its ``stack_user_project_id``
(the project a server signals from, as Heat scopes it).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, or_, select, update
from sqlalchemy.exc import IntegrityError

from services.store.models import SoftwareConfig, SoftwareDeployment, new_uuid, utcnow
from services.store.sqlalchemy_api.common import BackendBase
from shared.context import RequestContext
from shared.exceptions import Conflict, EmberError, NotFound
from shared.schemas.store import (
    SoftwareConfigCreate,
    SoftwareConfigRecord,
    SoftwareDeploymentCreate,
    SoftwareDeploymentRecord,
    SoftwareDeploymentValues,
)

_MAX_PAGE = 1000


def _config_not_found(config_id: str) -> NotFound:
    return NotFound(f"Software config with id {config_id} not found", what=f"Software config {config_id}")


def _deployment_not_found(deployment_id: str) -> NotFound:
    return NotFound(f"Deployment with id {deployment_id} not found", what=f"Deployment {deployment_id}")


class SoftwareQueries(BackendBase):
    @staticmethod
    def _own(ctxt: RequestContext, stmt: Any, tenant: Any) -> Any:
        if ctxt.is_admin:
            return stmt
        return stmt.where(tenant == (ctxt.project_id or ""))

    @staticmethod
    def _deployment_scope(ctxt: RequestContext, stmt: Any) -> Any:
        if ctxt.is_admin:
            return stmt
        project = ctxt.project_id or ""
        return stmt.where(
            or_(SoftwareDeployment.tenant == project, SoftwareDeployment.stack_user_project_id == project)
        )

    # --- configs ---------------------------------------------------------------------

    async def software_config_create(
        self, ctxt: RequestContext, values: SoftwareConfigCreate
    ) -> SoftwareConfigRecord:
        row = values.model_dump() | {
            "id": new_uuid(),
            "tenant": ctxt.project_id or "",
            "created_at": utcnow(),
        }
        async with self._write("software_config_create") as session:
            session.add(SoftwareConfig(**row))
        return SoftwareConfigRecord.model_validate(row)

    async def software_config_get(self, ctxt: RequestContext, config_id: str) -> SoftwareConfigRecord:
        async with self._read("software_config_get") as session:
            stmt = self._own(
                ctxt, select(SoftwareConfig).where(SoftwareConfig.id == config_id), SoftwareConfig.tenant
            )
            row = (await session.scalars(stmt)).one_or_none()
        if row is None:
            raise _config_not_found(config_id)
        return SoftwareConfigRecord.model_validate(row)

    async def software_config_get_all(
        self, ctxt: RequestContext, limit: int | None = None, marker: str | None = None
    ) -> list[SoftwareConfigRecord]:
        """Oldest first; ``marker`` (a config id) starts after that config."""
        async with self._read("software_config_get_all") as session:
            stmt = self._own(ctxt, select(SoftwareConfig), SoftwareConfig.tenant)
            if marker is not None:
                after = (
                    await session.scalars(
                        self._own(
                            ctxt,
                            select(SoftwareConfig).where(SoftwareConfig.id == marker),
                            SoftwareConfig.tenant,
                        )
                    )
                ).one_or_none()
                if after is None:
                    raise _config_not_found(marker)
                stmt = stmt.where(
                    or_(
                        SoftwareConfig.created_at > after.created_at,
                        (SoftwareConfig.created_at == after.created_at) & (SoftwareConfig.id > after.id),
                    )
                )
            stmt = stmt.order_by(SoftwareConfig.created_at, SoftwareConfig.id).limit(
                min(limit if limit is not None else _MAX_PAGE, _MAX_PAGE)
            )
            rows = (await session.scalars(stmt)).all()
        return [SoftwareConfigRecord.model_validate(r) for r in rows]

    async def software_config_delete(self, ctxt: RequestContext, config_id: str) -> None:
        async with self._write("software_config_delete") as session:
            found = (
                await session.scalars(
                    self._own(
                        ctxt,
                        select(SoftwareConfig.id).where(SoftwareConfig.id == config_id),
                        SoftwareConfig.tenant,
                    )
                )
            ).one_or_none()
            if found is None:
                raise _config_not_found(config_id)
            used = (
                await session.scalars(
                    select(SoftwareDeployment.id).where(SoftwareDeployment.config_id == config_id).limit(1)
                )
            ).first()
            if used is not None:
                raise Conflict(
                    f"Software config with id {config_id} can not be deleted as it is referenced.",
                    reason="referenced",
                )
            await session.execute(delete(SoftwareConfig).where(SoftwareConfig.id == config_id))

    # --- deployments -------------------------------------------------------------------

    async def software_deployment_create(
        self, ctxt: RequestContext, values: SoftwareDeploymentCreate
    ) -> SoftwareDeploymentRecord:
        now = utcnow()
        row: dict[str, Any] = {"input_values": {}, "output_values": {}, "created_at": now}
        row |= values.model_dump(exclude_none=True)
        row |= {"id": values.id or new_uuid(), "tenant": ctxt.project_id or ""}
        if values.config_id is None:
            raise NotFound("A deployment needs a config_id", what="config_id")
        async with self._write("software_deployment_create", on_conflict=self._deployment_exists) as session:
            await self._config_visible(session, ctxt, values.config_id)
            session.add(SoftwareDeployment(**row))
        return SoftwareDeploymentRecord.model_validate(row)

    @staticmethod
    def _deployment_exists(exc: IntegrityError) -> EmberError | None:
        return Conflict(reason="a deployment with that id exists")

    async def _config_visible(self, session: Any, ctxt: RequestContext, config_id: str) -> None:
        stmt = self._own(
            ctxt, select(SoftwareConfig.id).where(SoftwareConfig.id == config_id), SoftwareConfig.tenant
        )
        if (await session.scalars(stmt)).one_or_none() is None:
            raise _config_not_found(config_id)

    async def software_deployment_get(
        self, ctxt: RequestContext, deployment_id: str
    ) -> SoftwareDeploymentRecord:
        async with self._read("software_deployment_get") as session:
            stmt = self._deployment_scope(
                ctxt, select(SoftwareDeployment).where(SoftwareDeployment.id == deployment_id)
            )
            row = (await session.scalars(stmt)).one_or_none()
        if row is None:
            raise _deployment_not_found(deployment_id)
        return SoftwareDeploymentRecord.model_validate(row)

    async def software_deployment_get_all(
        self, ctxt: RequestContext, server_id: str | None = None
    ) -> list[SoftwareDeploymentRecord]:
        async with self._read("software_deployment_get_all") as session:
            stmt = self._deployment_scope(ctxt, select(SoftwareDeployment))
            if server_id is not None:
                stmt = stmt.where(SoftwareDeployment.server_id == server_id)
            rows = (
                await session.scalars(stmt.order_by(SoftwareDeployment.created_at).limit(_MAX_PAGE))
            ).all()
        return [SoftwareDeploymentRecord.model_validate(r) for r in rows]

    async def software_deployment_update(
        self, ctxt: RequestContext, deployment_id: str, values: SoftwareDeploymentValues
    ) -> SoftwareDeploymentRecord:
        data = values.model_dump(exclude_none=True)
        data.setdefault("updated_at", utcnow())
        async with self._write("software_deployment_update") as session:
            if values.config_id is not None:
                await self._config_visible(session, ctxt, values.config_id)
            stmt = self._deployment_scope(
                ctxt, update(SoftwareDeployment).where(SoftwareDeployment.id == deployment_id)
            )
            row = (await session.scalars(stmt.values(**data).returning(SoftwareDeployment))).one_or_none()
            if row is None:
                raise _deployment_not_found(deployment_id)
            record = SoftwareDeploymentRecord.model_validate(row)
        return record

    async def software_deployment_delete(self, ctxt: RequestContext, deployment_id: str) -> None:
        async with self._write("software_deployment_delete") as session:
            stmt = self._deployment_scope(
                ctxt, delete(SoftwareDeployment).where(SoftwareDeployment.id == deployment_id)
            )
            result = await session.execute(stmt)
            if result.rowcount == 0:  # type: ignore[attr-defined]
                raise _deployment_not_found(deployment_id)


__all__ = ["SoftwareQueries"]
