"""The stack environment: parameter values, defaults and the resource registry.

A user's environment files are merged in order (later ones win) into one
Environment. Its ``resource_registry`` maps type names to other types
(aliases such as ``My::Thing: OS::Heat::None``) or to a template in
``files`` (a provider template, created as a nested stack); ``resolve_type``
follows those mappings to a ResolvedType the engine can act on.
"""

from __future__ import annotations

import copy
import fnmatch
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from shared.exceptions import InvalidTemplate, StackValidationFailed

from .paths import type_name
from .template import load_document

LOG = logging.getLogger(__name__)

SECTIONS = (
    "parameters",
    "parameter_defaults",
    "resource_registry",
    "encrypted_param_names",
    "event_sinks",
    "parameter_merge_strategies",
    "parent_resource",
)
MERGE_STRATEGIES = ("overwrite", "merge", "deep_merge")
# Heat treats a registry value with one of these endings (or a URL) as a template.
_TEMPLATE_SUFFIXES = (".yaml", ".yml", ".template", ".json")
_MAX_ALIAS_CHAIN = 20


@dataclass(frozen=True)
class ResolvedType:
    """What a resource type name stands for after the registry.

    ``plugin_type`` is the plugin to use; for a provider template it is
    None and ``template_name`` names the entry in ``files`` whose content
    (``template``) becomes a nested stack.
    """

    requested: str
    plugin_type: str | None
    template_name: str | None = None
    template: str | None = None

    @property
    def is_provider_template(self) -> bool:
        return self.template_name is not None


def is_template_name(value: str) -> bool:
    lowered = value.lower()
    return lowered.endswith(_TEMPLATE_SUFFIXES) or "://" in lowered


