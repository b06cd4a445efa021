"""The facade the engine uses: template + environment + parameters -> StackDefinition.

``load_stack_definition`` does every check that needs no running resource:
template shape and version, parameters, conditions, function arguments,
references between resources and outputs, dependency cycles, the resource
count, and (given a plugin registry) resource types and property schemas.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from shared.exceptions import (
    InvalidTemplate,
    InvalidTemplateReference,
    RequestLimitExceeded,
    StackValidationFailed,
)
from shared.limits import maximum

from .conditions import Conditions
from .definition import OutputDefinition, ResourceDefinition, build_output, build_resource
from .dependencies import DependencyGraph
from .environment import Environment, ResolvedType
from .functions import ParseContext, Reference
from .outputs import resolve_outputs
from .parameters import PSEUDO_PARAMETERS, Parameters, check_parameter_groups, parse_schemas
from .registry_protocol import PluginRegistry
from .resolver import ParameterResolver, Resolver
from .resource_checks import validate_resources
from .template import DEFAULT_MAX_TEMPLATE_SIZE, Template, check_files

DEFAULT_MAX_RESOURCES = 1000

EnvironmentInput = str | bytes | Mapping[str, Any] | Environment | None


@dataclass
class StackDefinition:
    """Everything the template says about a stack, checked and parsed.

    ``resources`` holds the enabled resources in template order;
    ``disabled`` the names whose condition is false; ``conditions`` every
    named condition's value (None when unknown for lack of parameter values).
    """

    template: Template
    environment: Environment
    parameters: Parameters
    conditions: dict[str, bool | None]
    resources: dict[str, ResourceDefinition]
    disabled: frozenset[str]
    outputs: dict[str, OutputDefinition]
    dependencies: DependencyGraph
    files: dict[str, str] = field(default_factory=dict)

    @property
    def description(self) -> str:
        return self.template.description

    @property
    def version(self) -> str:
        return self.template.version.name

    def resolve_type(self, resource_name: str) -> ResolvedType:
        """The plugin type or provider template for a resource, after the environment's registry."""
        defn = self.resources[resource_name]
        return self.environment.resolve_type(defn.type, self.files, resource_name)

    def parameter_resolver(self) -> ParameterResolver:
        """A resolver for get_param and get_file; subclass StackResolver for resources."""
        return ParameterResolver(self.parameters, self.files, self.environment.parent_resource)

    def output_values(self, resolver: Resolver) -> list[dict[str, Any]]:
        """Every output resolved; failures become ``output_error``, never exceptions."""
        return resolve_outputs(self.outputs.values(), resolver)


def check_resource_count(count: int, limit: int = DEFAULT_MAX_RESOURCES, nested: int = 0) -> None:
    """Raise RequestLimitExceeded when ``count`` plus ``nested`` resources exceed ``limit``.

    The engine passes the resources of nested stacks in ``nested``; a
    negative limit means no limit.
    """
    if 0 <= limit < count + nested:
        counting = " counting its nested stacks" if nested else ""
        raise RequestLimitExceeded(
            reason=f"the stack would have {count + nested} resources{counting}, which exceeds "
            + maximum(limit, "resources per stack", "engine", "max_resources_per_stack")
            + "."
        )


def _environment(environment: EnvironmentInput | Iterable[EnvironmentInput]) -> Environment:
    if isinstance(environment, Environment):
        return environment
    if environment is None or isinstance(environment, (str, bytes, Mapping)):
        return Environment.load(environment)
    return Environment.merge(environment)


async def load_stack_definition_async(*args: Any, **kwargs: Any) -> StackDefinition:
    """``load_stack_definition`` in a worker thread, so a large template never stalls the event loop."""
    return await asyncio.to_thread(load_stack_definition, *args, **kwargs)


def _with_environment_files(
    environment: EnvironmentInput | Iterable[EnvironmentInput],
    names: Iterable[str],
    files: Mapping[str, Any] | None,
) -> list[EnvironmentInput]:
    merged: list[EnvironmentInput] = [_environment(environment)]
    for name in names:
        if not files or not isinstance(files.get(name), str):
            raise InvalidTemplate(reason=f'The environment file "{name}" is not in files.')
        merged.append(files[name])
    return merged


