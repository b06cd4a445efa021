"""``python -m services.store`` / ``ember-store``: run the store, or ``db-sync`` the schema.

ember-store --config-file etc/ember.yaml [--debug]     serve topic "store"
ember-store --config-file etc/ember.yaml db-sync       upgrade the schema and exit
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys

from services.store.service import StoreService, db_sync
from shared.config import load_settings
from shared.exceptions import ConfigError, EmberError
from shared.log import setup_logging

LOG = logging.getLogger("services.store")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ember-store", description="Ember's store service.")
    parser.add_argument("--config-file", help="YAML settings (default: $EMBER_CONFIG_FILE)")
    parser.add_argument("--debug", action="store_true", help="log at DEBUG level")
    parser.add_argument("command", nargs="?", choices=["serve", "db-sync"], default="serve")
    return parser


async def _serve(service: StoreService) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    async with service:
        await stop.wait()
        LOG.info("stopping")


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = load_settings(args.config_file)
    except ConfigError as exc:
        print(f"ember-store: {exc}", file=sys.stderr)
        return 2
    setup_logging(debug=args.debug or settings.logging.debug, level=settings.logging.level)
    try:
        if args.command == "db-sync":
            revision = asyncio.run(db_sync(settings))
            LOG.info("database schema at revision %s", revision)
        else:
            asyncio.run(_serve(StoreService(settings)))
    except ConfigError as exc:
        LOG.error("%s", exc)
        return 2
    except EmberError as exc:
        LOG.error("%s", exc)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
