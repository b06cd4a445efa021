"""Values made JSON-safe for storing or sending, keeping dicts, lists and scalars as they are."""

from __future__ import annotations

from typing import Any


def plain_json(value: Any) -> Any:
    """Dicts (keys as text), lists, tuples and sets recurse; scalars stay; anything else becomes its text."""
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, dict):
        return {str(k): plain_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [plain_json(v) for v in value]
    return str(value)
