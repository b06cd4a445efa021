"""``python -m services.api`` / ``ember-api``: serve the gateway with uvicorn.

ember-api --config-file etc/ember.yaml [--debug]
"""

from __future__ import annotations

import sys

import uvicorn

from services.api.app import create_app
from shared import launcher


def main(argv: list[str] | None = None) -> int:
    args = launcher.parser("ember-api", "Ember's HTTP gateway (Heat v1 API).").parse_args(argv)
    settings = launcher.load("ember-api", args)
    if settings is None:
        return 2
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
