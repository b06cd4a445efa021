"""Provider-template resources: a type that the environment maps to a template file.

``resource_registry: {My::Server: server.yaml}`` makes ``My::Server`` a
resource whose properties are ``server.yaml``'s parameters and whose
attributes are its outputs, created as a nested stack. ``provider_plugin``
builds a plugin class for one such mapping from the already parsed template
(parsing and size limits are the template layer's job), so validation,
schema output and the lifecycle work exactly as for built-in types.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from shared.exceptions import StackValidationFailed

from .attributes import Attribute
from .constraints import AllowedPattern, AllowedValues, Constraint, Length, Range
from .nested import NestedStackResource
from .properties import ANY, BOOLEAN, LIST, NUMBER, STRING, Property, is_unresolved
from .support import SupportStatus

_PARAM_TYPES = {
    "string": STRING,
    "number": NUMBER,
    "boolean": BOOLEAN,
    "comma_delimited_list": LIST,
    "json": ANY,  # a map or a list; the child stack checks the exact shape
}

STACK_ID_OUTPUT = "OS::stack_id"


class TemplateResource(NestedStackResource):
    """Base of the classes ``provider_plugin`` makes; never registered itself."""

    support_status: ClassVar[SupportStatus] = SupportStatus()
    template_name: ClassVar[str] = ""
    provider_template: ClassVar[Mapping[str, Any]] = {}

    @classmethod
    def validate_properties(cls, name: str, properties: Mapping[str, Any] | None) -> dict[str, Any]:
        # A comma_delimited_list parameter takes "a,b" as well as a list.
        if properties:
            properties = {
                k: _split(v) if k in cls.properties_schema and cls.properties_schema[k].type == LIST else v
                for k, v in properties.items()
            }
        return super().validate_properties(name, properties)

    def child_template(self) -> dict[str, Any]:
        return dict(self.provider_template)

    @classmethod
    def implementation(cls) -> Any:
        return {"type": cls.type_name, "template": cls.provider_template}

    def needs_replacement(self, new_properties: Mapping[str, Any]) -> bool:
        return False  # its properties are the child's parameters: a nested update takes them all

    def child_params(self) -> dict[str, Any]:
        """Set properties as parameter values; lists as comma-delimited text, like Heat."""
        params: dict[str, Any] = {}
        for key, value in self.properties.items():
            if value is None:
                continue
            if self.properties_schema[key].type == LIST and all(
                v is None or isinstance(v, (str, int, float)) for v in value
            ):
                value = ",".join("" if v is None else str(v) for v in value)
            params[key] = value
        return params

    def get_reference_id(self) -> str:
        # A template can choose its own reference through an OS::stack_id output.
        ref = self.outputs.get(STACK_ID_OUTPUT)
        if self.resource_id is not None and ref is not None:
            return str(ref)
        return super().get_reference_id()

    def resolve_attribute(self, name: str) -> Any:
        return self.outputs.get(name)


def _split(value: Any) -> Any:
    if isinstance(value, str) and not is_unresolved(value):
        return [item.strip() for item in value.split(",")] if value else []
    return value


def provider_plugin(
    type_name: str,
    template: Mapping[str, Any],
    template_name: str = "",
    child: Mapping[str, Any] | None = None,
) -> type[TemplateResource]:
    """A plugin class for ``type_name`` backed by ``template`` (a parsed HOT dict); the nested stack is
    made from ``child`` when given (the template as written, e.g. CloudFormation-format).

    Raises ``StackValidationFailed`` when a parameter or output is malformed.
    """
    where = f"resource_registry.{type_name}"
    params = template.get("parameters")
    params = {} if params is None else params
    outputs = template.get("outputs")
    outputs = {} if outputs is None else outputs
    if not isinstance(params, Mapping) or not isinstance(outputs, Mapping):
        raise StackValidationFailed(
            path=where, reason="the provider template's parameters and outputs must be maps"
        )
    schema = {name: _property(f"{where}.parameters.{name}", body) for name, body in params.items()}
    attributes = {
        name: Attribute(str(body.get("description") or "") if isinstance(body, Mapping) else "")
        for name, body in outputs.items()
    }
    description = template.get("description")
    namespace: dict[str, Any] = {
        "type_name": type_name,
        "description": str(description) if description else f"Provider template {template_name}",
        "properties_schema": schema,
        "attributes_schema": attributes,
        "template_name": template_name,
        "provider_template": dict(child if child is not None else template),
    }
    return type(f"TemplateResource[{type_name}]", (TemplateResource,), namespace)


def _property(path: str, body: Any) -> Property:
    if not isinstance(body, Mapping):
        raise StackValidationFailed(path=path, reason="a parameter must be a map")
    kind = _PARAM_TYPES.get(str(body.get("type", "")).lower())
    if kind is None:
        raise StackValidationFailed(path=path, reason=f"unknown parameter type {body.get('type')!r}")
    default = body.get("default")
    constraints = body.get("constraints")
    constraints = [] if constraints is None else constraints
    if not isinstance(constraints, list):
        raise StackValidationFailed(path=f"{path}.constraints", reason="constraints must be a list")
    return Property(
        kind,
        str(body.get("description") or ""),
        required=default is None,
        default=default,
        constraints=tuple(c for c in (_constraint(path, c) for c in constraints) if c),
        update_allowed=True,
    )


def _constraint(path: str, body: Any) -> Constraint | None:
    """A parameter constraint as a property constraint; ones with no equivalent are left to the child."""
    if not isinstance(body, Mapping):
        raise StackValidationFailed(path=f"{path}.constraints", reason="a constraint must be a map")
    desc = body.get("description")
    desc = str(desc) if desc is not None else None
    for key, klass in (("range", Range), ("length", Length)):
        if key in body:
            bounds = body[key]
            if not isinstance(bounds, Mapping) or not all(
                isinstance(bounds.get(b), (int, float, type(None))) and not isinstance(bounds.get(b), bool)
                for b in ("min", "max")
            ):
                raise StackValidationFailed(path=f"{path}.constraints", reason=f"{key} needs numeric min/max")
            return klass(min=bounds.get("min"), max=bounds.get("max"), description=desc)
    if isinstance(body.get("allowed_values"), list):
        return AllowedValues(allowed=tuple(body["allowed_values"]), description=desc)
    if isinstance(body.get("allowed_pattern"), str):
        return AllowedPattern(pattern=body["allowed_pattern"], description=desc)
    return None  # modulo, custom_constraint: checked by the child stack's parameters


def orphan_plugin(type_name: str) -> type[TemplateResource]:
    """A plugin for a stored row of a provider type no template in reach defines any more.

    It takes whatever properties the row has and can do one thing: delete
    the nested stack the row names (a resource left behind by an update
    that an engine did not finish).
    """
    namespace: dict[str, Any] = {
        "type_name": type_name,
        "description": f"{type_name} (its template is gone: it can only be deleted)",
        "accepts_any_properties": True,
    }
    return type(f"Orphan_{abs(hash(type_name))}", (TemplateResource,), namespace)
