"""Built-in resource types that need no cloud."""

from __future__ import annotations

from ..base import Resource
from .autoscaling import AutoScalingGroup
from .delay import Delay
from .deployment_group import SoftwareDeploymentGroup, StructuredDeploymentGroup
from .none import NoneResource
from .random_string import RandomString
from .resource_chain import ResourceChain
from .resource_group import ResourceGroup
from .scaling_policy import ScalingPolicy
from .software_config import CloudConfig, MultipartMime, SoftwareConfig, StructuredConfig
from .software_deployment import SoftwareDeployment, StructuredDeployment
from .stack_resource import HeatStack
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
    SoftwareConfig,
    StructuredConfig,
    CloudConfig,
    MultipartMime,
    SoftwareDeployment,
    StructuredDeployment,
    SoftwareDeploymentGroup,
    StructuredDeploymentGroup,
    AutoScalingGroup,
    ScalingPolicy,
    ResourceChain,
    HeatStack,
    Delay,
)

__all__ = [
    "BUILTINS",
    "AutoScalingGroup",
    "CfnWaitCondition",
    "CfnWaitConditionHandle",
    "CloudConfig",
    "Delay",
    "HeatStack",
    "HeatWaitCondition",
    "HeatWaitConditionHandle",
    "MultipartMime",
    "NoneResource",
    "RandomString",
    "ResourceChain",
    "ResourceGroup",
    "ScalingPolicy",
    "SoftwareConfig",
    "SoftwareDeployment",
    "SoftwareDeploymentGroup",
    "StructuredConfig",
    "StructuredDeployment",
    "StructuredDeploymentGroup",
    "TestResource",
    "UpdateWaitConditionHandle",
    "Value",
]
