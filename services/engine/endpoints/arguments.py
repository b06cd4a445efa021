"""Checking and merging what stack RPC calls pass: environments and Heat's ``args`` options."""

from __future__ import annotations

import json
import logging
from typing import Any

from services.engine.hot.environment import Environment
from services.engine.model.stack import StackOptions
from shared.exceptions import BadRequest, InvalidTemplate, StackValidationFailed

LOG = logging.getLogger(__name__)


def merge_environment(
    base: dict[str, Any],
    params: Any,
    files: dict[str, str],
    environment_files: list[str] | None,
    clear_parameters: list[str] | None = None,
) -> dict[str, Any]:
    """``base`` (the stored environment of a PATCH, else empty), then each environment file, then
    ``params``, merged as Heat does; ``clear_parameters`` are dropped from ``base`` first, so their
    defaults apply again unless the request sets them anew."""
    if params is not None and not isinstance(params, dict):
        raise BadRequest(reason="params must be an environment (a map)")
    if base and clear_parameters:
        base = {key: dict(value) if isinstance(value, dict) else value for key, value in base.items()}
        for name in clear_parameters:
            for section in ("parameters", "parameter_defaults"):
                if isinstance(base.get(section), dict):
                    base[section].pop(name, None)
    layers: list[Any] = [base] if base else []
    for name in environment_files or []:
        if name not in files:
            raise InvalidTemplate(reason=f'Could not fetch environment file "{name}": it is not in files')
        layers.append(files[name])
    env = dict(params or {})
    if env.get("event_sinks"):
        LOG.warning("event_sinks in the environment are ignored")
    env.pop("event_sinks", None)
    layers.append(env)
    return Environment.merge(layers).to_dict() if layers else {}


def stack_options(args: dict[str, Any]) -> StackOptions:
    """timeout_mins, disable_rollback and tags from create_stack's ``args``, checked."""
    options = StackOptions()
    timeout = args.get("timeout_mins")
    if timeout not in (None, ""):
        try:
            options.timeout_mins = int(timeout)
        except (TypeError, ValueError):
            raise StackValidationFailed(path="timeout_mins", reason=f"{timeout!r} is not a number") from None
        if options.timeout_mins <= 0:
            raise StackValidationFailed(path="timeout_mins", reason="must be a positive number of minutes")
    rollback = args.get("disable_rollback", True)
    if isinstance(rollback, str):
        rollback = rollback.strip().lower() in ("true", "1", "yes", "on")
    options.disable_rollback = bool(rollback)
    tags = args.get("tags")
    if isinstance(tags, str):
        tags = [t.strip() for t in tags.split(",") if t.strip()]
    if tags is not None and not (isinstance(tags, list) and all(isinstance(t, str) for t in tags)):
        raise StackValidationFailed(
            path="tags", reason="must be a list of strings or a comma-separated string"
        )
    options.tags = list(tags or [])
    return options


def adopt_data(value: Any) -> dict[str, Any] | None:
    """``args["adopt_stack_data"]``: Heat's abandon data, as a map or its JSON text (heatclient's)."""
    if value in (None, "", {}):
        return None
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            raise BadRequest(reason="adopt_stack_data is not valid JSON") from None
    if not isinstance(value, dict) or not isinstance(value.get("resources", {}), dict):
        raise BadRequest(reason="adopt_stack_data must be a stack's abandon data (a map with resources)")
    return value
