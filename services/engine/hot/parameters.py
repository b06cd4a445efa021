"""Template parameters: schemas, constraints, typed values and their display.

A parameter's value comes from (highest first) the request, the
environment's ``parameters``, its ``parameter_defaults``, then the template's
``default``. Values are converted to their type once, here, so functions see
numbers, lists, maps and booleans; they are shown back to users as strings,
with hidden ones masked.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from shared.exceptions import (
    InvalidTemplate,
    StackValidationFailed,
    UnknownUserParameter,
    UserParameterMissing,
)

from .param_types import CONVERTERS, TYPES, Constraint, display, opt_str, parse_constraint, to_bool
from .paths import type_name
from .versions import TemplateVersion

API_TYPES = {
    "string": "String",
    "number": "Number",
    "comma_delimited_list": "CommaDelimitedList",
    "json": "Json",
    "boolean": "Boolean",
}
PSEUDO_PARAMETERS = ("OS::stack_id", "OS::stack_name", "OS::project_id")
HIDDEN_MASK = "******"
# Marks "no default" distinctly from a default of null.
_MISSING: Any = object()


@dataclass(frozen=True)
class ParamSchema:
    """A declared parameter: its type, metadata and constraints."""

    name: str
    type: str
    default: Any = _MISSING
    label: str | None = None
    description: str = ""
    hidden: bool = False
    immutable: bool = False
    tags: tuple[str, ...] = ()
    constraints: tuple[Constraint, ...] = ()

    @property
    def has_default(self) -> bool:
        return self.default is not _MISSING

    @classmethod
    def from_dict(cls, name: str, body: Any, version: TemplateVersion) -> ParamSchema:
        """Check a ``parameters`` entry. Raises InvalidTemplate naming the parameter."""
        where = f"parameters.{name}"
        if not isinstance(body, dict):
            raise InvalidTemplate(reason=f"{where}: a parameter must be a map, not a {type_name(body)}.")
        for key in body:
            if key not in version.parameter_keys:
                raise InvalidTemplate(reason=f'{where}: unknown key "{key}"')
        ptype = body.get("type")
        if ptype is None:
            raise InvalidTemplate(reason=f'{where}: "type" is required')
        if ptype not in TYPES:
            raise InvalidTemplate(
                reason=f'{where}: invalid type "{ptype}"; it must be one of {", ".join(TYPES)}'
            )
        constraints = tuple(
            parse_constraint(f"{where}.constraints[{i}]", item, ptype, version)
            for i, item in enumerate(_as_list(body.get("constraints"), f"{where}.constraints"))
        )
        tags = body.get("tags") or []
        if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
            raise InvalidTemplate(reason=f"{where}.tags: must be a list of strings")
        schema = cls(
            name=name,
            type=ptype,
            default=body["default"] if "default" in body else _MISSING,
            label=opt_str(body.get("label"), f"{where}.label"),
            description=opt_str(body.get("description"), f"{where}.description") or "",
            hidden=_flag(body.get("hidden"), f"{where}.hidden"),
            immutable=_flag(body.get("immutable"), f"{where}.immutable"),
            tags=tuple(tags),
            constraints=constraints,
        )
        if schema.has_default and schema.default is not None:
            # A default that breaks its own constraints is a template bug.
            schema.validate(schema.default)
        return schema

    def convert(self, value: Any) -> Any:
        """The typed value for a raw one. Raises StackValidationFailed naming the parameter."""
        try:
            return CONVERTERS[self.type](value)
        except (ValueError, TypeError) as exc:
            raise self._invalid(str(exc)) from None

    def validate(self, value: Any) -> Any:
        """Convert and check the constraints; returns the typed value."""
        typed = self.convert(value)
        for constraint in self.constraints:
            problem = constraint.check(typed)
            if problem is not None:
                raise self._invalid(problem)
        return typed

    def _invalid(self, problem: str) -> StackValidationFailed:
        return StackValidationFailed(f"Parameter '{self.name}' is invalid: {problem}")

    def describe(self, user_value: Any = None, default: Any = _MISSING) -> dict[str, Any]:
        """This schema as Heat's validate_template reports it.

        ``default`` overrides the template's (parameter_defaults do that);
        ``user_value`` is reported as ``Value`` when given.
        """
        if default is _MISSING:
            default = self.default
        result: dict[str, Any] = {
            "Type": API_TYPES[self.type],
            "Description": self.description,
            "NoEcho": "true" if self.hidden else "false",
            "Label": self.label if self.label is not None else self.name,
        }
        if default is not _MISSING:
            result["Default"] = default
        if user_value is not None:
            result["Value"] = user_value
        if self.tags:
            result["Tags"] = list(self.tags)
        notes = []
        for c in self.constraints:
            if c.kind == "length":
                _put(result, "MinLength", c.spec.get("min"))
                _put(result, "MaxLength", c.spec.get("max"))
            elif c.kind == "range":
                _put(result, "MinValue", c.spec.get("min"))
                _put(result, "MaxValue", c.spec.get("max"))
            elif c.kind == "modulo":
                result["Step"], result["Offset"] = c.spec["step"], c.spec["offset"]
            elif c.kind == "allowed_values":
                result["AllowedValues"] = list(c.spec)
            elif c.kind == "allowed_pattern":
                result["AllowedPattern"] = c.spec
            elif c.kind == "custom_constraint":
                result["CustomConstraint"] = c.spec
            if c.description:
                notes.append(c.description)
        if notes:
            result["ConstraintDescription"] = " ".join(notes)
        return result


def _put(result: dict[str, Any], key: str, value: Any) -> None:
    if value is not None:
        result[key] = value


def _as_list(value: Any, where: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise InvalidTemplate(reason=f"{where}: must be a list, not a {type_name(value)}")
    return value


def _flag(value: Any, where: str) -> bool:
    if value is None:
        return False
    try:
        return to_bool(value)
    except ValueError:
        raise InvalidTemplate(reason=f"{where}: must be true or false") from None


def parse_schemas(section: Mapping[str, Any], version: TemplateVersion) -> dict[str, ParamSchema]:
    """Every parameter schema of a template, in order."""
    return {name: ParamSchema.from_dict(name, body, version) for name, body in section.items()}


def check_parameter_groups(groups: list[Any], schemas: Mapping[str, ParamSchema]) -> None:
    """Each group is a map with a list of declared parameters; none in two groups."""
    seen: set[str] = set()
    for i, group in enumerate(groups):
        where = f"parameter_groups[{i}]"
        if not isinstance(group, dict):
            raise InvalidTemplate(reason=f"{where}: a parameter group must be a map")
        unknown = set(group) - {"label", "description", "parameters"}
        if unknown:
            raise InvalidTemplate(reason=f'{where}: unknown key "{sorted(map(str, unknown))[0]}"')
        names = group.get("parameters")
        if not isinstance(names, list):
            raise InvalidTemplate(reason=f"{where}.parameters: must be a list of parameter names")
        for name in names:
            if not isinstance(name, str) or name not in schemas:
                raise InvalidTemplate(reason=f'{where}.parameters: "{name}" is not a declared parameter')
            if name in seen:
                raise InvalidTemplate(reason=f'{where}.parameters: "{name}" is already in another group')
            seen.add(name)


@dataclass
class Parameters:
    """The typed values of a stack's parameters, plus the pseudo parameters.

    Build with ``Parameters.resolve``; read with ``get`` (typed) or
    ``as_strings`` (display). ``user_values`` keeps what the user supplied
    (request and environment ``parameters``), as a stack stores it.
    """

    schemas: dict[str, ParamSchema]
    values: dict[str, Any]
    pseudo: dict[str, str] = field(default_factory=dict)
    user_values: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def resolve(
        cls,
        schemas: dict[str, ParamSchema],
        *,
        request: Mapping[str, Any] | None = None,
        environment: Mapping[str, Any] | None = None,
        defaults: Mapping[str, Any] | None = None,
        stack_name: str = "",
        stack_id: str = "",
        project_id: str = "",
        require_values: bool = True,
    ) -> Parameters:
        """Pick each parameter's value by precedence, then convert and check it.

        Raises UnknownUserParameter for a request or environment value the
        template does not declare, UserParameterMissing for a parameter with
        no value anywhere (unless ``require_values`` is false, as for
        validate_template), StackValidationFailed for a bad value.
        """
        user: dict[str, Any] = {}
        for source in (environment or {}, request or {}):
            for name, value in source.items():
                if name not in schemas:
                    raise UnknownUserParameter(key=name)
                user[name] = value
        values: dict[str, Any] = {}
        for name, schema in schemas.items():
            if name in user:
                raw = user[name]
            elif defaults and name in defaults:
                raw = defaults[name]
            elif schema.has_default:
                raw = schema.default
            elif require_values:
                raise UserParameterMissing(key=name)
            else:
                continue
            if raw is None and not require_values:
                continue
            if raw is None:
                raise UserParameterMissing(key=name)
            values[name] = schema.validate(raw)
        pseudo = {"OS::stack_id": stack_id, "OS::stack_name": stack_name, "OS::project_id": project_id}
        return cls(schemas=dict(schemas), values=values, pseudo=pseudo, user_values=user)

    def __contains__(self, name: object) -> bool:
        return name in self.schemas or name in self.pseudo

    def __iter__(self) -> Iterator[str]:
        return iter([*self.schemas, *self.pseudo])

    def get(self, name: str) -> Any:
        """The typed value. Raises UserParameterMissing for an unknown or unset name."""
        if name in self.values:
            return self.values[name]
        if name in self.pseudo:
            return self.pseudo[name]
        raise UserParameterMissing(key=name)

    def as_strings(self, mask_hidden: bool = True) -> dict[str, str]:
        """Every value as a string (as show_stack reports them); hidden ones masked."""
        result: dict[str, str] = {}
        for name, schema in self.schemas.items():
            if name not in self.values:
                continue
            if mask_hidden and schema.hidden:
                result[name] = HIDDEN_MASK
            else:
                result[name] = display(schema.type, self.values[name])
        result.update(self.pseudo)
        return result

    to_display = as_strings

    def hidden_names(self) -> list[str]:
        return [name for name, schema in self.schemas.items() if schema.hidden]

    def immutable_names(self) -> list[str]:
        return [name for name, schema in self.schemas.items() if schema.immutable]

    def immutable_changes(self, updated: Parameters) -> list[str]:
        """Immutable parameters whose value ``updated`` changes (a stack update must refuse them)."""
        return [
            name
            for name in self.immutable_names()
            if name in updated.values and self.values.get(name) != updated.values[name]
        ]
