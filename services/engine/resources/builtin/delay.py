"""OS::Heat::Delay: waits during chosen actions, for min_wait plus a random jitter.

Useful to space out resources that would otherwise start together (a
thundering herd of servers calling home). The wait happens in the check
step against a deadline kept in the token, so it never blocks the engine
and a cancel or timeout stops it between polls.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Mapping
from typing import Any, ClassVar

from ..base import Resource
from ..constraints import AllowedValues, Range
from ..properties import LIST, NUMBER, STRING, Property
from ..support import SupportStatus

_ACTIONS = ("CREATE", "DELETE", "SUSPEND", "RESUME")
_POLL = 0.5


class Delay(Resource):
    type_name: ClassVar[str] = "OS::Heat::Delay"
    description: ClassVar[str] = (
        "Waits min_wait seconds plus a random jitter (up to max_jitter * jitter_multiplier) during its actions."
    )
    support_status: ClassVar[SupportStatus] = SupportStatus(version="11.0.0")
    external_state: ClassVar[bool] = False
    properties_schema: ClassVar[Mapping[str, Property]] = {
        "min_wait": Property(
            NUMBER, "Minimum time in seconds to wait during the specified actions.", default=0,
            update_allowed=True, constraints=(Range(min=0),),
        ),
        "max_jitter": Property(
            NUMBER,
            "Maximum jitter to add to the minimum wait time, in units of jitter_multiplier seconds.",
            default=0, update_allowed=True, constraints=(Range(min=0),),
        ),
        "jitter_multiplier": Property(
            NUMBER, "Number of seconds to multiply the maximum jitter value by.", default=1.0,
            update_allowed=True, constraints=(Range(min=0),),
        ),
        "actions": Property(
            LIST, "Actions during which the delay will occur.", default=["CREATE"], update_allowed=True,
            schema=Property(STRING, constraints=(AllowedValues(allowed=_ACTIONS),)),
        ),
    }  # fmt: skip

    def _token(self, action: str) -> dict[str, Any]:
        wait = 0.0
        if action in (self.properties.get("actions") or []):
            jitter = float(self.properties["max_jitter"]) * float(self.properties["jitter_multiplier"])
            wait = float(self.properties["min_wait"]) + jitter * random.random()
        return {"deadline": time.time() + wait}

    async def _waited(self, token: Any) -> bool:
        remaining = float(token["deadline"]) - time.time()
        if remaining <= 0:
            return True
        await asyncio.sleep(min(remaining, _POLL))
        return time.time() >= float(token["deadline"])

    async def handle_create(self) -> Any:
        self.resource_id = self.physical_resource_name()
        return self._token("CREATE")

    async def check_create_complete(self, token: Any) -> bool:
        return await self._waited(token)

    async def handle_delete(self) -> Any:
        return self._token("DELETE")

    async def check_delete_complete(self, token: Any) -> bool:
        return await self._waited(token)

    async def handle_suspend(self) -> Any:
        return self._token("SUSPEND")

    async def check_suspend_complete(self, token: Any) -> bool:
        return await self._waited(token)

    async def handle_resume(self) -> Any:
        return self._token("RESUME")

    async def check_resume_complete(self, token: Any) -> bool:
        return await self._waited(token)
