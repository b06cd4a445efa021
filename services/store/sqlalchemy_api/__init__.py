"""The SQLAlchemy backend of the store's db api (``database.backend: sqlalchemy``).

The queries live in one mixin per subject; ``Backend`` puts them together
over one ``Database`` (engine + sessions) and one ``Crypt``.
"""

from __future__ import annotations

from services.store.crypt import Crypt
from services.store.engine import Database
from services.store.sqlalchemy_api.event_purge import EventPurger
from services.store.sqlalchemy_api.locks import LockQueries
from services.store.sqlalchemy_api.resources import ResourceQueries
from services.store.sqlalchemy_api.services import ServiceQueries
from services.store.sqlalchemy_api.snapshots import SnapshotQueries
from services.store.sqlalchemy_api.software import SoftwareQueries
from services.store.sqlalchemy_api.stack_state import StackStateQueries
from services.store.sqlalchemy_api.transitions import TransitionQueries
from shared.config import StoreSettings


class Backend(
    StackStateQueries,
    ResourceQueries,
    TransitionQueries,
    LockQueries,
    SnapshotQueries,
    ServiceQueries,
    SoftwareQueries,
):
    """Every db api method, context first, pydantic values in and records out."""

    async def dispose(self) -> None:
        await self.db.dispose()


def create_backend(db: Database, crypt: Crypt, settings: StoreSettings | None = None) -> Backend:
    """The backend; ``settings`` give it the store's limits (max_events_per_stack)."""
    settings = settings or StoreSettings()
    return Backend(db, crypt, EventPurger(settings.max_events_per_stack, settings.event_purge_batch_size))


__all__ = ["Backend", "create_backend"]
