"""Resource plugins: schemas, the plugin base class, built-in types and the registry.

The engine's entry points are ``default_registry().get_plugin(type_name)``
and the ``Resource`` lifecycle; the template layer uses
``Resource.validate_properties`` with ``UNRESOLVED`` for unknown values.
"""

from __future__ import annotations

from .attributes import Attribute
from .base import Resource, ResourceHost
from .constraints import AllowedPattern, AllowedValues, Length, Range
from .properties import UNRESOLVED, Property, Unresolved, is_unresolved, validate_properties
from .provider import TemplateResource, orphan_plugin, provider_plugin
from .registry import ENTRY_POINT_GROUP, ResourceRegistry, default_registry, new_registry
from .support import SupportStatus

__all__ = [
    "ENTRY_POINT_GROUP",
    "UNRESOLVED",
    "AllowedPattern",
    "AllowedValues",
    "Attribute",
    "Length",
    "Property",
    "Range",
    "Resource",
    "ResourceHost",
    "ResourceRegistry",
    "SupportStatus",
    "TemplateResource",
    "Unresolved",
    "default_registry",
    "is_unresolved",
    "new_registry",
    "orphan_plugin",
    "provider_plugin",
    "validate_properties",
]
