"""``python -m services.api`` / ``ember-api``: serve the gateway with uvicorn.

ember-api --config-file etc/ember.yaml [--debug]
"""

from __future__ import annotations

import argparse
import sys

import uvicorn

from services.api.app import create_app
from shared.config import load_settings
from shared.exceptions import ConfigError
from shared.log import setup_logging


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ember-api", description="Ember's HTTP gateway (Heat v1 API).")
    parser.add_argument("--config-file", help="YAML settings (default: $EMBER_CONFIG_FILE)")
    parser.add_argument("--debug", action="store_true", help="log at DEBUG level")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = load_settings(args.config_file)
    except ConfigError as exc:
        print(f"ember-api: {exc}", file=sys.stderr)
        return 2
    setup_logging(debug=args.debug or settings.logging.debug, level=settings.logging.level)
    app = create_app(settings)
    # log_config=None keeps our handler (with request ids) instead of uvicorn's; the
    # gateway writes its own access lines (services.api.access), so uvicorn's are off.
    uvicorn.run(
        app,
        host=settings.api.bind_host,
        port=settings.api.bind_port,
        log_config=None,
        access_log=False,
        proxy_headers=True,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
