"""``python -m services.engine`` / ``ember-engine``: run one engine.

ember-engine --config-file etc/ember.yaml [--debug] [--engine-id ID]
"""

from __future__ import annotations

import logging
import sys

from services.engine.app import EngineApp
from shared import launcher
from shared.exceptions import EmberError

LOG = logging.getLogger("services.engine")


def main(argv: list[str] | None = None) -> int:
    parser = launcher.parser("ember-engine", "Ember's orchestration engine.")
    parser.add_argument("--engine-id", help="this engine's id (default: engine.engine_id or a fresh uuid)")
    args = parser.parse_args(argv)
    settings = launcher.load("ember-engine", args)
    if settings is None:
        return 2
    try:
        launcher.run(lambda: EngineApp(settings, engine_id=args.engine_id))
    except EmberError as exc:
        LOG.error("%s", exc)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
