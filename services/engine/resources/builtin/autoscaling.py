"""OS::Heat::AutoScalingGroup: members of one definition in a nested stack, resized by signals.

The group keeps its members' names in ``data["members"]`` (short random
names, as Heat gives them); growing adds names, shrinking drops the newest,
and either is a nested update of the child stack. Its size starts at
``desired_capacity`` (else ``min_size``); a ``ScalingPolicy`` signal calls
``adjust``, which resizes within ``min_size`` .. ``max_size`` and waits for
the nested update. Names are kept oldest first: shrinking removes the oldest,
as Heat does.

A changed ``resource`` definition rolls through the members as Heat's
``rolling_updates`` say (``max_batch_size`` at a time, keeping
``min_in_service`` in service by creating new members first, ``pause_time``
between steps); a renewed member counts as the newest. A size change then
follows as the last step.
"""

from __future__ import annotations

import asyncio
import secrets
import string
import time
from collections.abc import Mapping
from typing import Any, ClassVar

from shared.exceptions import InvalidTemplateAttribute, StackValidationFailed

from ..attributes import LIST, MAP, Attribute, select_path
from ..constraints import Range
from ..properties import INTEGER, NUMBER, Property, contains_unresolved
from ..properties import MAP as PMAP
from ..rolling import RollingNestedStack, batches, pause_seconds, renew
from ..scaling import new_capacity
from ..support import SupportStatus
from .resource_group import CHILD_TEMPLATE_VERSION

_NAME_ALPHABET = string.ascii_lowercase + string.digits
#: How long a signal waits for the nested update of a resize.
RESIZE_TIMEOUT = 120.0


