"""OS::Heat::ScalingPolicy: a signal to it resizes its AutoScalingGroup.

Its ``alarm_url`` is a pre-signed URL (the policy's signal route with its
secret, as a CloudFormation handle's) an alarm or ``curl`` POSTs to;
``signal_url`` is the same route without the secret, for a caller with a
token. A signal while a scaling is under way, or within ``cooldown``
seconds of the last one that changed the size, does nothing (no event), as
in Heat; an alarm notification whose state is not ``alarm`` neither.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any, ClassVar

from ..attributes import STRING as ATTR_STRING
from ..attributes import Attribute
from ..base import NoActionRequired, Resource
from ..constraints import AllowedValues
from ..properties import INTEGER, NUMBER, STRING, Property
from ..scaling import ADJUSTMENT_TYPES, CHANGE_IN_CAPACITY
from ..support import SupportStatus
from .autoscaling import AutoScalingGroup
from .wait_handle import presigned_url


class ScalingPolicy(Resource):
    type_name: ClassVar[str] = "OS::Heat::ScalingPolicy"
    description: ClassVar[str] = (
        "Resizes an OS::Heat::AutoScalingGroup by scaling_adjustment when signalled (its alarm_url or signal_url)."
    )
    support_status: ClassVar[SupportStatus] = SupportStatus(version="2014.1")
    external_state: ClassVar[bool] = False  # a secret in its row is all it makes
    properties_schema: ClassVar[Mapping[str, Property]] = {
        "auto_scaling_group_id": Property(STRING, "AutoScaling group ID to apply policy to.", required=True),
        "adjustment_type": Property(
            STRING,
            "Type of adjustment (absolute or percentage).",
            required=True,
            update_allowed=True,
            constraints=(AllowedValues(allowed=ADJUSTMENT_TYPES),),
        ),
        "scaling_adjustment": Property(NUMBER, "Size of adjustment.", required=True, update_allowed=True),
        "cooldown": Property(NUMBER, "Cooldown period, in seconds.", update_allowed=True),
        "min_adjustment_step": Property(
            INTEGER,
            "Minimum number of resources that are added or removed when the AutoScaling group scales up or "
            "down. This can be used only when specifying percent_change_in_capacity for the adjustment_type "
            "property.",
            update_allowed=True,
        ),
    }
    attributes_schema: ClassVar[Mapping[str, Attribute]] = {
        "alarm_url": Attribute("A signed url to handle the alarm.", ATTR_STRING),
        "signal_url": Attribute("A url to handle the alarm using native API.", ATTR_STRING),
    }

    async def handle_create(self) -> Any:
        self.resource_id = self.physical_resource_name()
        self.draw_signal_secret()
        return None

    def resolve_attribute(self, name: str) -> Any:
        if self.resource_id is None:
            return None
        if name == "alarm_url":
            return presigned_url(self.data)
        if name == "signal_url":
            return self.data.get("endpoint")
        return None

    async def handle_signal(self, details: Any) -> str | None:
        if (
            isinstance(details, Mapping)
            and "current" in details
            and str(details["current"]).lower() != "alarm"
        ):
            raise NoActionRequired(f"alarm state {details['current']}: nothing to do")
        if self.metadata.get("scaling_in_progress"):
            raise NoActionRequired("a scaling is already in progress")
        cooldown_end = self.metadata.get("cooldown_end")
        if isinstance(cooldown_end, (int, float)) and time.time() < cooldown_end:
            raise NoActionRequired("the group is cooling down")
        self.metadata["scaling_in_progress"] = True
        return None

    async def after_signal(self, details: Any) -> None:
        changed = False
        try:
            group = await self.host.sibling(str(self.properties["auto_scaling_group_id"]))
            if not isinstance(group, AutoScalingGroup):
                raise ValueError(
                    f"{self.properties['auto_scaling_group_id']} is not an OS::Heat::AutoScalingGroup of this stack"
                )
            adjustment = self.properties["scaling_adjustment"]
            kind = self.properties.get("adjustment_type") or CHANGE_IN_CAPACITY
            changed = await group.adjust(adjustment, kind, self.properties.get("min_adjustment_step"))
            if changed:
                await self.host.save_sibling(
                    group, f"Scaling by {kind} {adjustment}: {len(group.members())} members"
                )
        finally:
            self.metadata["scaling_in_progress"] = False
            cooldown = self.properties.get("cooldown")
            if changed and cooldown:
                self.metadata["cooldown_end"] = time.time() + float(cooldown)
