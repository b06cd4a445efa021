"""Declarative property schemas and their validation.

A plugin declares ``properties_schema = {"length": Property(INTEGER, ...)}``.
``validate_properties`` turns the values a template gives into the values the
plugin sees: defaults applied, types coerced the way Heat coerces them ("5"
is an Integer, "yes" a Boolean), nested map/list schemas checked, and every
failure reported as ``StackValidationFailed`` whose message starts with the
dotted path of the offending value, e.g.
``resources.web.properties.length: value -1 is below the minimum 1``.

During stack validation some values are still references to resources that
do not exist yet. The template layer passes them as an ``Unresolved``
instance (``UNRESOLVED`` is a ready-made one); they pass type and constraint
checks untouched, because only their shape is known, not their value.
"""

from __future__ import annotations

import copy
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from services.engine.unresolved import UNRESOLVED, Unresolved, contains_unresolved, is_unresolved

__all__ = ["UNRESOLVED", "Unresolved", "contains_unresolved", "is_unresolved"]  # re-exported for plugins
from shared.exceptions import StackValidationFailed

from .constraints import Constraint

STRING: Final = "string"
INTEGER: Final = "integer"
NUMBER: Final = "number"
BOOLEAN: Final = "boolean"
MAP: Final = "map"
LIST: Final = "list"
ANY: Final = "any"  # OS::Heat::Value's value: checked by the plugin, not the schema
TYPES: Final = (STRING, INTEGER, NUMBER, BOOLEAN, MAP, LIST, ANY)


@dataclass(frozen=True)
class Property:
    """One property: its type, rules and documentation.

    ``schema`` is a ``{key: Property}`` dict for a MAP with known keys, or a
    single ``Property`` describing each item of a LIST.
    """

    type: str
    description: str = ""
    required: bool = False
    default: Any = None
    constraints: tuple[Constraint, ...] = ()
    update_allowed: bool = False
    immutable: bool = False
    schema: Mapping[str, Property] | Property | None = None
    # Hidden properties are accepted but not shown by resource_schema (deprecated names).
    hidden: bool = False

    def __post_init__(self) -> None:
        if self.type not in TYPES:
            raise TypeError(f"unknown property type {self.type!r}")  # a plugin bug, not user input
        if self.type == MAP and isinstance(self.schema, Property):
            raise TypeError("a map schema is a dict of properties")
        if self.type == LIST and isinstance(self.schema, Mapping):
            raise TypeError("a list schema is a single Property")


def validate_properties(
    schema: Mapping[str, Property],
    values: Mapping[str, Any] | None,
    path: str,
    *,
    allow_unknown: bool = False,
) -> dict[str, Any]:
    """Check ``values`` against ``schema`` and return them coerced, with defaults.

    Every key of ``schema`` is present in the result (None when absent and
    without default). Unknown keys fail unless ``allow_unknown`` (then they
    are dropped). Raises ``StackValidationFailed`` naming ``path``.
    """
    if values is None:
        values = {}
    if is_unresolved(values):
        return {k: values for k in schema}
    if not isinstance(values, Mapping):
        raise StackValidationFailed(path=path, reason=f"{_show(values)} is not a map")
    unknown = [k for k in values if k not in schema]
    if unknown and not allow_unknown:
        raise StackValidationFailed(path=path, reason=f'unknown property "{unknown[0]}"')
    out: dict[str, Any] = {}
    for key, prop in schema.items():
        out[key] = validate_value(prop, values.get(key), f"{path}.{key}")
    return out


def validate_value(prop: Property, value: Any, path: str) -> Any:
    """Coerce and check one value (None means "not given")."""
    if value is None:
        if prop.default is not None:
            value = copy.deepcopy(prop.default)  # never hand two resources the same list
        elif prop.required:
            raise StackValidationFailed(path=path, reason="property is required")
        else:
            return None
    if is_unresolved(value):
        return value
    value = _coerce(prop, value, path)
    if contains_unresolved(value):
        return value  # a list/map with unknown members: constraints cannot be judged yet
    for constraint in prop.constraints:
        reason = constraint.reason(value)
        if reason is not None:
            raise StackValidationFailed(path=path, reason=reason)
    return value