class AutoScalingGroup(RollingNestedStack):
    type_name: ClassVar[str] = "OS::Heat::AutoScalingGroup"
    description: ClassVar[str] = (
        "A group of identical resources whose size a ScalingPolicy's signal changes within min_size and max_size."
    )
    support_status: ClassVar[SupportStatus] = SupportStatus(version="2014.1")
    properties_schema: ClassVar[Mapping[str, Property]] = {
        "desired_capacity": Property(INTEGER, "Desired initial number of resources.", update_allowed=True),
        "max_size": Property(
            INTEGER,
            "Maximum number of resources in the group.",
            required=True,
            update_allowed=True,
            constraints=(Range(min=0),),
        ),
        "min_size": Property(
            INTEGER,
            "Minimum number of resources in the group.",
            required=True,
            update_allowed=True,
            constraints=(Range(min=0),),
        ),
        "cooldown": Property(NUMBER, "Cooldown period, in seconds.", update_allowed=True),
        "resource": Property(
            PMAP,
            "Resource definition for the resources in the group, in HOT format.",
            required=True,
            update_allowed=True,
        ),
        "rolling_updates": Property(
            PMAP,
            "Policy for rolling updates for this scaling group.",
            update_allowed=True,
            schema={
                "min_in_service": Property(
                    INTEGER,
                    "The minimum number of resources in service while rolling updates are being executed.",
                    default=0,
                    constraints=(Range(min=0),),
                ),
                "max_batch_size": Property(
                    INTEGER,
                    "The maximum number of resources to replace at once.",
                    default=1,
                    constraints=(Range(min=1),),
                ),
                "pause_time": Property(
                    NUMBER,
                    "The number of seconds to wait between batches of updates.",
                    default=0,
                    constraints=(Range(min=0),),
                ),
            },
        ),
    }
    attributes_schema: ClassVar[Mapping[str, Attribute]] = {
        "outputs": Attribute(
            "A map of resource names to the specified attribute of each individual resource.", MAP
        ),
        "outputs_list": Attribute("A list of the specified attribute of each individual resource.", LIST),
        "current_size": Attribute("The current size of AutoscalingResourceGroup.", "integer"),
        "refs": Attribute("A list of resource IDs for the resources in the group.", LIST),
        "refs_map": Attribute("A map of resource names to IDs for the resources in the group.", MAP),
    }

    @classmethod
    def check_properties(cls, properties: dict[str, Any], path: str) -> None:
        low, high, desired = (
            properties.get("min_size"),
            properties.get("max_size"),
            properties.get("desired_capacity"),
        )
        if contains_unresolved([low, high, desired]):
            return
        if low is not None and high is not None and low > high:
            raise StackValidationFailed(message=f"{path}: min_size can not be greater than max_size")
        if desired is not None and low is not None and high is not None and not low <= desired <= high:
            raise StackValidationFailed(
                message=f"{path}: desired_capacity must be between min_size and max_size"
            )
        resource = properties.get("resource")
        if isinstance(resource, Mapping) and not contains_unresolved(resource) and not resource.get("type"):
            raise StackValidationFailed(message=f"{path}.resource: the resource definition needs a type")

    # --- members -----------------------------------------------------------------------

    def members(self) -> list[str]:
        stored = self.data.get("members")
        return [str(n) for n in stored] if isinstance(stored, list) else []

    def _initial_size(self) -> int:
        desired = self.properties.get("desired_capacity")
        return int(desired if desired is not None else self.properties["min_size"])

    def _resize_members(self, size: int) -> None:
        """Grow with new names at the end, shrink from the front (the oldest go first)."""
        names = self.members()
        while len(names) < size:
            names.append(_new_name())
        self.data["members"] = names[len(names) - size :] if size else []

    def child_template(self) -> dict[str, Any]:
        return _template({name: self.properties["resource"] for name in self.members()})

    async def handle_create(self) -> Any:
        self._resize_members(self._initial_size())
        return await super().handle_create()

    def prepare_update(self, old_properties: dict[str, Any]) -> None:
        if self.properties.get("desired_capacity") != old_properties.get("desired_capacity"):
            self._resize_members(self._initial_size())
        size = min(
            max(len(self.members()), int(self.properties["min_size"])), int(self.properties["max_size"])
        )
        self._resize_members(size)

    async def handle_update(self, new_properties: dict[str, Any], prop_diff: dict[str, Any]) -> Any:
        old_definition = self.properties["resource"]
        if (
            "resource" not in prop_diff
            or new_properties.get("resource") == old_definition
            or not self.members()
            or self.resource_id is None
        ):
            return await super().handle_update(new_properties, prop_diff)
        policy = {"min_in_service": 0, "max_batch_size": 1, "pause_time": 0}
        policy.update(
            {k: v for k, v in (new_properties.get("rolling_updates") or {}).items() if v is not None}
        )
        old_properties = self.properties
        self.properties = new_properties
        members = [(name, False) for name in self.members()]
        templates: list[dict[str, Any]] = []
        size = len(members)
        for total, renewed in batches(
            size, size, int(policy["max_batch_size"]), int(policy["min_in_service"])
        ):
            members = renew(members, total, renewed, _new_name)
            new_definition = new_properties["resource"]
            templates.append(_template({n: new_definition if new else old_definition for n, new in members}))
        self.data["members"] = [name for name, _ in members]
        self.prepare_update(old_properties)
        resized = self.child_template()
        if not templates or resized != templates[-1]:
            templates.append(resized)
        return await self.start_rolling(
            templates, pause_seconds(policy["pause_time"], "rolling_updates.pause_time")
        )

    async def adjust(self, adjustment: float, adjustment_type: str, min_adjustment_step: int | None) -> bool:
        """Resize by a policy's adjustment and wait for the nested update; False when the size stays."""
        current = len(self.members())
        size = new_capacity(
            current, adjustment, adjustment_type, int(self.properties["min_size"]),
            int(self.properties["max_size"]), min_adjustment_step,
        )  # fmt: skip
        if size == current or self.resource_id is None:
            return False
        self._resize_members(size)
        await self.host.update_nested_stack(self.resource_id, self.child_template(), {}, {})
        deadline = time.monotonic() + RESIZE_TIMEOUT
        while not await self.check_update_complete(self.resource_id):
            if time.monotonic() > deadline:
                raise self.failure(f"resizing to {size} did not finish within {RESIZE_TIMEOUT:.0f}s")
            await asyncio.sleep(0.1)
        return True

    # --- attributes --------------------------------------------------------------------------

    def _show(self, name: str) -> Any:
        return self.outputs.get(f"show.{name}")

    def get_attribute(self, name: str, *path: Any) -> Any:
        self.validate_attribute(self.name, name)
        names = self.members()
        if name == "current_size":
            return len(names)
        if name == "refs":
            return select_path([self.outputs.get(f"ref.{n}") for n in names], path)
        if name == "refs_map":
            return select_path({n: self.outputs.get(f"ref.{n}") for n in names}, path)
        if name in ("outputs", "outputs_list"):
            if not path:
                raise InvalidTemplateAttribute(resource=self.name, key=name)
            values = {n: select_path(self._show(n), path) for n in names}
            return values if name == "outputs" else list(values.values())
        return super().get_attribute(name, *path)

    def all_attributes(self) -> dict[str, Any]:
        return {k: self.get_attribute(k) for k in ("current_size", "refs", "refs_map")}


def _new_name() -> str:
    return "".join(secrets.choice(_NAME_ALPHABET) for _ in range(12))


def _template(definitions: Mapping[str, Any]) -> dict[str, Any]:
    """The child template of these members (name -> definition), with the outputs the group reads."""
    outputs: dict[str, Any] = {}
    for name in definitions:
        outputs[f"ref.{name}"] = {"value": {"get_resource": name}}
        outputs[f"show.{name}"] = {"value": {"get_attr": [name, "show"]}}
    return {
        "heat_template_version": CHILD_TEMPLATE_VERSION,
        "resources": {name: dict(definition) for name, definition in definitions.items()},
        "outputs": outputs,
    }
