"""Parameter types and constraints: converting raw values and checking them.

Each converter turns a raw value (text from a request, or YAML data) into
the parameter's type or raises ValueError saying what is wrong; each
Constraint checks a typed value and returns the violation message (the
template's own description, when it gives one) or None.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from typing import Any

from shared.exceptions import InvalidTemplate

from .paths import type_name
from .versions import TemplateVersion

TYPES = ("string", "number", "json", "comma_delimited_list", "boolean")
# Which constraint applies to which parameter type.
_CONSTRAINT_TYPES = {
    "length": {"string", "comma_delimited_list", "json"},
    "range": {"number"},
    "modulo": {"number"},
    "allowed_values": {"string", "number", "comma_delimited_list", "boolean"},
    "allowed_pattern": {"string"},
    "custom_constraint": set(TYPES),
}
_TRUE = {"t", "true", "on", "y", "yes", "1"}
_FALSE = {"f", "false", "off", "n", "no", "0"}


def is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _quote(value: Any) -> str:
    return json.dumps(value) if isinstance(value, str) else json.dumps(value, default=str)


@dataclass(frozen=True)
class Constraint:
    """One parameter constraint; ``check`` returns the violation message or None."""

    kind: str
    spec: Any
    description: str | None = None

    def check(self, value: Any) -> str | None:
        problem = self._problem(value)
        if problem is None:
            return None
        return self.description if self.description else problem

    def _problem(self, value: Any) -> str | None:
        if self.kind in ("length", "range"):
            measured = len(value) if self.kind == "length" else value
            what = "length" if self.kind == "length" else "value"
            lo, hi = self.spec.get("min"), self.spec.get("max")
            if lo is not None and measured < lo:
                return f"{what} {measured} is below the minimum {lo}"
            if hi is not None and measured > hi:
                return f"{what} {measured} is above the maximum {hi}"
            return None
        if self.kind == "modulo":
            step, offset = self.spec["step"], self.spec["offset"]
            if (value - offset) % step != 0:
                return f"value {value} is not a multiple of {step} plus {offset}"
            return None
        if self.kind == "allowed_values":
            items = value if isinstance(value, list) else [value]
            for item in items:
                if item not in self.spec:
                    return f"value {_quote(item)} is not in the allowed values {json.dumps(self.spec)}"
            return None
        if self.kind == "allowed_pattern":
            if re.fullmatch(self.spec, value) is None:
                return f"value {_quote(value)} does not match the pattern {_quote(self.spec)}"
            return None
        return None  # custom_constraint: a cloud lookup Ember does not perform


def opt_str(value: Any, where: str) -> str | None:
    if value is None:
        return None
    if isinstance(value, (dict, list)):
        raise InvalidTemplate(reason=f"{where}: must be a string, not a {type_name(value)}")
    return str(value)


def parse_constraint(where: str, item: Any, ptype: str, version: TemplateVersion) -> Constraint:
    if not isinstance(item, dict):
        raise InvalidTemplate(reason=f"{where}: a constraint must be a map, not a {type_name(item)}")
    kinds = [k for k in item if k != "description"]
    if len(kinds) != 1:
        raise InvalidTemplate(reason=f"{where}: a constraint needs exactly one type besides description")
    kind = kinds[0]
    if kind not in version.constraint_types:
        raise InvalidTemplate(reason=f'{where}: unknown constraint "{kind}"')
    if ptype not in _CONSTRAINT_TYPES[kind]:
        raise InvalidTemplate(reason=f'{where}: the {kind} constraint does not apply to type "{ptype}"')
    desc = opt_str(item.get("description"), f"{where}.description")
    spec = item[kind]
    where = f"{where}.{kind}"
    if kind in ("length", "range"):
        spec = _bounds(where, spec)
    elif kind == "modulo":
        if not isinstance(spec, dict) or set(spec) != {"step", "offset"}:
            raise InvalidTemplate(reason=f'{where}: must be a map with "step" and "offset"')
        step, offset = spec["step"], spec["offset"]
        if not all(is_number(v) and math.isfinite(v) for v in (step, offset)) or step == 0:
            raise InvalidTemplate(reason=f"{where}: step and offset must be numbers, step not zero")
        if abs(offset) >= abs(step):
            raise InvalidTemplate(reason=f"{where}: offset must be smaller than step")
    elif kind == "allowed_values":
        if not isinstance(spec, list) or not spec:
            raise InvalidTemplate(reason=f"{where}: must be a non-empty list")
        if ptype == "number":
            try:
                spec = [_to_number(v) for v in spec]
            except (ValueError, TypeError):
                raise InvalidTemplate(reason=f"{where}: the allowed values must be numbers") from None
        elif ptype == "boolean":
            try:
                spec = [to_bool(v) for v in spec]
            except ValueError:
                raise InvalidTemplate(reason=f"{where}: the allowed values must be booleans") from None
        elif not all(isinstance(v, (str, int, float)) for v in spec):
            raise InvalidTemplate(reason=f"{where}: the allowed values must be strings")
        else:
            spec = [v if isinstance(v, str) else str(v) for v in spec]
    elif kind == "allowed_pattern":
        if not isinstance(spec, str):
            raise InvalidTemplate(reason=f"{where}: must be a string")
        try:
            re.compile(spec)
        except (re.error, RecursionError, OverflowError) as exc:
            raise InvalidTemplate(reason=f"{where}: invalid regular expression: {exc}") from None
    elif not isinstance(spec, str):
        raise InvalidTemplate(reason=f"{where}: must be a string")
    return Constraint(kind=kind, spec=spec, description=desc)


def _bounds(where: str, spec: Any) -> dict[str, Any]:
    if not isinstance(spec, dict) or not spec or set(spec) - {"min", "max"}:
        raise InvalidTemplate(reason=f'{where}: must be a map with "min" and/or "max"')
    for key, value in spec.items():
        if not is_number(value) or not math.isfinite(value):
            raise InvalidTemplate(reason=f"{where}.{key}: must be a number")
    return dict(spec)


# --- converters: raw value -> typed value; ValueError says what is wrong ----------


def _to_string(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float, bool)):
        return str(value)
    raise ValueError(f"a {type_name(value)} is not a string")


def _to_number(value: Any) -> int | float:
    if is_number(value):
        if isinstance(value, float) and not math.isfinite(value):
            raise ValueError(f"value {value} is not a finite number")
        return value  # type: ignore[no-any-return]
    if isinstance(value, str):
        try:
            return int(value)
        except ValueError:
            pass
        try:
            number = float(value)
        except ValueError:
            raise ValueError(f"value {_quote(value)} is not a number") from None
        if math.isfinite(number):
            return number
    raise ValueError(f"value {_quote(value)} is not a number")


def _to_list(value: Any) -> list[str]:
    if isinstance(value, str):
        return value.split(",") if value else []
    if isinstance(value, list):
        return [v if isinstance(v, str) else json.dumps(v) for v in value]
    raise ValueError(f"a {type_name(value)} is not a comma-delimited list")


def _to_json(value: Any) -> Any:
    if isinstance(value, (dict, list)):
        return value
    if isinstance(value, str):
        if not value.strip():
            return {}
        try:
            parsed = json.loads(value)
        except ValueError:
            raise ValueError(f"value {_quote(value[:80])} is not valid JSON") from None
        if isinstance(parsed, (dict, list)):
            return parsed
    raise ValueError("a json parameter must be a map or a list")


def to_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, (str, int)):
        text = str(value).strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
    raise ValueError(f"value {_quote(value)} is not a boolean")


CONVERTERS = {
    "string": _to_string,
    "number": _to_number,
    "comma_delimited_list": _to_list,
    "json": _to_json,
    "boolean": to_bool,
}


def display(ptype: str, value: Any) -> str:
    if ptype == "comma_delimited_list":
        return ",".join(value)
    if ptype == "json":
        return json.dumps(value)
    return str(value)
