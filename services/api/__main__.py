"""``python -m services.api`` / ``ember-api``: serve the gateway with uvicorn.

ember-api --config-file etc/ember.yaml [--debug]
"""

from __future__ import annotations

import sys

from services.api.app import create_app
from services.api.serving import GatewayServer, uvicorn_config
from shared import launcher


def main(argv: list[str] | None = None) -> int:
    args = launcher.parser("ember-api", "Ember's HTTP gateway (Heat v1 API).").parse_args(argv)
    settings = launcher.load("ember-api", args)
    if settings is None:
        return 2
    app = create_app(settings)
    GatewayServer(uvicorn_config(app, settings.api), before_shutdown=app.state.gateway.close_streams).run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
