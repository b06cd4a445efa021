"""OS::Heat::None: a placeholder that creates nothing.

Used to stub out a resource type through the environment
(``My::Server: OS::Heat::None``), so it accepts whatever properties the
stubbed type had and ignores them.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any, ClassVar

from ..base import Resource
from ..support import SupportStatus


class NoneResource(Resource):
    type_name: ClassVar[str] = "OS::Heat::None"
    external_state: ClassVar[bool] = False  # nothing outside the engine's records
    description: ClassVar[str] = (
        "Enables easily disabling certain resources via the resource_registry. It does nothing, "
        "but can effectively stub out any other resource because it accepts any properties."
    )
    support_status: ClassVar[SupportStatus] = SupportStatus(version="5.0.0")
    accepts_any_properties: ClassVar[bool] = True

    @classmethod
    def has_attribute(cls, name: str) -> bool:
        return True  # stands in for any type, so any get_attr is accepted (and gives None)

    def get_attribute(self, name: str, *path: Any) -> Any:
        return None

    def needs_replacement(self, new_properties: Mapping[str, Any]) -> bool:
        return False  # a stub is never replaced, whatever the stubbed properties do

    async def handle_create(self) -> Any:
        # A uuid rather than a physical name: there is no thing being named.
        self.resource_id = str(uuid.uuid4())
        return None
