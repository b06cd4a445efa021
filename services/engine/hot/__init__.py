"""HOT, the Heat Orchestration Template language, as the engine needs it.

The engine calls one function and gets a checked, parsed stack definition::

    from services.engine import hot
    from services.engine.resources import default_registry

    defn = hot.load_stack_definition(
        template_text, environment, files, params,
        stack_name="web", stack_id=stack_id, project_id=ctx.project_id,
        max_size=cfg.max_template_size, max_resources=cfg.max_resources_per_stack,
        registry=default_registry(),
    )
    tracker = defn.dependencies.tracker()          # creation: start(), then done(name) -> newly ready
    for name in tracker.start():
        props = defn.resources[name].resolved_properties(my_resolver)   # a hot.StackResolver subclass
    outputs = defn.output_values(my_resolver)      # never raises; failures -> "output_error"
    shown = defn.parameters.as_strings()           # hidden masked, pseudo parameters included

From async code prefer ``await hot.load_stack_definition_async(...)`` (same
arguments, run in a worker thread: parsing a large template is CPU work).

Modules: ``template`` (parsing, sections), ``versions`` (what each version
allows), ``parameters`` (+ ``param_types``: converters, constraints), ``environment``, ``functions`` (the function tree),
``conditions``, ``definition`` (ResourceDefinition, OutputDefinition),
``dependencies`` (DependencyGraph, ReadyTracker), ``outputs``, ``validate``
(validate_template), ``resource_checks`` (validate_resources), ``resolver`` (the Resolver protocol
the engine implements), ``registry_protocol`` (what is used of the plugins).
Every error raised is a ``shared.exceptions.EmberError``.
"""

from .conditions import Conditions
from .definition import OutputDefinition, ResourceDefinition
from .dependencies import DependencyGraph, ReadyTracker
from .environment import Environment, ResolvedType
from .outputs import resolve_output, resolve_outputs
from .parameters import HIDDEN_MASK, PSEUDO_PARAMETERS, Parameters, ParamSchema
from .registry_protocol import PluginClass, PluginRegistry
from .resolver import (
    DELETE,
    UNRESOLVED,
    ParameterResolver,
    Resolver,
    StackResolver,
    ValidationResolver,
    select_path,
)
from .resource_checks import validate_resources
from .stack import (
    DEFAULT_MAX_RESOURCES,
    StackDefinition,
    check_resource_count,
    load_stack_definition,
    load_stack_definition_async,
)
from .template import DEFAULT_MAX_TEMPLATE_SIZE, Template, load_document
from .validate import validate_template
from .versions import TemplateVersion, get_version

__all__ = [
    "DEFAULT_MAX_RESOURCES",
    "DEFAULT_MAX_TEMPLATE_SIZE",
    "DELETE",
    "HIDDEN_MASK",
    "PSEUDO_PARAMETERS",
    "UNRESOLVED",
    "Conditions",
    "DependencyGraph",
    "Environment",
    "OutputDefinition",
    "ParamSchema",
    "ParameterResolver",
    "Parameters",
    "PluginClass",
    "PluginRegistry",
    "ReadyTracker",
    "ResolvedType",
    "Resolver",
    "ResourceDefinition",
    "StackDefinition",
    "StackResolver",
    "Template",
    "TemplateVersion",
    "ValidationResolver",
    "check_resource_count",
    "get_version",
    "load_document",
    "load_stack_definition",
    "load_stack_definition_async",
    "resolve_output",
    "resolve_outputs",
    "select_path",
    "validate_resources",
    "validate_template",
]
