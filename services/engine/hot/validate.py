"""Heat's ``validate_template`` answer (the resource checks are in ``resource_checks``)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from .registry_protocol import PluginRegistry
from .resource_checks import validate_resources
from .stack import DEFAULT_MAX_RESOURCES, EnvironmentInput, load_stack_definition
from .template import DEFAULT_MAX_TEMPLATE_SIZE

__all__ = ["validate_resources", "validate_template"]


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
