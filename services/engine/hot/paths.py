"""Paths into a template (``resources.web.properties.name``) and the errors that carry them.

Every error about a template value names where it is, so users can find it
without guessing; these helpers keep the spelling of paths uniform.
"""

from __future__ import annotations

from typing import Any

from shared.exceptions import StackValidationFailed


def join(path: str, key: Any) -> str:
    """Extend ``path`` by a map key (``a.b``) or a list index (``a[0]``)."""
    if isinstance(key, int) and not isinstance(key, bool):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else str(key)


def invalid(path: str, reason: str) -> StackValidationFailed:
    """A StackValidationFailed whose message is ``<path>: <reason>``."""
    return StackValidationFailed(path=path, reason=reason)


def type_name(value: Any) -> str:
    """A user-facing name for the type of a template value."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, dict):
        return "map"
    if isinstance(value, (list, tuple)):
        return "list"
    return type(value).__name__
