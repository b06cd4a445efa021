"""``python -m services.store`` / ``ember-store``: run the store, or ``db-sync`` the schema.

ember-store --config-file etc/ember.yaml [--debug]     serve topic "store"
ember-store --config-file etc/ember.yaml db-sync       upgrade the schema and exit
"""

from __future__ import annotations

import asyncio
import logging
import sys

from services.store.service import StoreService, db_sync
from shared import launcher
from shared.exceptions import ConfigError, EmberError

LOG = logging.getLogger("services.store")


def main(argv: list[str] | None = None) -> int:
    parser = launcher.parser("ember-store", "Ember's store service.")
    parser.add_argument("command", nargs="?", choices=["serve", "db-sync"], default="serve")
    args = parser.parse_args(argv)
    settings = launcher.load("ember-store", args)
    if settings is None:
        return 2
    try:
        if args.command == "db-sync":
            revision = asyncio.run(db_sync(settings))
            LOG.info("database schema at revision %s", revision)
        else:
            launcher.run(lambda: StoreService(settings))
    except ConfigError as exc:
        LOG.error("%s", exc)
        return 2
    except EmberError as exc:
        LOG.error("%s", exc)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
