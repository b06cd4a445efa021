"""Stack locks with Heat's semantics, each operation one atomic statement.

- create: the primary key decides. Exactly one INSERT of racing engines
  succeeds; the others read the holder's id. (If the holder releases between
  our failed insert and our read, we try again rather than report a lock
  nobody holds.)
- steal: compare-and-swap, ``UPDATE ... WHERE engine_id = <old>``.
- release: ``DELETE ... WHERE engine_id = <mine>``; one never frees another's lock.
"""

from __future__ import annotations

from sqlalchemy import delete, insert, select, update

from services.store.models import StackLock, utcnow
from services.store.sqlalchemy_api.common import BackendBase
from shared.context import RequestContext
from shared.exceptions import Conflict, EmberError

_ATTEMPTS = 5


class _Taken(EmberError):
    """Internal: the primary key said another engine got there first."""


class LockQueries(BackendBase):
    async def _check_stack(self, ctxt: RequestContext, stack_id: str) -> None:
        async with self._read("stack_lock") as session:
            await self._get_stack(session, ctxt, stack_id, show_deleted=True)

    async def stack_lock_create(self, ctxt: RequestContext, stack_id: str, engine_id: str) -> str | None:
        """None when this engine now holds the lock, else the holder's engine id."""
        await self._check_stack(ctxt, stack_id)
        for _ in range(_ATTEMPTS):
            try:
                async with self._write("stack_lock_create", lambda _exc: _Taken()) as session:
                    await session.execute(
                        insert(StackLock).values(stack_id=stack_id, engine_id=engine_id, created_at=utcnow())
                    )
                return None
            except _Taken:
                pass
            holder = await self._holder(stack_id)
            if holder is not None:
                return holder
        raise Conflict(reason=f"stack lock {stack_id} changed hands {_ATTEMPTS} times while acquiring it")

    async def stack_lock_steal(
        self, ctxt: RequestContext, stack_id: str, old_engine_id: str, new_engine_id: str
    ) -> str | bool | None:
        """None when stolen; the holder's engine id if another engine holds it; True if unlocked."""
        await self._check_stack(ctxt, stack_id)
        async with self._write("stack_lock_steal") as session:
            result = await session.execute(
                update(StackLock)
                .where(StackLock.stack_id == stack_id, StackLock.engine_id == old_engine_id)
                .values(engine_id=new_engine_id, created_at=utcnow())
            )
            if result.rowcount == 1:  # type: ignore[attr-defined]
                return None
            holder = await session.scalar(select(StackLock.engine_id).where(StackLock.stack_id == stack_id))
        return holder if holder is not None else True

    async def stack_lock_release(self, ctxt: RequestContext, stack_id: str, engine_id: str) -> bool | None:
        """None when released; True when this engine did not hold the lock (Heat's convention)."""
        await self._check_stack(ctxt, stack_id)
        async with self._write("stack_lock_release") as session:
            result = await session.execute(
                delete(StackLock).where(StackLock.stack_id == stack_id, StackLock.engine_id == engine_id)
            )
        return None if result.rowcount == 1 else True  # type: ignore[attr-defined]

    async def stack_lock_get_engine_id(self, ctxt: RequestContext, stack_id: str) -> str | None:
        """The holder's engine id; StackNotFound for a stack the caller may not see."""
        await self._check_stack(ctxt, stack_id)
        return await self._holder(stack_id)

    async def _holder(self, stack_id: str) -> str | None:
        """The lock row's engine id, for a stack already checked to be the caller's."""
        async with self._read("stack_lock_get_engine_id") as session:
            return await session.scalar(select(StackLock.engine_id).where(StackLock.stack_id == stack_id))
