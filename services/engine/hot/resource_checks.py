"""Resource checks against the plugins: types, properties, ``get_attr`` attributes.

``validate_resources`` checks every resource's type against the plugin
registry (after the environment's aliases), its properties against the
plugin's schema after resolving what can be resolved now (parameters and
files; references to other resources stay unresolved), and each literal
``get_attr`` attribute against the target's attributes.

It sees a stack definition only through ``CheckedDefinition``, so
``stack`` (which runs these checks while loading) and ``validate``
(Heat's validate_template answer) both import this module and it imports
neither: no import circle.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from functools import partial
from types import MappingProxyType
from typing import Any, Protocol

from services.engine.unresolved import contains_unresolved
from shared.exceptions import EmberError, InvalidTemplate, StackValidationFailed

from .definition import OutputDefinition, ResourceDefinition
from .environment import ResolvedType
from .parameters import Parameters, parse_schemas
from .registry_protocol import PluginRegistry
from .resolver import ValidationResolver
from .template import Template


class CheckedDefinition(Protocol):
    """What the checks read of a stack definition (``stack.StackDefinition`` has it)."""

    @property
    def parameters(self) -> Parameters: ...

    @property
    def files(self) -> Mapping[str, str]: ...

    @property
    def resources(self) -> Mapping[str, ResourceDefinition]: ...

    @property
    def outputs(self) -> Mapping[str, OutputDefinition]: ...

    def resolve_type(self, resource_name: str) -> ResolvedType: ...


def validate_resources(definition: CheckedDefinition, registry: PluginRegistry) -> None:
    """Check types, properties and get_attr attributes. Raises StackValidationFailed and kin."""
    resolver = ValidationResolver(definition.parameters, definition.files)
    has_attribute: dict[str, Callable[[str], bool]] = {}
    for name, defn in definition.resources.items():
        resolved_type = definition.resolve_type(name)
        properties = defn.resolved_properties(resolver)
        if resolved_type.is_provider_template:
            outputs = _check_provider_properties(defn.path, resolved_type, properties)
            _check_facade(registry, defn.path, resolved_type, outputs)
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


def _check_facade(
    registry: PluginRegistry, path: str, resolved: ResolvedType, outputs: frozenset[str]
) -> None:
    """A template standing in for a registered type (its facade) must offer what the type declares:
    its required properties as parameters, its attributes as outputs; and need no other property."""
    try:
        facade = registry.get_plugin(resolved.requested)
    except EmberError:
        return  # a type of its own, not a facade
    nested = Template.parse(resolved.template or "")
    schemas = parse_schemas(nested.parameters, nested.version)
    declared = getattr(facade, "properties_schema", {}) or {}
    kind = resolved.requested
    for key, prop in declared.items():
        if getattr(prop, "required", False) and key not in schemas:
            raise StackValidationFailed(
                path=path, reason=f"Required property {key} for facade {kind} missing in provider"
            )
    for key, schema in schemas.items():
        if not schema.has_default and key not in declared:
            raise StackValidationFailed(
                path=path, reason=f"Provider requires property {key} unknown in facade {kind}"
            )
    for attribute in getattr(facade, "attributes_schema", {}) or {}:
        if attribute not in outputs:
            raise StackValidationFailed(
                path=path, reason=f"Attribute {attribute} for facade {kind} missing in provider"
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
        schemas, outputs = _provider_interface(resolved.template or "")
    except EmberError as exc:
        raise InvalidTemplate(reason=f"{where}: the provider template is invalid: {exc}") from None
    for key in properties:
        if key not in schemas:
            raise StackValidationFailed(path=f"{path}.properties", reason=f'unknown property "{key}"')
    for key, schema in schemas.items():
        if key not in properties and not schema.has_default:
            raise StackValidationFailed(path=f"{path}.properties", reason=f'the property "{key}" is required')
        value = properties.get(key)
        if key in properties and value is not None and not contains_unresolved(value):
            try:
                schema.validate(value)
            except StackValidationFailed as exc:
                raise StackValidationFailed(path=f"{path}.properties.{key}", reason=str(exc)) from None
    return outputs


@functools.lru_cache(maxsize=256)
def _provider_interface(text: str) -> tuple[Mapping[str, Any], frozenset[str]]:
    """A provider template's parameter schemas and output names, parsed once per template text:
    a group of 1,000 members of one provider type checks the same template 1,000 times."""
    nested = Template.parse(text)
    return MappingProxyType(parse_schemas(nested.parameters, nested.version)), frozenset(nested.outputs)
