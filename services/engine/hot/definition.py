"""Resource and output definitions: what the template says about each, parsed.

A ResourceDefinition holds its properties as a function tree; nothing is
resolved until the engine asks (``resolved_properties(resolver)``), because
values such as get_attr only exist once other resources are created.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from shared.exceptions import StackValidationFailed

from .conditions import Conditions
from .functions import Function, ParseContext, Reference, iter_references, parse, resolve
from .paths import join
from .resolver import UNRESOLVED, Resolver


@dataclass(frozen=True)
class ResourceDefinition:
    """One enabled resource of a template.

    ``properties``, ``metadata``, ``update_policy`` and ``external_id`` are
    parsed snippets (plain data with Function nodes). ``depends_on`` is the
    explicit list; ``dependencies()`` adds the implicit ones.
    """

    name: str
    type: str
    properties: dict[str, Any] = field(default_factory=dict)
    depends_on: tuple[str, ...] = ()
    metadata: dict[str, Any] = field(default_factory=dict)
    deletion_policy: str = "Delete"
    update_policy: dict[str, Any] = field(default_factory=dict)
    condition: Any = None
    external_id: Any = None
    description: str = ""
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def path(self) -> str:
        return f"resources.{self.name}"

    def references(self) -> Iterator[Reference]:
        """Every reference to another resource, implicit ones first, with where it is."""
        for snippet in (self.properties, self.metadata, self.update_policy, self.external_id):
            yield from iter_references(snippet)
        for target in self.depends_on:
            yield Reference(target, f"{self.path}.depends_on", "depends_on")

    def implicit_dependencies(self) -> frozenset[str]:
        return frozenset(r.resource for r in self.references() if r.kind != "depends_on")

    def dependencies(self) -> frozenset[str]:
        """Names of the resources this one needs created first."""
        return frozenset(r.resource for r in self.references())

    def resolved_properties(self, resolver: Resolver) -> dict[str, Any]:
        """The properties with every function resolved (removed ``if`` keys dropped)."""
        result = resolve(self.properties, resolver)
        return result if isinstance(result, dict) else {}

    def resolved_metadata(self, resolver: Resolver) -> dict[str, Any]:
        result = resolve(self.metadata, resolver)
        return result if isinstance(result, dict) else {}

    def resolved_update_policy(self, resolver: Resolver) -> dict[str, Any]:
        result = resolve(self.update_policy, resolver)
        return result if isinstance(result, dict) else {}

    def resolved_external_id(self, resolver: Resolver) -> Any:
        return resolve(self.external_id, resolver)

    def raw_properties(self) -> dict[str, Any]:
        """The properties as written in the template (functions unresolved)."""
        return copy.deepcopy(self.raw.get("properties") or {})


@dataclass(frozen=True)
class OutputDefinition:
    """One output. ``enabled`` is False when its condition is false (its value is then null)."""

    name: str
    value: Any
    description: str = ""
    enabled: bool = True
    condition: Any = None

    @property
    def path(self) -> str:
        return f"outputs.{self.name}"

    def references(self) -> Iterator[Reference]:
        if self.enabled:
            yield from iter_references(self.value)


def build_resource(
    name: str, body: dict[str, Any], ctx: ParseContext, conditions: Conditions
) -> tuple[ResourceDefinition, bool | None]:
    """Parse one (shape-checked) resource body; also returns its condition's value.

    The condition is None when it cannot be known yet (missing parameter values).
    """
    path = f"resources.{name}"
    enabled = conditions.check_reference(body.get("condition"), join(path, "condition"))
    properties = parse(body.get("properties") or {}, join(path, "properties"), ctx)
    metadata = parse(body.get("metadata") or {}, join(path, "metadata"), ctx)
    update_policy = parse(body.get("update_policy") or {}, join(path, "update_policy"), ctx)
    external_id = None
    if body.get("external_id") is not None:
        external_id = parse(body["external_id"], join(path, "external_id"), ctx)
        if not isinstance(external_id, (str, Function)):
            raise StackValidationFailed(path=join(path, "external_id"), reason="must be a string")
    deps = body.get("depends_on")
    depends_on = tuple([deps] if isinstance(deps, str) else (deps or []))
    defn = ResourceDefinition(
        name=name,
        type=body["type"],
        properties=properties if isinstance(properties, dict) else {},
        depends_on=tuple(dict.fromkeys(depends_on)),
        metadata=metadata if isinstance(metadata, dict) else {},
        deletion_policy=_deletion_policy(body.get("deletion_policy"), path, ctx, conditions),
        update_policy=update_policy if isinstance(update_policy, dict) else {},
        condition=body.get("condition"),
        external_id=external_id,
        description=str(body.get("description") or ""),
        raw=body,
    )
    return defn, enabled


def _deletion_policy(value: Any, path: str, ctx: ParseContext, conditions: Conditions) -> str:
    if value is None:
        return "Delete"
    where = join(path, "deletion_policy")
    parsed = parse(value, where, ctx)
    if isinstance(parsed, Function):
        # Heat allows get_param here; it depends only on parameters.
        parsed = parsed.resolve(conditions.parameter_resolver)
        if parsed is UNRESOLVED:
            return "Delete"
    policies = ctx.version.deletion_policies
    if not isinstance(parsed, str) or parsed not in policies:
        allowed = ", ".join(policies)
        raise StackValidationFailed(path=where, reason=f'"{parsed}" is not one of {allowed}')
    return policies[parsed]


def build_output(
    name: str, body: dict[str, Any], ctx: ParseContext, conditions: Conditions
) -> OutputDefinition:
    path = f"outputs.{name}"
    enabled = conditions.check_reference(body.get("condition"), join(path, "condition"))
    value = parse(body.get("value"), join(path, "value"), ctx)
    return OutputDefinition(
        name=name,
        value=value,
        description=str(body.get("description") or ""),
        enabled=enabled is not False,
        condition=body.get("condition"),
    )