@dataclass
class Environment:
    """A merged environment. Build with ``Environment.load`` or ``merge``."""

    parameters: dict[str, Any] = field(default_factory=dict)
    parameter_defaults: dict[str, Any] = field(default_factory=dict)
    resource_registry: dict[str, Any] = field(default_factory=dict)
    encrypted_param_names: list[str] = field(default_factory=list)
    parameter_merge_strategies: dict[str, str] = field(default_factory=dict)
    #: In a provider template's nested stack: the facade of the resource it stands for
    #: (metadata, deletion_policy, update_policy), which ``resource_facade`` reads.
    parent_resource: dict[str, Any] | None = None

    @classmethod
    def load(cls, data: str | bytes | Mapping[str, Any] | None) -> Environment:
        """One environment from YAML/JSON text or a mapping. Raises InvalidTemplate."""
        if data is None:
            return cls()
        if isinstance(data, Mapping) and not data:
            return cls()
        doc = load_document(data)
        env = cls()
        env._apply(doc)
        return env

    @classmethod
    def merge(
        cls, environments: Iterable[str | bytes | Mapping[str, Any] | Environment | None]
    ) -> Environment:
        """Merge several environments in order; later values win unless a merge strategy says otherwise."""
        result = cls()
        for item in environments:
            env = item if isinstance(item, Environment) else cls.load(item)
            result._apply(env.to_dict())
        return result

    def _apply(self, doc: Mapping[str, Any]) -> None:
        for key in doc:
            if key not in SECTIONS:
                raise InvalidTemplate(reason=f'environment: unknown section "{key}"')
        if doc.get("event_sinks"):
            LOG.warning("environment: event_sinks are not supported by Ember and are ignored")
        strategies = _mapping(doc, "parameter_merge_strategies")
        for name, strategy in strategies.items():
            if strategy not in MERGE_STRATEGIES:
                raise InvalidTemplate(
                    reason=f'environment.parameter_merge_strategies.{name}: unknown strategy "{strategy}"'
                )
        self.parameter_merge_strategies.update(strategies)
        for section in ("parameters", "parameter_defaults"):
            target = getattr(self, section)
            for name, value in _mapping(doc, section).items():
                target[name] = self._merged_value(name, target.get(name), value, name in target)
        _merge_registry(self.resource_registry, _mapping(doc, "resource_registry"), "resource_registry")
        names = doc.get("encrypted_param_names") or []
        if not isinstance(names, list):
            raise InvalidTemplate(reason="environment.encrypted_param_names: must be a list")
        self.encrypted_param_names.extend(n for n in names if n not in self.encrypted_param_names)
        parent = doc.get("parent_resource")
        if parent is not None:
            if not isinstance(parent, Mapping):
                raise InvalidTemplate(reason="environment.parent_resource: must be a map")
            self.parent_resource = dict(parent)

    def _merged_value(self, name: str, old: Any, new: Any, present: bool) -> Any:
        strategy = self.parameter_merge_strategies.get(name, self.parameter_merge_strategies.get("default"))
        if not present or strategy in (None, "overwrite"):
            return new
        if isinstance(old, list) and isinstance(new, list):
            return [*old, *new]
        if isinstance(old, dict) and isinstance(new, dict):
            return _deep_merge(old, new) if strategy == "deep_merge" else {**old, **new}
        if isinstance(old, str) and isinstance(new, str):
            return f"{old},{new}" if old and new else old or new
        if isinstance(old, (int, float)) and isinstance(new, (int, float)):
            return old + new
        return new

    def to_dict(self) -> dict[str, Any]:
        """The environment as Heat's validate_template and show_stack report it."""
        return {
            "parameters": copy.deepcopy(self.parameters),
            "parameter_defaults": copy.deepcopy(self.parameter_defaults),
            "resource_registry": copy.deepcopy(self.resource_registry),
            "encrypted_param_names": list(self.encrypted_param_names),
            "parameter_merge_strategies": dict(self.parameter_merge_strategies),
            "event_sinks": [],
            **(
                {}
                if self.parent_resource is None
                else {"parent_resource": copy.deepcopy(self.parent_resource)}
            ),
        }

    def user_dict(self) -> dict[str, Any]:
        """The environment as Heat's validate_template reports it: the user's keys only.

        Heat leaves out what is internal to the stored environment
        (encrypted_param_names, merge strategies) and always shows the
        registry's per-resource ``resources`` map, empty or not.
        """
        registry = copy.deepcopy(self.resource_registry)
        registry.setdefault("resources", {})
        return {
            "resource_registry": registry,
            "parameters": copy.deepcopy(self.parameters),
            "parameter_defaults": copy.deepcopy(self.parameter_defaults),
            "event_sinks": [],
        }

    def child(
        self,
        parameters: Mapping[str, Any],
        *,
        resource_name: str | None = None,
        mapped_type: str | None = None,
        template_name: str | None = None,
        facade: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        """The environment of a nested stack made for ``resource_name``, as Heat builds it.

        - ``parameters`` (the resource's properties) replace the parent's:
          they belong to the child template alone;
        - ``parameter_defaults`` are inherited, so a provider template's
          parameter without a default can be satisfied by the parent's
          environment;
        - the registry entry that mapped ``mapped_type`` to
          ``template_name`` is dropped, so that inside that template the
          same type means the plugin it stood for (no self-recursion);
        - the per-resource ``resources`` section becomes the parent's entry
          for ``resource_name`` (exact name or glob) one level down: its maps
          name the child's resources (its type mappings were for the
          resource itself, in the parent).
        """
        registry = copy.deepcopy(self.resource_registry)
        per_resource = registry.pop("resources", None) or {}
        if mapped_type is not None and registry.get(mapped_type) == template_name:
            del registry[mapped_type]
        if resource_name is not None:
            child_resources: dict[str, Any] = {}
            for pattern, entry in per_resource.items():
                if pattern != resource_name and fnmatch.fnmatchcase(resource_name, pattern):
                    child_resources.update(entry)
            child_resources.update(per_resource.get(resource_name) or {})
            # The entry's type mappings applied to the resource itself, in the parent;
            # its maps name the child's own resources.
            nested = {k: v for k, v in child_resources.items() if isinstance(v, dict)}
            if nested:
                registry["resources"] = nested
        child: dict[str, Any] = {
            "parameters": dict(parameters),
            "parameter_defaults": copy.deepcopy(self.parameter_defaults),
            "resource_registry": registry,
        }
        if facade is not None:
            child["parent_resource"] = dict(facade)
        return child

    def resolve_type(
        self, type_name_: str, files: Mapping[str, str], resource_name: str | None = None
    ) -> ResolvedType:
        """Follow the registry from ``type_name_`` (for ``resource_name``) to a plugin or template.

        Raises StackValidationFailed for a loop in the registry, a type mapped
        to null (disabled) or a template missing from ``files``.
        """
        where = f"resources.{resource_name}" if resource_name else "resource_registry"
        current = type_name_
        seen = [current]
        for _ in range(_MAX_ALIAS_CHAIN):
            target = self._lookup(current, resource_name)
            if target is _NOT_MAPPED or target == current:
                if is_template_name(current):
                    return self._template(type_name_, current, files, where)
                return ResolvedType(requested=type_name_, plugin_type=current)
            if target is None:
                raise StackValidationFailed(
                    path=where, reason=f'the type "{current}" is disabled by the environment'
                )
            if is_template_name(target):
                return self._template(type_name_, target, files, where)
            if target in seen:
                chain = " -> ".join([*seen, target])
                raise StackValidationFailed(path=where, reason=f"the resource_registry loops: {chain}")
            seen.append(target)
            current = target
        raise StackValidationFailed(path=where, reason=f'the type "{type_name_}" has too many aliases')

    @staticmethod
    def _template(requested: str, name: str, files: Mapping[str, str], where: str) -> ResolvedType:
        if name not in files:
            raise StackValidationFailed(
                path=where, reason=f'the template "{name}" for type "{requested}" is not in files'
            )
        return ResolvedType(requested=requested, plugin_type=None, template_name=name, template=files[name])

    def _lookup(self, type_name_: str, resource_name: str | None) -> Any:
        per_resource = self.resource_registry.get("resources") or {}
        if resource_name is not None and isinstance(per_resource.get(resource_name), dict):
            entry = per_resource[resource_name]
            if type_name_ in entry:
                return entry[type_name_]
        if type_name_ in self.resource_registry and type_name_ != "resources":
            return self.resource_registry[type_name_]
        # Globs such as "OS::Networking::*": "OS::Neutron::*"; the longest pattern wins.
        for pattern in sorted(self.resource_registry, key=len, reverse=True):
            if pattern == "resources" or "*" not in pattern:
                continue
            if fnmatch.fnmatchcase(type_name_, pattern):
                value = self.resource_registry[pattern]
                if isinstance(value, str) and value.endswith("*"):
                    return value[:-1] + type_name_[len(pattern) - 1 :]
                return value
        return _NOT_MAPPED


_NOT_MAPPED: Any = object()


def _mapping(doc: Mapping[str, Any], section: str) -> dict[str, Any]:
    value = doc.get(section)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise InvalidTemplate(reason=f"environment.{section}: must be a map, not a {type_name(value)}")
    return value


def _deep_merge(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    result = dict(old)
    for key, value in new.items():
        if isinstance(result.get(key), dict) and isinstance(value, dict):
            result[key] = _deep_merge(result[key], value)
        else:
            result[key] = value
    return result


def _merge_registry(target: dict[str, Any], new: dict[str, Any], where: str) -> None:
    for key, value in new.items():
        if not isinstance(key, str):
            raise InvalidTemplate(reason=f"environment.{where}: {key!r} is not a type name")
        if key == "resources" and where == "resource_registry":
            if not isinstance(value, dict):
                raise InvalidTemplate(reason="environment.resource_registry.resources: must be a map")
            resources = target.setdefault("resources", {})
            for rname, entry in value.items():
                if not isinstance(entry, dict):
                    raise InvalidTemplate(
                        reason=f"environment.resource_registry.resources.{rname}: must be a map"
                    )
                resources.setdefault(rname, {}).update(entry)
            continue
        if value is not None and not isinstance(value, str):
            raise InvalidTemplate(
                reason=f"environment.{where}.{key}: must be a type name or a template, not a {type_name(value)}"
            )
        target[key] = value
