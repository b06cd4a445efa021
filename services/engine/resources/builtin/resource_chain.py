"""OS::Heat::ResourceChain: a nested stack of resources of the listed types, one after another.

Member ``N`` has the N-th type of ``resources`` and ``resource_properties``;
unless ``concurrent``, each depends on the one before it, so they are
created in order (and deleted in reverse). Its attributes are the group's:
``refs``, ``attributes`` (one member attribute of each) and ``resource.N``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from shared.exceptions import StackValidationFailed

from ..attributes import LIST, MAP, Attribute
from ..nested import NestedStackResource
from ..properties import BOOLEAN, Property, contains_unresolved
from ..properties import LIST as PLIST
from ..properties import MAP as PMAP
from ..support import SupportStatus
from .resource_group import ResourceGroup


class ResourceChain(ResourceGroup):
    type_name: ClassVar[str] = "OS::Heat::ResourceChain"
    description: ClassVar[str] = (
        "Creates resources of the listed types in a nested stack, each depending on the previous one "
        "unless concurrent."
    )
    support_status: ClassVar[SupportStatus] = SupportStatus(version="6.0.0")
    properties_schema: ClassVar[Mapping[str, Property]] = {
        "resources": Property(
            PLIST,
            "The list of resource types to create. This list may contain type names or aliases defined in "
            "the resource registry. Specific template names are not supported.",
            required=True,
            update_allowed=True,
        ),
        "concurrent": Property(
            BOOLEAN,
            "If true, the resources in the chain will be created concurrently. If false or omitted, each "
            "resource will be treated as having a dependency on the previous resource in the list.",
            default=False,
        ),
        "resource_properties": Property(
            PMAP, "Properties to pass to each resource being created in the chain.", update_allowed=True
        ),
    }
    attributes_schema: ClassVar[Mapping[str, Attribute]] = {
        "refs": Attribute("A list of resource IDs for the resources in the chain.", LIST),
        "attributes": Attribute(
            "A map of resource names to the specified attribute of each individual resource.", MAP
        ),
    }

    @classmethod
    def check_properties(cls, properties: dict[str, Any], path: str) -> None:
        types = properties.get("resources")
        if isinstance(types, list) and not contains_unresolved(types):
            for index, kind in enumerate(types):
                if not isinstance(kind, str) or not kind:
                    raise StackValidationFailed(
                        path=f"{path}.resources[{index}]", reason="must be a type name"
                    )

    def removed_names(self) -> list[str]:
        return []

    def member_names(self) -> list[str]:
        return [str(i) for i in range(len(self.properties.get("resources") or []))]

    def member_definition(self, name: str) -> dict[str, Any]:
        index = int(name)
        member: dict[str, Any] = {"type": self.properties["resources"][index]}
        props = {k: v for k, v in (self.properties.get("resource_properties") or {}).items() if v is not None}
        if props:
            member["properties"] = props
        if index > 0 and not self.properties.get("concurrent"):
            member["depends_on"] = [str(index - 1)]
        return member

    async def handle_create(self) -> Any:
        return await NestedStackResource.handle_create(self)

    def prepare_update(self, old_properties: dict[str, Any]) -> None:
        """Nothing to keep: a chain's members are its list."""

    async def handle_update(self, new_properties: dict[str, Any], prop_diff: dict[str, Any]) -> Any:
        return await NestedStackResource.handle_update(self, new_properties, prop_diff)

    def all_attributes(self) -> dict[str, Any]:
        return {"refs": self.get_attribute("refs")}
