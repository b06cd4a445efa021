"""``python -m services.engine`` / ``ember-engine``: run one engine.

ember-engine --config-file etc/ember.yaml [--debug] [--engine-id ID]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys

from services.engine.app import EngineApp
from shared.config import load_settings
from shared.exceptions import ConfigError, EmberError
from shared.log import setup_logging

LOG = logging.getLogger("services.engine")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ember-engine", description="Ember's orchestration engine.")
    parser.add_argument("--config-file", help="YAML settings (default: $EMBER_CONFIG_FILE)")
    parser.add_argument("--debug", action="store_true", help="log at DEBUG level")
    parser.add_argument("--engine-id", help="this engine's id (default: a fresh uuid)")
    return parser


async def _serve(app: EngineApp) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    async with app:
        await stop.wait()
        LOG.info("stopping")


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = load_settings(args.config_file)
    except ConfigError as exc:
        print(f"ember-engine: {exc}", file=sys.stderr)
        return 2
    setup_logging(debug=args.debug or settings.logging.debug, level=settings.logging.level)
    try:
        asyncio.run(_serve(EngineApp(settings, engine_id=args.engine_id)))
    except EmberError as exc:
        LOG.error("%s", exc)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
