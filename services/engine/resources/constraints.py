"""Constraints a property value must satisfy.

Each constraint checks one already-coerced value and returns the reason it
fails, or ``None``. The caller (``properties.validate_properties``) turns a
reason into a ``StackValidationFailed`` that names the property path, so the
constraint itself never needs to know where the value came from. A
constraint's optional ``description`` replaces the default reason, as in
Heat, because template authors use it to explain the rule in their words.
"""

from __future__ import annotations

import re
from collections.abc import Sequence, Sized
from dataclasses import dataclass, field
from typing import Any, ClassVar


@dataclass(frozen=True)
class Constraint:
    """Base class; subclasses implement ``_reason`` and ``_body``."""

    description: str | None = field(default=None, kw_only=True)
    key: ClassVar[str] = ""

    def reason(self, value: Any) -> str | None:
        """Why ``value`` breaks this constraint, or None when it is fine."""
        reason = self._reason(value)
        if reason is not None and self.description:
            return self.description
        return reason

    def _reason(self, value: Any) -> str | None:  # pragma: no cover - abstract
        raise NotImplementedError

    def _body(self) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError

    def to_dict(self) -> dict[str, Any]:
        """The constraint as Heat's resource_schema shows it."""
        out: dict[str, Any] = {self.key: self._body()}
        if self.description:
            out["description"] = self.description
        return out


def _bounds(lo: float | None, hi: float | None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if lo is not None:
        out["min"] = lo
    if hi is not None:
        out["max"] = hi
    return out


@dataclass(frozen=True)
class Range(Constraint):
    """Inclusive numeric bounds; either side may be open."""

    min: float | None = None
    max: float | None = None
    key: ClassVar[str] = "range"

    def _reason(self, value: Any) -> str | None:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return None  # the type check reports non-numbers
        if self.min is not None and value < self.min:
            return f"value {value} is below the minimum {self.min}"
        if self.max is not None and value > self.max:
            return f"value {value} is above the maximum {self.max}"
        return None

    def _body(self) -> Any:
        return _bounds(self.min, self.max)


@dataclass(frozen=True)
class Length(Constraint):
    """Bounds on the length of a string, list or map."""

    min: int | None = None
    max: int | None = None
    key: ClassVar[str] = "length"

    def _reason(self, value: Any) -> str | None:
        if not isinstance(value, Sized):
            return None
        size = len(value)
        if self.min is not None and size < self.min:
            return f"length {size} is below the minimum {self.min}"
        if self.max is not None and size > self.max:
            return f"length {size} is above the maximum {self.max}"
        return None

    def _body(self) -> Any:
        return _bounds(self.min, self.max)


@dataclass(frozen=True)
class AllowedValues(Constraint):
    """The value (or each item of a list value) must be one of ``allowed``."""

    allowed: Sequence[Any] = ()
    key: ClassVar[str] = "allowed_values"

    def _reason(self, value: Any) -> str | None:
        items = value if isinstance(value, list) else [value]
        for item in items:
            if not any(_same(item, ok) for ok in self.allowed):
                shown = ", ".join(repr(a) for a in self.allowed)
                return f"{item!r} is not an allowed value [{shown}]"
        return None

    def _body(self) -> Any:
        return list(self.allowed)


def _same(value: Any, allowed: Any) -> bool:
    # Allowed values are often written as strings while the value was coerced
    # to a number (or the reverse); compare the textual forms as Heat does.
    if value == allowed:
        return True
    return isinstance(value, (int, float, str)) and str(value) == str(allowed)


@dataclass(frozen=True)
class AllowedPattern(Constraint):
    """A string must match ``pattern`` from its start to its end."""

    pattern: str = ""
    key: ClassVar[str] = "allowed_pattern"

    def _reason(self, value: Any) -> str | None:
        if not isinstance(value, str):
            return None
        try:
            match = re.match(self.pattern, value)
        except re.error as exc:
            return f"pattern {self.pattern!r} is not a valid regular expression: {exc}"
        if match is None or match.end() != len(value):
            return f"{value!r} does not match pattern {self.pattern!r}"
        return None

    def _body(self) -> Any:
        return self.pattern