def _coerce(prop: Property, value: Any, path: str) -> Any:
    kind = prop.type
    try:
        if kind == STRING:
            return _to_string(value)
        if kind == INTEGER:
            return _to_integer(value)
        if kind == NUMBER:
            return _to_number(value)
        if kind == BOOLEAN:
            return _to_boolean(value)
    except _BadType as exc:
        raise StackValidationFailed(path=path, reason=str(exc)) from None
    if kind == MAP:
        return _to_map(prop, value, path)
    if kind == LIST:
        return _to_list(prop, value, path)
    return value  # ANY


class _BadType(Exception):
    """Internal: a scalar coercion failed; turned into StackValidationFailed by the caller."""


def _show(value: Any) -> str:
    """A short rendering of a user's value for an error message (JSON-like when possible)."""
    if isinstance(value, str):
        text = repr(value)
    else:
        try:
            text = json.dumps(value, default=repr)
        except (TypeError, ValueError):  # odd keys or cycles: still say something useful
            text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _to_string(value: Any) -> str:
    if isinstance(value, str):
        return value
    # Heat turns integers and booleans into their text, but not floats, maps or lists.
    if isinstance(value, (bool, int)):
        return str(value)
    raise _BadType(f"value must be a string; got {_show(value)}")


def _to_integer(value: Any) -> int:
    if isinstance(value, bool):
        raise _BadType(f"{_show(value)} is not an integer")
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            pass
    raise _BadType(f"{_show(value)} is not an integer")


def _to_number(value: Any) -> int | float:
    if isinstance(value, bool):
        raise _BadType(f"{_show(value)} is not a number")
    number: int | float
    if isinstance(value, (int, float)):
        number = value
    elif isinstance(value, str):
        try:
            number = int(value.strip())
        except ValueError:
            try:
                number = float(value.strip())
            except ValueError:
                raise _BadType(f"{_show(value)} is not a number") from None
    else:
        raise _BadType(f"{_show(value)} is not a number")
    if isinstance(number, float) and not math.isfinite(number):
        raise _BadType(f"{_show(value)} is not a finite number")
    return number


def _to_boolean(value: Any) -> bool:
    """A boolean property: a boolean, or the text true/false in any case (as Heat reads it)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise _BadType(f"{_show(value)} is not a valid boolean (use true or false)")


def _to_map(prop: Property, value: Any, path: str) -> Any:
    if not isinstance(value, Mapping):
        raise StackValidationFailed(path=path, reason=f"{_show(value)} is not a map")
    if isinstance(prop.schema, Mapping):
        return validate_properties(prop.schema, value, path)
    return dict(value)


def _to_list(prop: Property, value: Any, path: str) -> Any:
    if isinstance(value, tuple):
        value = list(value)
    if not isinstance(value, list):
        raise StackValidationFailed(path=path, reason=f"{_show(value)} is not a list")
    if isinstance(prop.schema, Property):
        item_schema = prop.schema
        return [
            validate_value(
                item_schema, _EMPTY.get(item_schema.type) if item is None else item, f"{path}[{i}]"
            )
            for i, item in enumerate(value)
        ]
    return list(value)


# A null list item is read as its type's empty value (as Heat does), so that a
# list of maps with defaults gets them filled in rather than a None to trip on.
_EMPTY: Final[dict[str, Any]] = {STRING: "", INTEGER: 0, NUMBER: 0, BOOLEAN: False, MAP: {}, LIST: []}


def schema_to_dict(prop: Property) -> dict[str, Any]:
    """A property as Heat's resource_schema shows it (``type``, ``required``, ...)."""
    out: dict[str, Any] = {
        "type": prop.type,
        "required": prop.required,
        "update_allowed": prop.update_allowed,
        "immutable": prop.immutable,
    }
    if prop.description:
        out["description"] = prop.description
    if prop.default is not None:
        out["default"] = prop.default
    if prop.constraints:
        out["constraints"] = [c.to_dict() for c in prop.constraints]
    if isinstance(prop.schema, Property):
        out["schema"] = {"*": schema_to_dict(prop.schema)}
    elif isinstance(prop.schema, Mapping):
        out["schema"] = {k: schema_to_dict(p) for k, p in prop.schema.items() if not p.hidden}
    return out
