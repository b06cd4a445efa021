"""The one marker for a value not known yet, shared by the template layer and the plugins.

``get_resource`` / ``get_attr`` of a resource that does not exist yet resolve
to ``UNRESOLVED`` during validation (and in a preview); property schemas let
it pass their type and constraint checks, because only the value's place is
known. Both layers import it from here so that no value ever needs
translating between them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final


class Unresolved:
    """A value not known until a resource exists; ``reason`` is for debugging only.

    Copies are the instance itself, so identity checks (``value is UNRESOLVED``)
    survive the deep copies templates go through.
    """

    __slots__ = ("reason",)

    def __init__(self, reason: str = "") -> None:
        self.reason = reason

    def __repr__(self) -> str:
        return f"<unresolved {self.reason}>" if self.reason else "UNRESOLVED"

    def __deepcopy__(self, memo: dict[int, Any]) -> Unresolved:
        return self

    def __copy__(self) -> Unresolved:
        return self


UNRESOLVED: Final[Any] = Unresolved()


def is_unresolved(value: Any) -> bool:
    """True for the marker itself (any ``Unresolved`` instance)."""
    return isinstance(value, Unresolved)


def contains_unresolved(value: Any) -> bool:
    """True when the value or anything nested in it (maps, lists, tuples) is unresolved."""
    if isinstance(value, Unresolved):
        return True
    if isinstance(value, Mapping):
        return any(contains_unresolved(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return any(contains_unresolved(v) for v in value)
    return False
