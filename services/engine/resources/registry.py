"""Which plugin implements which resource type.

The registry holds the built-in plugins and those third parties ship through
the ``ember.resources`` entry point group, and answers the questions the API
asks about types (list, schema, template). Aliases and provider templates
from a stack's environment are resolved by the template layer first; this
registry only knows global plugin classes.

An entry point is either a ``Resource`` subclass, registered under the entry
point's name, or a callable returning ``{type_name: class}`` (several types
from one package). A broken third-party plugin is logged and skipped: it
must not stop the engine from starting.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping
from functools import cache
from importlib import metadata
from typing import Any, Protocol

from shared.exceptions import InvalidInput, NotSupported, ResourceTypeNotFound

from .attributes import SHOW
from .base import Resource
from .builtin import BUILTINS
from .properties import schema_to_dict
from .support import HIDDEN, STATUSES
from .template_gen import resource_template

LOG = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "ember.resources"


class EntryPointLike(Protocol):
    """What we use of ``importlib.metadata.EntryPoint`` (tests pass fakes)."""

    @property
    def name(self) -> str: ...

    def load(self) -> Any: ...


class ResourceRegistry:
    """Type name -> plugin class."""

    def __init__(self) -> None:
        self._types: dict[str, type[Resource]] = {}
        self._builtin: set[str] = set()

    def register(self, plugin: type[Resource], type_name: str | None = None) -> None:
        """Add (or replace) a plugin; the name defaults to ``plugin.type_name``."""
        if not (isinstance(plugin, type) and issubclass(plugin, Resource)):
            raise TypeError(f"{plugin!r} is not a Resource subclass")
        name = type_name or plugin.type_name
        if not name:
            raise TypeError(f"{plugin!r} has no type name")
        if plugin.type_name != name:
            # Keep the class's own name truthful for schema output and errors.
            plugin = type(plugin.__name__, (plugin,), {"type_name": name})
        self._types[name] = plugin

    def register_builtins(self) -> None:
        for plugin in BUILTINS:
            self.register(plugin)
            self._builtin.add(plugin.type_name)

    def load_entry_points(self, entry_points: Iterable[EntryPointLike] | None = None) -> list[str]:
        """Register the plugins of the ``ember.resources`` group; returns the names added.

        Built-in types cannot be overridden this way (a plugin shadowing
        OS::Heat::None would silently change every stack).
        """
        if entry_points is None:
            entry_points = metadata.entry_points(group=ENTRY_POINT_GROUP)
        added: list[str] = []
        for ep in entry_points:
            try:
                loaded = ep.load()
                found = self._plugins_from(ep.name, loaded)
            except Exception:  # third-party code may fail in any way; never take the engine down
                LOG.exception("resource plugin entry point %r failed to load; skipped", ep.name)
                continue
            for name, plugin in found.items():
                if name in self._builtin:
                    LOG.warning("entry point %r may not replace built-in type %s; skipped", ep.name, name)
                    continue
                self.register(plugin, name)
                added.append(name)
        return added

    @staticmethod
    def _plugins_from(ep_name: str, loaded: Any) -> Mapping[str, type[Resource]]:
        if isinstance(loaded, type):
            if not issubclass(loaded, Resource):
                raise TypeError(f"{loaded!r} is not a Resource subclass")
            return {ep_name or loaded.type_name: loaded}
        if callable(loaded):
            mapping = loaded()
            if not isinstance(mapping, Mapping) or not all(
                isinstance(k, str) and isinstance(v, type) and issubclass(v, Resource)
                for k, v in mapping.items()
            ):
                raise TypeError(f"{ep_name}: the mapping function must return {{type_name: Resource}}")
            return mapping
        raise TypeError(f"{ep_name}: {loaded!r} is neither a Resource subclass nor a mapping function")

    def __contains__(self, type_name: object) -> bool:
        return type_name in self._types

    def get_plugin(self, type_name: str) -> type[Resource]:
        """The plugin class; raises ``ResourceTypeNotFound`` (404) for an unknown type."""
        try:
            return self._types[type_name]
        except (KeyError, TypeError):
            raise ResourceTypeNotFound(name=type_name) from None

    def list_types(
        self,
        *,
        name: str | None = None,
        support_status: str | None = None,
        version: str | None = None,
        with_description: bool = False,
    ) -> list[str] | list[dict[str, str]]:
        """Sorted type names (or ``{resource_type, description}``) matching the filters.

        ``name`` is a regular expression matched at the start of the type
        name; ``support_status`` one of SUPPORTED, DEPRECATED, ...; ``version``
        the Heat release that introduced the type. Hidden types are never listed.
        """
        pattern = _compile(name)
        if support_status is not None and support_status.upper() not in STATUSES:
            raise InvalidInput(field="support_status", reason=f"{support_status!r} is not one of {STATUSES}")
        keep: list[type[Resource]] = []
        for type_name, plugin in sorted(self._types.items()):
            status = plugin.support_status
            if status.status == HIDDEN:
                continue
            if pattern is not None and not pattern.match(type_name):
                continue
            if support_status is not None and status.status != support_status.upper():
                continue
            if version is not None and status.version != version:
                continue
            keep.append(plugin)
        if with_description:
            return [{"resource_type": p.type_name, "description": p.description} for p in keep]
        return [p.type_name for p in keep]

    def _visible_plugin(self, type_name: str) -> type[Resource]:
        """The plugin of a type a user may ask about; a hidden type is NotSupported, as in Heat."""
        plugin = self.get_plugin(type_name)
        if plugin.support_status.status == HIDDEN:
            raise NotSupported(feature=type_name)
        return plugin

    def schema(self, type_name: str, with_description: bool = True) -> dict[str, Any]:
        """What Heat's ``resource_schema`` returns for a type (its description only if asked)."""
        plugin = self._visible_plugin(type_name)
        attributes = {k: a.to_dict() for k, a in plugin.full_attributes_schema().items()}
        schema: dict[str, Any] = {
            "resource_type": type_name,
            "properties": {k: schema_to_dict(p) for k, p in plugin.properties_schema.items() if not p.hidden},
            "attributes": attributes,
            "support_status": plugin.support_status.to_dict(),
        }
        if with_description:
            schema["description"] = plugin.description
        return schema

    def template(self, type_name: str, template_type: str = "hot") -> dict[str, Any]:
        """The generated template for ``/resource_types/{type}/template``."""
        return resource_template(self._visible_plugin(type_name), template_type)


def _compile(name: str | None) -> re.Pattern[str] | None:
    if name is None:
        return None
    try:
        return re.compile(name)
    except re.error as exc:
        raise InvalidInput(field="name", reason=f"not a valid regular expression: {exc}") from None


def new_registry(load_plugins: bool = True) -> ResourceRegistry:
    """A registry with the built-ins and (unless told not to) the installed plugins."""
    registry = ResourceRegistry()
    registry.register_builtins()
    if load_plugins:
        registry.load_entry_points()
    return registry


@cache
def default_registry() -> ResourceRegistry:
    """The process-wide registry, built once on first use."""
    return new_registry()


# SHOW is re-exported because callers validating get_attr need it with the registry.
__all__ = ["ENTRY_POINT_GROUP", "SHOW", "ResourceRegistry", "default_registry", "new_registry"]
