"""What the template layer needs from the resource plugin registry.

Structural types only: ``services.engine.resources.ResourceRegistry`` fits
them as it is (``get_plugin`` raising ResourceTypeNotFound, plugin classes
with ``validate_properties(name, properties)`` and ``has_attribute(name)``),
and tests can pass small fakes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol


class PluginClass(Protocol):
    """A resource plugin class as validation sees it."""

    @classmethod
    def validate_properties(cls, name: str, properties: Mapping[str, Any] | None) -> dict[str, Any]:
        """Check resolved properties (unknown values given as the plugin layer's UNRESOLVED)."""
        ...

    @classmethod
    def has_attribute(cls, name: str) -> bool: ...


class PluginRegistry(Protocol):
    def get_plugin(self, type_name: str) -> Any:
        """The plugin class for a type; raises an EmberError (ResourceTypeNotFound) for unknown ones."""
        ...
