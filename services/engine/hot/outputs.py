"""Resolving outputs: lazily, and never failing the stack.

An output whose value cannot be computed (a failed resource, a missing
attribute, a bad function argument) is reported with a null value and the
reason in ``output_error``, as Heat does; it never raises.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from shared.exceptions import EmberError

from .definition import OutputDefinition
from .functions import resolve
from .resolver import UNRESOLVED, Resolver


def _plain(value: Any) -> Any:
    """UNRESOLVED anywhere becomes None: callers see JSON-ready data."""
    if value is UNRESOLVED:
        return None
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def resolve_output(output: OutputDefinition, resolver: Resolver) -> dict[str, Any]:
    """``{"output_key", "output_value", "description"}`` plus ``"output_error"`` on failure."""
    result: dict[str, Any] = {
        "output_key": output.name,
        "output_value": None,
        "description": output.description or "No description given",
    }
    if not output.enabled:
        return result
    try:
        result["output_value"] = _plain(resolve(output.value, resolver))
    except EmberError as exc:
        result["output_error"] = str(exc)
    except RecursionError:
        result["output_error"] = f"{output.path}: the value is nested too deeply"
    except Exception as exc:  # never fail the stack for an output, whatever the resolver raised
        result["output_error"] = f"{type(exc).__name__}: {exc}"
    return result


def resolve_outputs(outputs: Iterable[OutputDefinition], resolver: Resolver) -> list[dict[str, Any]]:
    """Every output, in template order."""
    return [resolve_output(o, resolver) for o in outputs]
