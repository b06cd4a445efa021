"""OS::Heat::SoftwareDeploymentGroup and StructuredDeploymentGroup: one deployment per server.

The group is a nested stack with a member deployment per key of
``servers`` (a map of name -> server id), each with the group's other
properties; a change of ``servers`` or of the shared properties is a nested
update, so a new server gets a deployment and a removed one loses it. The
attributes map each server name to its deployment's outputs.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from ..attributes import Attribute
from ..nested import NestedStackResource
from ..properties import MAP, Property
from ..support import SupportStatus
from .resource_group import CHILD_TEMPLATE_VERSION
from .software_deployment import DEPLOYMENT_PROPERTIES, SoftwareDeployment, StructuredDeployment

_OUTPUTS = {
    "deploy_stdouts": "deploy_stdout",
    "deploy_stderrs": "deploy_stderr",
    "deploy_status_codes": "deploy_status_code",
}


class SoftwareDeploymentGroup(NestedStackResource):
    type_name: ClassVar[str] = "OS::Heat::SoftwareDeploymentGroup"
    description: ClassVar[str] = "Deploys one software config to a set of servers (a deployment per server)."
    support_status: ClassVar[SupportStatus] = SupportStatus(version="5.0.0")
    member_type: ClassVar[type[SoftwareDeployment]] = SoftwareDeployment
    properties_schema: ClassVar[Mapping[str, Property]] = {
        **DEPLOYMENT_PROPERTIES,
        "servers": Property(
            MAP,
            "A map of names and server IDs to apply configuration to.",
            required=True,
            update_allowed=True,
        ),
    }
    attributes_schema: ClassVar[Mapping[str, Attribute]] = {
        "deploy_stdouts": Attribute(
            "A map of Nova names and captured stdouts from the configuration execution to each server.", "map"
        ),
        "deploy_stderrs": Attribute(
            "A map of Nova names and captured stderrs from the configuration execution to each server.", "map"
        ),
        "deploy_status_codes": Attribute(
            "A map of Nova names and returned status code from the configuration execution.", "map"
        ),
    }

    def member_properties(self, server: Any) -> dict[str, Any]:
        shared = {k: v for k, v in self.properties.items() if k != "servers" and v is not None}
        return {**shared, "server": server}

    def child_template(self) -> dict[str, Any]:
        servers = dict(self.properties.get("servers") or {})
        return {
            "heat_template_version": CHILD_TEMPLATE_VERSION,
            "resources": {
                str(name): {"type": self.member_type.type_name, "properties": self.member_properties(server)}
                for name, server in servers.items()
            },
            "outputs": {
                attribute: {"value": {str(name): {"get_attr": [str(name), output]} for name in servers}}
                for attribute, output in _OUTPUTS.items()
            },
        }

    def resolve_attribute(self, name: str) -> Any:
        return self.outputs.get(name) if name in _OUTPUTS else None


class StructuredDeploymentGroup(SoftwareDeploymentGroup):
    type_name: ClassVar[str] = "OS::Heat::StructuredDeploymentGroup"
    description: ClassVar[str] = (
        "Deploys one structured config to a set of servers (a deployment per server)."
    )
    member_type: ClassVar[type[SoftwareDeployment]] = StructuredDeployment
    properties_schema: ClassVar[Mapping[str, Property]] = {
        **SoftwareDeploymentGroup.properties_schema,
        "input_key": StructuredDeployment.properties_schema["input_key"],
        "input_values_validate": StructuredDeployment.properties_schema["input_values_validate"],
    }
