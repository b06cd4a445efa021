"""Raw templates, user credentials and stacks."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from services.store import crypt as crypt_mod
from services.store.models import Event, RawTemplate, Resource, Stack, StackLock, UserCreds, new_uuid, utcnow
from services.store.sqlalchemy_api.common import (
    RESOURCE_DEFAULTS,
    BackendBase,
    insert_many,
    is_stack_name_conflict,
    stack_event,
)
from shared.context import RequestContext
from shared.exceptions import EmberError, EntityNotFound, InvalidInput, StackExists
from shared.schemas.store import (
    EventRecord,
    EventValues,
    RawTemplateCreate,
    RawTemplateRecord,
    ResourceCreate,
    ResourceRecord,
    StackCreate,
    StackRecord,
    StackValues,
    StoredStack,
    UserCredsRecord,
)


class StackQueries(BackendBase):
    # --- raw templates --------------------------------------------------------------

    async def raw_template_create(self, ctxt: RequestContext, values: RawTemplateCreate) -> RawTemplateRecord:
        async with self._write("raw_template_create") as session:
            row = await self._insert_raw_template(session, values)
        return RawTemplateRecord.model_validate(row)

    async def raw_template_get(self, ctxt: RequestContext, template_id: int) -> RawTemplateRecord:
        """Raises EntityNotFound; a tenant sees only templates of its own stacks (or unused ones)."""
        async with self._read("raw_template_get") as session:
            row = await session.get(RawTemplate, template_id)
            if row is not None and not ctxt.is_admin:
                owners = select(Stack.tenant).where(
                    (Stack.raw_template_id == template_id) | (Stack.prev_raw_template_id == template_id)
                )
                tenants = set((await session.scalars(owners)).all())
                if tenants and ctxt.project_id not in tenants:
                    row = None
        if row is None:
            raise EntityNotFound(entity="Template", name=str(template_id))
        return RawTemplateRecord.model_validate(row)

    @staticmethod
    async def _insert_raw_template(session: AsyncSession, values: RawTemplateCreate) -> RawTemplate:
        row = RawTemplate(**values.model_dump(), created_at=utcnow())
        session.add(row)
        await session.flush()
        return row

    # --- user credentials -------------------------------------------------------------

    def _creds_from_context(self, ctxt: RequestContext) -> UserCreds:
        return UserCreds(
            username=ctxt.user_name,
            user_id=ctxt.user_id,
            project_id=ctxt.project_id,
            project_name=ctxt.project_name,
            auth_token=self.crypt.encrypt(ctxt.auth_token),
            decrypt_method=crypt_mod.METHOD,
            created_at=utcnow(),
        )

    def _creds_record(self, row: UserCreds) -> UserCredsRecord:
        return UserCredsRecord(
            id=row.id,
            username=row.username,
            user_id=row.user_id,
            project_id=row.project_id,
            project_name=row.project_name,
            auth_token=self.crypt.decrypt(row.auth_token, row.decrypt_method),
            password=self.crypt.decrypt(row.password, row.decrypt_method),
            trust_id=row.trust_id,
            trustor_user_id=row.trustor_user_id,
            created_at=row.created_at,
        )

    async def user_creds_create(self, ctxt: RequestContext) -> UserCredsRecord:
        """Stores the caller's identity and token (encrypted)."""
        async with self._write("user_creds_create") as session:
            row = self._creds_from_context(ctxt)
            session.add(row)
        return self._creds_record(row)

    async def user_creds_get(self, ctxt: RequestContext, creds_id: int) -> UserCredsRecord:
        async with self._read("user_creds_get") as session:
            row = await session.get(UserCreds, creds_id)
        if row is None or not (ctxt.is_admin or row.project_id == ctxt.project_id):
            raise EntityNotFound(entity="User credentials", name=str(creds_id))
        return self._creds_record(row)

    async def user_creds_delete(self, ctxt: RequestContext, creds_id: int) -> None:
        async with self._write("user_creds_delete") as session:
            row = await session.get(UserCreds, creds_id)
            if row is None or not (ctxt.is_admin or row.project_id == ctxt.project_id):
                raise EntityNotFound(entity="User credentials", name=str(creds_id))
            await session.execute(
                update(Stack).where(Stack.user_creds_id == creds_id).values(user_creds_id=None)
            )
            await session.delete(row)

    # --- stacks -----------------------------------------------------------------------

    def _name_conflict(self, name: str) -> Any:
        def handler(exc: IntegrityError) -> EmberError | None:
            return StackExists(stack_name=name) if is_stack_name_conflict(exc) else None

        return handler

    async def _check_refs(self, session: AsyncSession, ctxt: RequestContext, values: StackValues) -> None:
        """Name the field when a stack would point at a missing (or foreign) row."""
        for field, model in (("raw_template_id", RawTemplate), ("prev_raw_template_id", RawTemplate)):
            ref = getattr(values, field)
            if ref is not None and await session.get(model, ref) is None:
                raise InvalidInput(field=field, reason=f"no raw_template {ref}")
        creds_id = getattr(values, "user_creds_id", None)
        if creds_id is not None and await session.get(UserCreds, creds_id) is None:
            raise InvalidInput(field="user_creds_id", reason=f"no user_creds {creds_id}")
        if values.owner_id is not None:
            owner = (
                await session.scalars(self._scoped_stacks(ctxt).where(Stack.id == values.owner_id))
            ).one_or_none()
            if owner is None:
                raise InvalidInput(field="owner_id", reason=f"no stack {values.owner_id}")

    async def _insert_stack(
        self, session: AsyncSession, ctxt: RequestContext, values: StackCreate, **extra: Any
    ) -> Stack:
        tenant = self._require_project(ctxt)
        data = values.model_dump(exclude_none=True)
        data.update(extra)
        if data.get("raw_template_id") is None:
            raise InvalidInput(field="raw_template_id", reason="is required")
        data.setdefault("username", ctxt.user_name)
        row = Stack(tenant=tenant, created_at=utcnow(), **data)
        session.add(row)
        await session.flush()
        return row

    async def stack_create(self, ctxt: RequestContext, values: StackCreate) -> StackRecord:
        """Raises StackExists when the tenant has a live stack of that name."""
        async with self._write("stack_create", self._name_conflict(values.name)) as session:
            await self._check_refs(session, ctxt, values)
            row = await self._insert_stack(session, ctxt, values)
        return StackRecord.model_validate(row)

    async def stack_store(
        self,
        ctxt: RequestContext,
        raw_template: RawTemplateCreate,
        stack: StackCreate,
        store_creds: bool = True,
        lock_engine_id: str | None = None,
    ) -> StackRecord:
        """Template, credentials and stack in one transaction: all of them or none.

        With ``lock_engine_id`` the new stack's lock is taken for that engine
        in the same transaction, so the stack never exists unlocked before
        its first action starts.
        """
        stored = await self.stack_store_with_resources(ctxt, raw_template, stack, store_creds, lock_engine_id)
        return stored.stack

    async def stack_store_with_resources(
        self,
        ctxt: RequestContext,
        raw_template: RawTemplateCreate,
        stack: StackCreate,
        store_creds: bool = True,
        lock_engine_id: str | None = None,
        resources: Sequence[ResourceCreate] = (),
        event: EventValues | None = None,
    ) -> StoredStack:
        """``stack_store`` plus the stack's resource rows and its first event, in the same
        transaction: a new stack is then one write, whatever its size."""
        async with self._write("stack_store", self._name_conflict(stack.name)) as session:
            await self._check_refs(session, ctxt, stack.model_copy(update={"raw_template_id": None}))
            template = await self._insert_raw_template(session, raw_template)
            extra: dict[str, Any] = {"raw_template_id": template.id}
            if store_creds:
                creds = self._creds_from_context(ctxt)
                session.add(creds)
                await session.flush()
                extra["user_creds_id"] = creds.id
            row = await self._insert_stack(session, ctxt, stack, **extra)
            if lock_engine_id is not None:
                session.add(StackLock(stack_id=row.id, engine_id=lock_engine_id, created_at=utcnow()))
            now = utcnow()
            created = []
            if resources:
                rows = [
                    RESOURCE_DEFAULTS
                    | values.model_dump(exclude_none=True)
                    | {"stack_id": row.id, "created_at": now, "uuid": new_uuid()}
                    for values in resources
                ]
                created = await insert_many(await session.connection(), Resource.__table__, rows)
            first: Event | None = None
            if event is not None:
                first = Event(**stack_event(row, event), uuid=new_uuid(), created_at=now)
                session.add(first)
            await session.flush()
        return StoredStack(
            stack=StackRecord.model_validate(row),
            resources=[ResourceRecord.model_validate(dict(r)) for r in created],
            event=EventRecord.model_validate(first) if first is not None else None,
        )

    async def stack_get(self, ctxt: RequestContext, stack_id: str, show_deleted: bool = False) -> StackRecord:
        async with self._read("stack_get") as session:
            row = await self._get_stack(session, ctxt, stack_id, show_deleted)
        return StackRecord.model_validate(row)

    async def stack_get_by_name(self, ctxt: RequestContext, name: str) -> StackRecord:
        async with self._read("stack_get_by_name") as session:
            stmt = self._scoped_stacks(ctxt).where(Stack.name == name).order_by(Stack.created_at)
            if ctxt.project_id:
                # Names are unique per project only: even an admin looks one up in its own
                # project (as Heat does), never in whichever project happens to have it.
                stmt = stmt.where(Stack.tenant == ctxt.project_id)
            row = (await session.scalars(stmt.limit(1))).first()
        if row is None:
            raise EntityNotFound(entity="Stack", name=name)
        return StackRecord.model_validate(row)