def load_stack_definition(
    template: str | bytes | Mapping[str, Any] | Template,
    environment: EnvironmentInput | Iterable[EnvironmentInput] = None,
    files: Mapping[str, Any] | None = None,
    params: Mapping[str, Any] | None = None,
    stack_name: str = "",
    stack_id: str = "",
    project_id: str = "",
    *,
    max_size: int = DEFAULT_MAX_TEMPLATE_SIZE,
    max_resources: int = DEFAULT_MAX_RESOURCES,
    registry: PluginRegistry | None = None,
    require_values: bool = True,
    environment_files: Iterable[str] | None = None,
) -> StackDefinition:
    """Load and check a stack's template. Raises only EmberError subclasses.

    ``environment`` is one environment (text, mapping, Environment) or a
    list merged in order; ``environment_files`` name further environments
    in ``files``, merged after it in order (as Heat does). ``registry``
    (e.g. ``resources.default_registry()``) enables type and property
    checks. ``require_values=False`` accepts parameters without values
    (validate_template).

    Parsing a large template is CPU work: call this from a worker thread
    (``asyncio.to_thread``) so the event loop keeps its heartbeats.
    """
    if environment_files:
        environment = _with_environment_files(environment, environment_files, files)
    try:
        return _load(
            template,
            environment,
            files,
            params,
            stack_name,
            stack_id,
            project_id,
            max_size=max_size,
            max_resources=max_resources,
            registry=registry,
            require_values=require_values,
        )
    except RecursionError:
        raise InvalidTemplate(reason="The template is nested too deeply.") from None


def _load(
    template: str | bytes | Mapping[str, Any] | Template,
    environment: EnvironmentInput | Iterable[EnvironmentInput],
    files: Mapping[str, Any] | None,
    params: Mapping[str, Any] | None,
    stack_name: str,
    stack_id: str,
    project_id: str,
    *,
    max_size: int,
    max_resources: int,
    registry: PluginRegistry | None,
    require_values: bool,
) -> StackDefinition:
    if isinstance(template, Template):
        tmpl = template if files is None else dataclasses.replace(template, files=check_files(files))
    else:
        tmpl = Template.parse(template, files, max_size=max_size)
    version = tmpl.version
    env = _environment(environment)
    if params is not None and not isinstance(params, Mapping):
        raise InvalidTemplate(reason="parameters must be a map of name to value")
    schemas = parse_schemas(tmpl.parameters, version)
    check_parameter_groups(tmpl.parameter_groups, schemas)
    parameters = Parameters.resolve(
        schemas,
        request=params,
        environment=env.parameters,
        defaults=env.parameter_defaults,
        stack_name=stack_name,
        stack_id=stack_id,
        project_id=project_id,
        require_values=require_values,
    )
    conditions = Conditions(tmpl.conditions, version, parameters, tmpl.files)
    condition_values = conditions.evaluate_all()
    ctx = ParseContext(
        version=version,
        param_names=frozenset([*schemas, *PSEUDO_PARAMETERS]),
        files=tmpl.files,
        conditions=conditions,
    )
    resources: dict[str, ResourceDefinition] = {}
    disabled: set[str] = set()
    for name, body in tmpl.resources.items():
        defn, enabled = build_resource(name, body, ctx, conditions)
        if enabled is False:
            disabled.add(name)
        else:
            resources[name] = defn
    check_resource_count(len(resources), max_resources)
    outputs = {name: build_output(name, body, ctx, conditions) for name, body in tmpl.outputs.items()}
    for defn in resources.values():
        _check_references(defn.references(), resources, disabled)
    for output in outputs.values():
        _check_references(output.references(), resources, disabled)
    graph = DependencyGraph.from_definitions(resources)
    definition = StackDefinition(
        template=tmpl,
        environment=env,
        parameters=parameters,
        conditions=condition_values,
        resources=resources,
        disabled=frozenset(disabled),
        outputs=outputs,
        dependencies=graph,
        files=dict(tmpl.files),
    )
    if registry is not None:
        validate_resources(definition, registry)
    return definition


def _check_references(
    references: Iterable[Reference], resources: Mapping[str, ResourceDefinition], disabled: set[str]
) -> None:
    for ref in references:
        if ref.resource in resources:
            continue
        if ref.resource in disabled:
            raise StackValidationFailed(
                path=ref.path,
                reason=f'the resource "{ref.resource}" is not created because its condition is false',
            )
        if ref.path.startswith("outputs."):
            # Heat reports a bad reference in an output as a validation failure of
            # the stack (StackValidationFailed), one in a resource as the reference error.
            reference_error = InvalidTemplateReference(resource=ref.resource, key=ref.path)
            raise StackValidationFailed(reference_error.message, resource=ref.resource, key=ref.path)
        raise InvalidTemplateReference(resource=ref.resource, key=ref.path)
