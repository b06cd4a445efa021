"""Stack: a template's resources brought to life in memory — definitions, rows, plugins, outputs.

The model holds what a stack *is*: its definition (hot), its identity and
options, its stored row and one ``StackResource`` per enabled resource.
It does no I/O of its own: state changes go to the ``TransitionSink`` it is
given, nested stacks to the ``ResourceHost`` made for it. Building one from
a request or from the store is the persistence layer's job
(``persistence.repository``); running an action over it is the lifecycle's.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from services.engine.hot import ResourceDefinition, StackDefinition
from services.engine.hot.cfn_template import is_cfn, to_hot
from services.engine.hot.resolver import StackResolver
from services.engine.hot.template import load_document
from services.engine.model.protocols import TransitionSink
from services.engine.model.resource import StackResource
from services.engine.resources import Resource, ResourceHost, ResourceRegistry, orphan_plugin, provider_plugin
from services.engine.states import Action, Status
from services.engine.unresolved import UNRESOLVED
from shared.context import RequestContext
from shared.exceptions import EmberError
from shared.schemas.engine import StackIdentity
from shared.schemas.store import ResourceRecord, StackRecord

# Stack timeouts are given in minutes (Heat's timeout_mins).
SECONDS_PER_MINUTE = 60.0
#: Resources refreshing their attributes (reading nested stacks) at once.
_PREPARE_AT_ONCE = 16


@dataclass
class CancelNote:
    """Why a stack's running action is being cancelled, and whether it is asked to stop launching
    (``halt``: a newer update supersedes it). Shared by every Stack object of that action: an
    update walks a stack built for its target while the job holds the one it started from."""

    reason: str | None = None
    halt: asyncio.Event = field(default_factory=asyncio.Event)


@dataclass
class StackOptions:
    """What a stack's creator chooses beside the template (Heat's create_stack ``args``)."""

    timeout_mins: int | None = None
    disable_rollback: bool = True
    tags: list[str] = field(default_factory=list)

    @classmethod
    def from_record(cls, record: StackRecord) -> StackOptions:
        return cls(
            timeout_mins=record.timeout, disable_rollback=record.disable_rollback, tags=list(record.tags)
        )


class EngineResolver(StackResolver):
    """Answers get_resource / get_attr from the stack's live (or rebuilt) resources."""

    def __init__(self, stack: Stack) -> None:
        definition = stack.definition
        super().__init__(definition.parameters, definition.files, definition.environment.parent_resource)
        self._stack = stack

    def get_resource_reference(self, name: str) -> Any:
        return self._stack.resources[name].reference_id()

    def get_resource_attribute(self, name: str, attribute: str | None, path: Sequence[Any]) -> Any:
        # The plugin walks the path itself: a group's "resource.0" or "attributes"
        # only make sense together with what follows them.
        return self._stack.resources[name].attribute(attribute, path)


class PlanResolver(EngineResolver):
    """For a plan made before anything runs: a resource not created yet, or one the plan will
    replace (``unknown``), has no value to give yet."""

    def __init__(self, stack: Stack, unknown: Callable[[str], bool]) -> None:
        super().__init__(stack)
        self._unknown = unknown

    def get_resource_reference(self, name: str) -> Any:
        if self._unknown(name) or self._stack.resources[name].plugin() is None:
            return UNRESOLVED
        return super().get_resource_reference(name)

    def get_resource_attribute(self, name: str, attribute: str | None, path: Sequence[Any]) -> Any:
        resource = self._stack.resources[name]
        if self._unknown(name) or resource.plugin() is None:
            resource.plugin_class.validate_attribute(name, attribute or "show")
            return UNRESOLVED
        return super().get_resource_attribute(name, attribute, path)


HostFactory = Callable[["Stack"], ResourceHost]


@functools.lru_cache(maxsize=256)
def _provider_class(type_name: str, template: str, template_name: str) -> type[Resource]:
    """The plugin of a provider-template type, made once per (type, template text): a group's
    1,000 members of one provider type would otherwise parse its template 1,000 times per load."""
    body = load_document(template)
    # A CloudFormation-format provider: its parameters and outputs read as HOT's; the
    # nested stack is made from the template as written.
    schema = to_hot(body) if is_cfn(body) else body
    return provider_plugin(type_name, schema, template_name, child=body)


