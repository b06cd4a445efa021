"""Built-in resource types that need no cloud."""

from __future__ import annotations

from ..base import Resource
from .none import NoneResource
from .random_string import RandomString
from .resource_group import ResourceGroup
from .test_resource import TestResource
from .value import Value

BUILTINS: tuple[type[Resource], ...] = (NoneResource, RandomString, ResourceGroup, TestResource, Value)

__all__ = ["BUILTINS", "NoneResource", "RandomString", "ResourceGroup", "TestResource", "Value"]
