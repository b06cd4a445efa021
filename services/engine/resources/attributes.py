"""Attribute schemas and the path walk behind ``get_attr``.

Attributes are what ``get_attr`` can read from a resource. A plugin declares
them so that validation can reject a misspelt attribute before anything is
created, and so that ``resource_types/{type}`` can document them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

STRING: Final = "string"
INTEGER: Final = "integer"
NUMBER: Final = "number"
BOOLEAN: Final = "boolean"
MAP: Final = "map"
LIST: Final = "list"

SHOW: Final = "show"


@dataclass(frozen=True)
class Attribute:
    """One readable attribute; ``type`` is None when it can be anything."""

    description: str = ""
    type: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"description": self.description}
        if self.type is not None:
            out["type"] = self.type
        return out


SHOW_ATTRIBUTE: Final = Attribute("Detailed information about the resource.", MAP)


def select_path(value: Any, path: Sequence[Any]) -> Any:
    """Walk ``path`` into ``value``; a step that does not exist gives None.

    Heat answers None rather than an error for a missing key or index,
    because attribute values often appear later than the template that
    reads them; templates rely on it.
    """
    for step in path:
        if isinstance(value, Mapping):
            value = value.get(step) if isinstance(step, str) else value.get(str(step))
        elif isinstance(value, Sequence) and not isinstance(value, str):
            try:
                value = value[int(step)]
            except (ValueError, TypeError, IndexError):
                return None
        else:
            return None
    return value
