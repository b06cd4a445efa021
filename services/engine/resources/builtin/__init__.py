"""Built-in resource types that need no cloud."""

from __future__ import annotations

from ..base import Resource
from .none import NoneResource
from .random_string import RandomString
from .resource_group import ResourceGroup
from .test_resource import TestResource
from .value import Value
from .wait_condition import CfnWaitCondition, HeatWaitCondition
from .wait_handle import CfnWaitConditionHandle, HeatWaitConditionHandle, UpdateWaitConditionHandle

BUILTINS: tuple[type[Resource], ...] = (
    NoneResource,
    RandomString,
    ResourceGroup,
    TestResource,
    Value,
    HeatWaitConditionHandle,
    HeatWaitCondition,
    UpdateWaitConditionHandle,
    CfnWaitConditionHandle,
    CfnWaitCondition,
)

__all__ = [
    "BUILTINS",
    "CfnWaitCondition",
    "CfnWaitConditionHandle",
    "HeatWaitCondition",
    "HeatWaitConditionHandle",
    "NoneResource",
    "RandomString",
    "ResourceGroup",
    "TestResource",
    "UpdateWaitConditionHandle",
    "Value",
]
