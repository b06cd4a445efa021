"""OS::Heat::TestResource: a resource whose timing and failure are chosen by the template.

It is the workhorse for exercising the engine: ``wait_secs`` (or a per-action
``action_wait_secs``) makes an action take that long, ``fail`` makes create
or update fail, ``attr_wait_secs`` delays reading attributes and
``update_replace`` makes a change of ``value`` replace the resource. Waiting happens in
``check_*_complete`` with short ``asyncio.sleep`` calls against a wall-clock
deadline kept in the token, so the event loop is never blocked and the
engine can time out or cancel between polls.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from typing import Any, ClassVar

from ..attributes import Attribute
from ..base import Resource
from ..properties import BOOLEAN, MAP, NUMBER, STRING, Property
from ..support import SupportStatus

#: Longest single sleep inside one poll; keeps polls short for cancellation.
POLL_SLEEP = 0.5


class TestResource(Resource):
    __test__ = False  # not a pytest test class despite the name

    type_name: ClassVar[str] = "OS::Heat::TestResource"
    external_state: ClassVar[bool] = False  # nothing outside the engine's records
    description: ClassVar[str] = (
        "A resource for testing: it stores a value and can be told to wait or to fail."
    )
    support_status: ClassVar[SupportStatus] = SupportStatus(version="5.0.0")
    properties_schema: ClassVar[Mapping[str, Property]] = {
        "value": Property(
            STRING, "The input string to be stored.", default="test_string", update_allowed=True
        ),
        "fail": Property(
            BOOLEAN,
            "Value which can be set to fail the resource operation to test failure scenarios.",
            default=False,
            update_allowed=True,
        ),
        "update_replace": Property(
            BOOLEAN, "Whether an update replaces the resource.", default=False, update_allowed=True
        ),
        "wait_secs": Property(
            NUMBER, "Seconds each action takes (-1 waits forever).", default=0, update_allowed=True
        ),
        "action_wait_secs": Property(
            MAP,
            "Seconds per action, overriding wait_secs for that action.",
            update_allowed=True,
            schema={
                "create": Property(NUMBER, "Seconds the create action takes."),
                "update": Property(NUMBER, "Seconds the update action takes."),
                "delete": Property(NUMBER, "Seconds the delete action takes."),
                "suspend": Property(NUMBER, "Seconds the suspend action takes."),
                "resume": Property(NUMBER, "Seconds the resume action takes."),
            },
        ),
        "attr_wait_secs": Property(
            NUMBER, "Seconds it takes to read the attributes.", default=0, update_allowed=True
        ),
        "update_replace_value": Property(STRING, "A value that can be stored but not updated."),
        "client_name": Property(
            STRING, "Client to use (accepted and ignored).", default="", update_allowed=True
        ),
        "entity_name": Property(
            STRING, "Client entity to poll (accepted and ignored).", default="", update_allowed=True
        ),
        "constraint_prop_secs": Property(NUMBER, "Accepted and ignored.", default=0, update_allowed=True),
    }
    attributes_schema: ClassVar[Mapping[str, Attribute]] = {
        "output": Attribute(
            "The string that was stored. This value is also available by referencing the resource.", "string"
        ),
    }

    def _wait_secs(self, action: str, properties: Mapping[str, Any] | None = None) -> float:
        props = self.properties if properties is None else properties
        per_action = props.get("action_wait_secs") or {}
        secs = per_action.get(action)
        return float(props["wait_secs"] if secs is None else secs)

    def _token(self, action: str, properties: Mapping[str, Any] | None = None) -> dict[str, Any]:
        secs = self._wait_secs(action, properties)
        deadline = None if secs < 0 else time.time() + secs
        return {"action": action, "deadline": deadline}

    async def _wait(self, token: Mapping[str, Any]) -> bool:
        """Sleep toward the deadline for at most POLL_SLEEP; True once it has passed."""
        deadline = token.get("deadline")
        remaining = POLL_SLEEP if deadline is None else deadline - time.time()
        if remaining > 0:
            await asyncio.sleep(min(remaining, POLL_SLEEP))
            return deadline is not None and time.time() >= deadline
        return True

    async def handle_create(self) -> Any:
        # A resource told to fail never gets an identity or a stored value.
        if not self.properties["fail"]:
            self.data["value"] = self.properties["value"]
            self.resource_id = self.physical_resource_name()
        return self._token("create")

    async def check_create_complete(self, token: Any) -> bool:
        return await self._check(token)

    async def _check(self, token: Any) -> bool:
        if not await self._wait(token):
            return False
        if self.properties["fail"] and token.get("action") != "delete":
            raise self.failure(f"Test Resource failed {self.name}", exc_type="ValueError")
        return True

    def needs_replacement(self, new_properties: Mapping[str, Any]) -> bool:
        # A new value is applied in place unless update_replace asks for replacement.
        if new_properties.get("value") != self.properties.get("value") and new_properties.get(
            "update_replace"
        ):
            return True
        return super().needs_replacement(new_properties)

    async def handle_update(self, new_properties: dict[str, Any], prop_diff: dict[str, Any]) -> Any:
        self.properties = new_properties
        if "value" not in prop_diff:
            return {"action": "update", "deadline": time.time()}  # nothing to do: no wait
        if not new_properties["fail"]:
            self.data["value"] = new_properties["value"]
        return self._token("update")

    async def check_update_complete(self, token: Any) -> bool:
        return await self._check(token)

    async def handle_suspend(self) -> Any:
        return self._token("suspend")

    async def check_suspend_complete(self, token: Any) -> bool:
        return await self._wait(token)

    async def handle_resume(self) -> Any:
        return self._token("resume")

    async def check_resume_complete(self, token: Any) -> bool:
        return await self._wait(token)

    async def handle_delete(self) -> Any:
        # Deletion never fails on purpose: a stack must always be removable.
        return self._token("delete")

    async def check_delete_complete(self, token: Any) -> bool:
        return await self._check(token)

    async def prepare_attributes(self) -> None:
        secs = float(self.properties["attr_wait_secs"] or 0)
        if secs > 0:
            await asyncio.sleep(secs)

    def resolve_attribute(self, name: str) -> Any:
        return self.data.get("value") if name == "output" else None
