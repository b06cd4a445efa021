"""Validation with resource plugins, and Heat's ``validate_template`` answer.

``validate_resources`` checks every resource's type against the plugin
registry (after the environment's aliases), its properties against the
plugin's schema after resolving what can be resolved now (parameters and
files; references to other resources stay unresolved), and each literal
``get_attr`` attribute against the target's attributes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from functools import partial
from typing import Any

from shared.exceptions import EmberError, InvalidTemplate, StackValidationFailed

from .environment import ResolvedType
from .parameters import parse_schemas
from .registry_protocol import PluginRegistry
from .resolver import UNRESOLVED, ValidationResolver
from .stack import DEFAULT_MAX_RESOURCES, EnvironmentInput, StackDefinition, load_stack_definition
from .template import DEFAULT_MAX_TEMPLATE_SIZE, Template


def _plugin_unresolved() -> Any:
    """The plugin layer's marker for unknown values (ours is converted to it)."""
    try:
        from services.engine.resources import UNRESOLVED as plugin_unresolved
    except ImportError:  # pragma: no cover - the plugin package ships with the engine
        return UNRESOLVED
    return plugin_unresolved


_PLUGIN_UNRESOLVED = _plugin_unresolved()


def _for_plugin(value: Any) -> Any:
    if value is UNRESOLVED:
        return _PLUGIN_UNRESOLVED
    if isinstance(value, dict):
        return {k: _for_plugin(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_for_plugin(v) for v in value]
    return value


def validate_resources(definition: StackDefinition, registry: PluginRegistry) -> None:
    """Check types, properties and get_attr attributes. Raises StackValidationFailed and kin."""
    resolver = ValidationResolver(definition.parameters, definition.files)
    has_attribute: dict[str, Callable[[str], bool]] = {}
    for name, defn in definition.resources.items():
        resolved_type = definition.resolve_type(name)
        properties = _for_plugin(defn.resolved_properties(resolver))
        if resolved_type.is_provider_template:
            outputs = _check_provider_properties(defn.path, resolved_type, properties)
            has_attribute[name] = partial(_provider_has_attribute, outputs)
            continue
        plugin = _plugin(registry, resolved_type, defn.path)
        has_attribute[name] = plugin.has_attribute
        plugin.validate_properties(name, properties)
    references = [r for d in definition.resources.values() for r in d.references()]
    references += [r for o in definition.outputs.values() for r in o.references()]
    for ref in references:
        if ref.kind == "get_attr" and ref.attribute is not None and ref.resource in has_attribute:
            if not has_attribute[ref.resource](ref.attribute):
                # StackValidationFailed, as Heat's validation reports it (at run time a
                # plugin's get_attr raises InvalidTemplateAttribute, as Heat's does).
                raise StackValidationFailed(
                    f"{ref.path}: The Referenced Attribute ({ref.resource} {ref.attribute}) is incorrect.",
                    resource=ref.resource,
                    key=ref.attribute,
                )


def _provider_has_attribute(outputs: frozenset[str], name: str) -> bool:
    """A nested stack's attributes: its outputs, show, its id and ``resource.<name>...`` lookups."""
    return name in outputs or name in ("show", "OS::stack_id") or name.startswith("resource.")


def _plugin(registry: PluginRegistry, resolved: ResolvedType, path: str) -> Any:
    type_name = resolved.plugin_type or resolved.requested
    try:
        return registry.get_plugin(type_name)
    except EmberError:
        alias = f" (from {resolved.requested})" if resolved.requested != type_name else ""
        raise StackValidationFailed(
            path=path, reason=f"The Resource Type ({type_name}){alias} could not be found."
        ) from None


def _check_provider_properties(
    path: str, resolved: ResolvedType, properties: Mapping[str, Any]
) -> frozenset[str]:
    """A provider template's parameters are the resource's properties; returns its output names."""
    where = f"{path} ({resolved.template_name})"
    try:
        nested = Template.parse(resolved.template or "")
        schemas = parse_schemas(nested.parameters, nested.version)
    except EmberError as exc:
        raise InvalidTemplate(reason=f"{where}: the provider template is invalid: {exc}") from None
    for key in properties:
        if key not in schemas:
            raise StackValidationFailed(path=f"{path}.properties", reason=f'unknown property "{key}"')
    for key, schema in schemas.items():
        if key not in properties and not schema.has_default:
            raise StackValidationFailed(path=f"{path}.properties", reason=f'the property "{key}" is required')
        value = properties.get(key)
        if key in properties and value is not None and not _unknown(value):
            try:
                schema.validate(value)
            except StackValidationFailed as exc:
                raise StackValidationFailed(path=f"{path}.properties.{key}", reason=str(exc)) from None
    return frozenset(nested.outputs)


def _unknown(value: Any) -> bool:
    if value is _PLUGIN_UNRESOLVED or value is UNRESOLVED:
        return True
    if isinstance(value, dict):
        return any(_unknown(v) for v in value.values())
    if isinstance(value, list):
        return any(_unknown(v) for v in value)
    return False


def validate_template(
    template: str | bytes | Mapping[str, Any],
    environment: EnvironmentInput | Iterable[EnvironmentInput] = None,
    files: Mapping[str, Any] | None = None,
    params: Mapping[str, Any] | None = None,
    *,
    registry: PluginRegistry | None = None,
    max_size: int = DEFAULT_MAX_TEMPLATE_SIZE,
    max_resources: int = DEFAULT_MAX_RESOURCES,
) -> dict[str, Any]:
    """What Heat's validate_template returns: Description, Parameters, ParameterGroups, Environment.

    Parameters need no values here; those given are checked and reported
    as ``Value``. Raises the same errors as ``load_stack_definition``.
    """
    definition = load_stack_definition(
        template,
        environment,
        files,
        params,
        max_size=max_size,
        max_resources=max_resources,
        registry=registry,
        require_values=False,
    )
    user = definition.parameters.user_values
    env_defaults = definition.environment.parameter_defaults
    parameters = {
        name: schema.describe(user_value=user.get(name), default=env_defaults.get(name, schema.default))
        for name, schema in definition.parameters.schemas.items()
    }
    result: dict[str, Any] = {"Description": definition.description, "Parameters": parameters}
    if definition.template.parameter_groups:
        result["ParameterGroups"] = list(definition.template.parameter_groups)
    result["Environment"] = definition.environment.user_dict()
    return result