class Stack:
    def __init__(
        self,
        ctxt: RequestContext,
        definition: StackDefinition,
        *,
        stack_id: str,
        name: str,
        environment: dict[str, Any],
        registry: ResourceRegistry,
        transitions: TransitionSink,
        host_factory: HostFactory,
        options: StackOptions | None = None,
        owner_id: str | None = None,
        nested_depth: int = 0,
        parent_resource_name: str | None = None,
        record: StackRecord | None = None,
        root: Stack | None = None,
        cancel_note: CancelNote | None = None,
    ) -> None:
        self.ctxt = ctxt
        self.definition = definition
        self.id = stack_id
        self.name = name
        self.environment = environment
        self.registry = registry
        self.options = options or StackOptions()
        self.owner_id = owner_id
        self.nested_depth = nested_depth
        self.parent_resource_name = parent_resource_name
        self.record = record
        self.root = root or self
        # On the root: the resources of every nested stack below it (max_resources_per_stack);
        # None until counted: a stack made here starts at 0, one loaded is counted from the store
        # when a nested stack first needs it (lifecycle.ops.nested_resources).
        self.nested_resource_count: int | None = None
        self.children: set[str] = set()
        self.cancel_note = cancel_note or CancelNote()
        self.transitions = transitions
        self.host = host_factory(self)
        self.resolver = EngineResolver(self)
        self.resources: dict[str, StackResource] = {
            name: StackResource(self, defn, self.plugin_class(name))
            for name, defn in definition.resources.items()
        }
        #: Rows the definition does not account for: the other half of a replacement, or a
        #: resource an update removed, left by an update that did not finish. Deleted by the
        #: next update, rollback or delete.
        self.spare: list[StackResource] = []

    @property
    def cancel_reason(self) -> str | None:
        return self.cancel_note.reason

    @cancel_reason.setter
    def cancel_reason(self, reason: str | None) -> None:
        self.cancel_note.reason = reason

    def plugin_class(self, name: str, definition: StackDefinition | None = None) -> type[Resource]:
        """The plugin of a resource of this (or another) definition: a registered type or a provider template."""
        resolved = (definition or self.definition).resolve_type(name)
        if resolved.is_provider_template:
            return _provider_class(resolved.requested, resolved.template or "", resolved.template_name or "")
        return self.registry.get_plugin(resolved.plugin_type or resolved.requested)

    # --- identity and views ---------------------------------------------------------

    def identifier(self) -> StackIdentity:
        return {
            "tenant": self.ctxt.project_id or "",
            "stack_name": self.name,
            "stack_id": self.id,
            "path": "",
        }

    @property
    def action(self) -> str:
        return self.record.action if self.record else Action.INIT

    @property
    def status(self) -> str:
        return self.record.status if self.record else Status.COMPLETE

    @property
    def timeout_seconds(self) -> float | None:
        minutes = self.options.timeout_mins
        return minutes * SECONDS_PER_MINUTE if minutes else None

    def total_resources(self) -> int:
        """This stack's resources plus those of every nested stack below it (on the root), as
        far as they are counted (see ``nested_resource_count``)."""
        return len(self.resources) + (self.nested_resource_count or 0)

    def parameters_display(self) -> dict[str, str]:
        return self.definition.parameters.as_strings(mask_hidden=True)

    async def prepare_attributes(self, names: Iterable[str] | None = None) -> None:
        """Let plugins whose attributes live elsewhere (nested stacks) refresh them."""
        plugins = [
            plugin
            for plugin in (
                self.resources[name].plugin() for name in (self.resources if names is None else names)
            )
            # Most plugins keep their attributes themselves: nothing to wait for.
            if plugin is not None and type(plugin).prepare_attributes is not Resource.prepare_attributes
        ]
        if len(plugins) == 1:
            await plugins[0].prepare_attributes()
        elif plugins:
            # A group's outputs read every member's nested stack: a few at a time, not one by one.
            gate = asyncio.Semaphore(_PREPARE_AT_ONCE)

            async def prepare(plugin: Resource) -> None:
                async with gate:
                    await plugin.prepare_attributes()

            await asyncio.gather(*(prepare(p) for p in plugins))

    async def prepare_dependencies(self, resource: StackResource) -> None:
        await self.prepare_attributes(self.definition.dependencies.requires(resource.name))

    async def outputs(self) -> list[dict[str, Any]]:
        """Every output resolved; one that fails carries ``output_error`` instead of a value.

        An output naming a resource that does not exist yet (not started, or still being created)
        is null, as Heat's are while a stack is unfinished: not a guess such as a group's member
        names before the members are there.
        """
        referenced = {ref.resource for out in self.definition.outputs.values() for ref in out.references()}
        await self.prepare_attributes(referenced & self.resources.keys())
        unmade = {name for name, resource in self.resources.items() if not resource.made}
        values = self.definition.output_values(self.resolver)
        for item, out in zip(values, self.definition.outputs.values(), strict=True):
            waiting = unmade and any(ref.resource in unmade for ref in out.references())
            if waiting or item.get("output_value") is UNRESOLVED:
                item["output_value"] = None
                item.pop("output_error", None)
        return values

    def spare_resource(self, row: ResourceRecord, other: StackDefinition | None = None) -> StackResource:
        """A StackResource for a row outside the definition (see ``spare``), able to delete itself."""
        for definition in (self.definition, other):
            if definition is not None and row.name in definition.resources:
                defn = definition.resources[row.name]
                if defn.type == row.type:
                    return StackResource(self, defn, self.plugin_class(row.name, definition), row)
        try:
            plugin: type[Resource] = self.registry.get_plugin(row.type)
        except EmberError:
            plugin = orphan_plugin(row.type)
        return StackResource(self, ResourceDefinition(name=row.name, type=row.type), plugin, row)

    def resource_rows(self, resources: Iterable[StackResource]) -> list[dict[str, Any]]:
        """New rows (INIT_COMPLETE) for resources that have none yet."""
        return [
            {
                "name": r.name,
                "type": r.type,
                "action": Action.INIT,
                "status": Status.COMPLETE,
                "status_reason": "",
                "depends_on": sorted(self.definition.dependencies.requires(r.name)),
            }
            for r in resources
        ]
