"""What every service's ``__main__`` does: parse the common flags, load settings, set up logging.

Each service keeps only what is its own (its extra flags and how it serves);
``serve_until_signalled`` runs an async-context-manager service until SIGINT
or SIGTERM, then leaves the context, which stops it gracefully.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from typing import Any

from shared.config import Settings, load_settings
from shared.exceptions import ConfigError

LOG = logging.getLogger(__name__)


def parser(prog: str, description: str) -> argparse.ArgumentParser:
    """An argument parser with the flags every service takes."""
    result = argparse.ArgumentParser(prog=prog, description=description)
    result.add_argument("--config-file", help="YAML settings (default: $EMBER_CONFIG_FILE)")
    result.add_argument(
        "--debug", action="store_true", help="log at DEBUG level, every RPC dispatch included"
    )
    return result


def load(prog: str, args: argparse.Namespace) -> Settings | None:
    """Settings with logging set up; None (after saying why on stderr) when they are invalid."""
    from shared.log import setup_logging

    try:
        settings = load_settings(args.config_file)
    except ConfigError as exc:
        print(f"{prog}: {exc}", file=sys.stderr)
        return None
    setup_logging(debug=args.debug or settings.logging.debug, level=settings.logging.level)
    return settings


async def serve_until_signalled(service: AbstractAsyncContextManager[Any]) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    async with service:
        await stop.wait()
        LOG.info("stopping")


def run(make_service: Callable[[], AbstractAsyncContextManager[Any]]) -> None:
    asyncio.run(serve_until_signalled(make_service()))
