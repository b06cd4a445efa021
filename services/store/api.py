"""The db api facade: which backend implements the store's queries.

As in Heat's ``db/api.py``, the implementation is chosen by name
(``database.backend``) through a mapping, so the endpoint and the service
never import a backend directly. A backend module offers
``create_backend(db, crypt, store_settings)`` returning an object with the db api methods
(``stack_create(ctxt, values)``, ``resource_transition(...)``, ...; see
``services.store.sqlalchemy_api``) and ``dispose()``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from services.store.crypt import Crypt
from services.store.engine import Database
from shared.config import Settings
from shared.exceptions import ConfigError

if TYPE_CHECKING:
    # The interface every backend offers, spelled out by the one we ship.
    from services.store.sqlalchemy_api import Backend as StoreBackend

__all__ = ["BACKENDS", "StoreBackend", "load_backend"]

BACKENDS: dict[str, str] = {"sqlalchemy": "services.store.sqlalchemy_api"}


def load_backend(settings: Settings, crypt: Crypt | None = None, db: Database | None = None) -> StoreBackend:
    """The configured backend over a fresh Database; ConfigError for an unknown backend name."""
    name = settings.database.backend
    if name not in BACKENDS:
        raise ConfigError(
            reason=f"database.backend {name!r} is unknown (known: {', '.join(sorted(BACKENDS))})"
        )
    module = importlib.import_module(BACKENDS[name])
    crypt = crypt or Crypt.from_settings(settings)
    backend: StoreBackend = module.create_backend(db or Database(settings.database), crypt, settings.store)
    return backend
